/// Every group the harness runs, in the order it runs them. Add a group here when its file lands.
public enum BenchmarkGroups {
    public static let all: [any BenchmarkGroup] = [
        JSONBenchmarks(),
        DiffBenchmarks(),
        LogBenchmarks(),
        StoreBenchmarks(),
        SiteBenchmarks(),
        RESTBenchmarks(),
        StreamBenchmarks(),
        CatchUpBenchmarks(),
        OfflineBenchmarks(),
    ]
}
