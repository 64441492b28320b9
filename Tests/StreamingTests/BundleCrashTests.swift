import CrashChildSupport
import DocumentModel
import EventLog
import Foundation
import Site
import SiteStreamJSON
import Streaming
import Testing

/// An offline import SIGKILLed at random moments and run again: every record is applied
/// exactly once (no duplicate replica, one GL Entry per replicated submit or cancel), and the
/// final run leaves the consumer equal to the producer.
@Suite("Offline import killed midway", .serialized)
struct BundleCrashTests {
    @Test func killedImportResumesWhereItStopped() async throws {
        let producerDirectory = try TemporaryDirectory("bundle-crash-producer")
        let consumerDirectory = try TemporaryDirectory("bundle-crash-consumer")
        let bundleHolder = try TemporaryDirectory("bundle-crash-bundle")
        defer {
            producerDirectory.cleanUp()
            consumerDirectory.cleanUp()
            bundleHolder.cleanUp()
        }
        var random = StreamingCrashTests.Random(state: UInt64(UInt32(truncatingIfNeeded: getpid())) &* 31 | 1)
        let producerLayout = SiteLayout(root: producerDirectory.url)
        let consumerLayout = SiteLayout(root: consumerDirectory.url)
        var settings = SiteSettings()
        settings.durability = .always
        try await Site.create(at: producerLayout, name: "head-office", url: nil, settings: settings)
        try await Site.create(at: consumerLayout, name: "branch-1", url: nil, settings: settings)
        let bundle = bundleHolder.url.appendingPathComponent("bundle").path
        var entries: UInt64 = 0
        do {
            let producerSite = try Site.open(at: producerLayout, controllers: ControllerRegistry())
            let consumerSite = try Site.open(at: consumerLayout, controllers: ControllerRegistry())
            try await producerSite.write { tx in
                try tx.insert(Docs.itemGroup("Tools"))
                for g in 0..<3 { try tx.insert(Docs.customerGroup("Group \(g)")) }
                for i in 0..<4 { try tx.insert(Docs.item("ITEM-\(i)", group: "Tools")) }
            }
            let producer = StreamProducer(site: producerSite)
            try await StreamConsumer(site: consumerSite).subscribe(Subscription(
                producerURL: "local", apiKey: "k", apiSecret: "s",
                doctypes: [.init("Customer"), .init("Address", useSameName: false), .init("Sales Invoice")]),
                client: LocalProducerClient(producer: producer))
            try await producer.approve(consumer: "branch-1", doctypes: ["Customer", "Address", "Sales Invoice"])
            var workload = StreamingCrashTests.Workload()
            for _ in 0..<6 { try await workload.round(producerSite, &random) }
            entries = try producer.exportBundle(consumer: "branch-1", to: bundle).manifest.entries
            try producerSite.close()
            try consumerSite.close()
        }
        #expect(entries > 40)

        var kills = 0
        var midImport = 0
        for round in 1...8 {
            let progress = consumerDirectory.url.deletingLastPathComponent().appendingPathComponent("bundle-progress-\(getpid())-\(round)")
            FileManager.default.createFile(atPath: progress.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: progress) }
            let child = try CrashChild.start(["streaming-import", consumerDirectory.url.path, bundle, progress.path])
            // A few committed records on: the earlier runs applied the rest already.
            let target = random.below(10) + 2
            let reached = CrashChild.waitUntil(seconds: 120) {
                let lines = (try? String(contentsOf: progress, encoding: .utf8))?.split(separator: "\n") ?? []
                return lines.count >= target || lines.last == "done" || !child.isRunning
            }
            #expect(reached, "round \(round): the child made no progress within 120 s")
            usleep(UInt32(random.below(3000)))
            let wasRunning = child.isRunning
            CrashChild.kill(child)
            let lines = (try? String(contentsOf: progress, encoding: .utf8))?.split(separator: "\n") ?? []
            if wasRunning {
                kills += 1
                if lines.last != "done" { midImport += 1 }
            } else {
                #expect(child.terminationStatus == 0, "round \(round): the child failed with status \(child.terminationStatus)")
            }
            try StreamingCrashTests().checkExactlyOnce(consumerLayout, producerLayout: producerLayout, complete: false)
        }
        #expect(midImport >= 3, "only \(midImport) of \(kills) kills landed during the import")

        // A last run to the end: the consumer equals the producer, and a further run changes nothing.
        for _ in 0..<2 {
            let progress = consumerDirectory.url.deletingLastPathComponent().appendingPathComponent("bundle-progress-\(getpid())-final")
            FileManager.default.createFile(atPath: progress.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: progress) }
            let child = try CrashChild.start(["streaming-import", consumerDirectory.url.path, bundle, progress.path])
            child.waitUntilExit()
            #expect(child.terminationStatus == 0)
            try StreamingCrashTests().checkExactlyOnce(consumerLayout, producerLayout: producerLayout, complete: true)
        }
        print("bundle crash test: \(kills) kills (\(midImport) during the import)")
    }
}
