// Benchmark harness: placeholder until it lands.
