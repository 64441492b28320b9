import Foundation

extension EventLog {
    // MARK: The sync thread

    /// Makes written records durable: at once for `always` (one `fdatasync` covers every append
    /// written before it started), every interval for `interval`.
    func syncLoop() {
        var lastSync = monotonicNanos()
        var syncFailed = false
        let intervalNanos: UInt64? = if case .interval(let ms) = configuration.durability { UInt64(ms) * 1_000_000 } else { nil }
        while true {
            lock.lock()
            while true {
                if writtenSequence > durableSequence && !syncFailed {
                    guard let intervalNanos else { break }
                    let now = monotonicNanos()
                    if now >= lastSync + intervalNanos || closing { break }
                    _ = lock.wait(until: Date(timeIntervalSinceNow: Double(lastSync + intervalNanos - now) / 1e9))
                    continue
                }
                if closing && threadsRunning == 1 { break }
                lock.wait()
            }
            if writtenSequence <= durableSequence || syncFailed {
                // Closing, and nothing left to sync.
                let acks = failure.map { failure in pendingAcks.map { ($0, failure) } } ?? []
                pendingAcks.removeAll()
                threadsRunning -= 1
                lock.broadcast()
                lock.unlock()
                for (request, failure) in acks { request.completion(.failure(failure)) }
                return
            }
            let sequence = writtenSequence
            let cursor = writtenCursor
            // The written position's segment; if retention already removed it, it was sealed and
            // synced, and syncing the active segment is harmless.
            let segment = segments.last { $0.base == cursor.segment } ?? segments.last!
            lock.unlock()
            do {
                try metrics.timedSync { try segment.file.sync() }
            } catch {
                let failure = (error as? EventLogError) ?? EventLogError(.io, "\(error)")
                logger.error("fdatasync failed; appends are refused until reopened", metadata: ["error": "\(failure)"])
                syncFailed = true
                lock.lock()
                if self.failure == nil { self.failure = failure }
                let failed = pendingAcks
                pendingAcks.removeAll()
                lock.unlock()
                for request in failed { request.completion(.failure(failure)) }
                continue
            }
            lastSync = monotonicNanos()
            lock.lock()
            statistics.syncs += 1
            advanceDurable(sequence: sequence, cursor: cursor, segment: segment)
            let acks = takeReadyAcks()
            let ready = takeReadyWaiters()
            lock.unlock()
            complete(acks)
            for waiter in ready { waiter.resume(returning: sequence) }
        }
    }

    // MARK: Shared steps (call with `lock` held)

    func advanceDurable(sequence: UInt64, cursor: LogCursor, segment: Segment) {
        if cursor.segment == segment.base && cursor.offset > segment.durableEnd { segment.durableEnd = cursor.offset }
        if sequence > durableSequence || (durableSequence == sequence && cursor > durableCursor) {
            durableSequence = sequence
            durableCursor = cursor
        }
    }

    func takeReadyAcks() -> [AppendRequest] {
        var count = 0
        while count < pendingAcks.count, let result = pendingAcks[count].result, result.lastSequence <= durableSequence { count += 1 }
        guard count > 0 else { return [] }
        let ready = Array(pendingAcks[..<count])
        pendingAcks.removeFirst(count)
        return ready
    }

    func complete(_ requests: [AppendRequest]) {
        for request in requests { request.completion(.success(request.result!)) }
    }
}
