import ArgumentParser

/// `sitestream`: the command line of INTERFACE.md. Each command lives in `Commands/`.
@main
struct SiteStreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sitestream",
        abstract: "Event-streaming replication between business sites.",
        discussion: "Every command that works on a site takes --site DIR (or SITESTREAM_SITE).",
        subcommands: [
            DemoCommand.self,
            InitCommand.self,
            ServeCommand.self,
            KeysCommand.self,
            ProducerCommand.self,
            ConsumerCommand.self,
            PullCommand.self,
            ExportCommand.self,
            ImportCommand.self,
            SyncLogCommand.self,
            DocCommand.self,
            LogCommand.self,
            BenchCommand.self,
        ]
    )
}
