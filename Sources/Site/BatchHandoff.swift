import Dispatch
import Synchronization

/// A bounded queue from one producing thread to one consuming thread, for the two stages of a
/// store rebuild (`Leveler`). At most `capacity` items are queued or being consumed: the
/// producer waits for a free place, and a place frees only when the consumer says it has
/// finished with an item (`finished()`), so the producer always knows that at most
/// `capacity` of the items it pushed may still be unconsumed.
///
/// Either side can stop the other: the consumer with `cancel()` (the producer's next `push`
/// returns false), the producer by pushing a final item that says so.
final class BatchHandoff<Item: Sendable>: Sendable {
    let capacity: Int
    private let queue = Mutex<[Item]>([])
    private let cancelled = Atomic<Bool>(false)
    /// Counts free places; the producer waits on it.
    private let free: DispatchSemaphore
    /// Counts queued items; the consumer waits on it.
    private let queued = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        free = DispatchSemaphore(value: capacity)
    }

    /// Queues `item`, waiting for a free place first. Returns false (dropping the item) when
    /// the consumer has cancelled.
    func push(_ item: Item) -> Bool {
        free.wait()
        guard !cancelled.load(ordering: .acquiring) else {
            free.signal() // let any other waiter see the cancellation too
            return false
        }
        queue.withLock { $0.append(item) }
        queued.signal()
        return true
    }

    /// The oldest queued item, waiting for one. Call `finished()` once done with it.
    func pop() -> Item {
        queued.wait()
        return queue.withLock { $0.removeFirst() }
    }

    /// The consumer is done with the item it popped last: its place is free again.
    func finished() {
        free.signal()
    }

    /// The consumer stops: a producer waiting in `push` or pushing later gets false.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        free.signal()
    }
}
