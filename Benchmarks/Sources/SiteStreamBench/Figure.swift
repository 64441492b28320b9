/// One measured figure, in the shape `sitestream bench --json` prints (INTERFACE.md):
/// `value` is the median of `runs` runs; `min` and `max` bound them.
public struct Figure: Sendable, Equatable {
    public var id: String
    public var value: Double
    public var unit: String
    public var runs: Int
    public var min: Double
    public var max: Double
    /// A human note shown in the table (sizes, what the ratio compares); not in the JSON ids.
    public var note: String

    public init(id: String, value: Double, unit: String, runs: Int, min: Double, max: Double, note: String = "") {
        self.id = id
        self.value = value
        self.unit = unit
        self.runs = runs
        self.min = min
        self.max = max
        self.note = note
    }

    /// A figure from the samples of several runs: the median is the value.
    public init(id: String, unit: String, samples: [Double], note: String = "") {
        precondition(!samples.isEmpty, "a figure needs at least one run")
        let sorted = samples.sorted()
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        self.init(id: id, value: median, unit: unit, runs: sorted.count, min: sorted.first!, max: sorted.last!, note: note)
    }
}
