import Foundation

/// What the figures were measured on, printed above every table: our machines are noisy and
/// differ, so a figure without its machine means little.
public struct MachineDescription: Sendable {
    public var cpuModel: String
    public var cores: Int
    public var memoryGiB: Double
    public var kernel: String
    public var buildConfiguration: String

    public static func current() -> MachineDescription {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model: String = cpuinfo.split(separator: "\n")
            .first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        #if DEBUG
            let configuration = "debug build (figures not representative)"
        #else
            let configuration = "release build"
        #endif
        return MachineDescription(
            cpuModel: model,
            cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
            kernel: "Linux \(release)",
            buildConfiguration: configuration
        )
    }

    public var summary: String {
        "\(cores) cores, \(String(format: "%.0f", memoryGiB)) GiB, \(cpuModel), \(kernel), \(buildConfiguration)"
    }
}
