import Synchronization

/// The naming-series counters handed out (prefix → last value), shared by every transaction of
/// a site, including those that run outside the writer lock (`Site.writeConcurrently`): a value
/// is taken under this small lock, so two transactions running at once never name two
/// documents alike.
///
/// The counters run at or ahead of what the log holds (the site's `WriterState.series`, folded
/// into the store): a value is taken before its document is committed. A transaction that
/// writes nothing gives its values back when nobody took one after it, which is always so for
/// one writer at a time: a refused insert then leaves no gap, as before. With writers running
/// at once, a refused or retried transaction can leave a gap in a series; a name is still never
/// handed out twice (a restart resumes after the highest value the log holds).
final class SeriesCounters: Sendable {
    private let counters: Mutex<[String: Int]>

    init(_ start: [String: Int]) {
        counters = Mutex(start)
    }

    func take(_ prefix: String) -> Int {
        counters.withLock { counters in
            let value = (counters[prefix] ?? 0) + 1
            counters[prefix] = value
            return value
        }
    }

    /// Puts the counter of `prefix` back to `before` if the values `before+1…last` are exactly
    /// the `count` values the caller took and nobody took one since.
    func giveBack(_ prefix: String, last: Int, before: Int, count: Int) {
        guard last - before == count else { return }
        counters.withLock { counters in
            if counters[prefix] == last { counters[prefix] = before }
        }
    }
}
