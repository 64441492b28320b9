import ArgumentParser
import DocumentModel
import Foundation
import Site
import SiteStreamJSON

/// `sitestream doc insert|update|submit|cancel|delete|get|list --site DIR DOCTYPE [NAME] [--data JSON|@file]`.
struct DocCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc",
        abstract: "Work on documents through the full lifecycle.",
        subcommands: [Insert.self, Update.self, Submit.self, Cancel.self, Delete.self, Get.self, List.self]
    )

    /// `--data JSON` or `--data @file` (`@-` reads standard input), parsed as a JSON object.
    static func readData(_ text: String) throws -> JSONObject {
        let bytes: [UInt8]
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            if path == "-" {
                bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CLIError("--data @\(path): cannot read that file")
                }
                bytes = [UInt8](data)
            }
        } else {
            bytes = Array(text.utf8)
        }
        let json: JSON
        do { json = try JSON(parsing: bytes) } catch { throw CLIError("--data is not valid JSON: \(error)") }
        guard let object = json.objectValue else { throw CLIError("--data must be a JSON object, got \(json)") }
        return object
    }

    static func show(_ document: JSONObject, json: Bool, verb: String) {
        if json {
            Output.printJSON(.object(document))
        } else {
            print("\(verb) \(document["doctype"]?.stringValue ?? "") \(document["name"]?.stringValue ?? "")")
        }
    }

    struct Insert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Insert a new document.")
        @OptionGroup var options: SiteOptions
        @Argument(help: "The DocType.") var doctype: String
        @Option(help: "The document as JSON, or @file.") var data: String

        func run() async throws {
            let object = try DocCommand.readData(data)
            let document = try await SiteSession.documents(options).insert(doctype, object)
            DocCommand.show(document, json: options.json, verb: "inserted")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change fields of a document and save it.")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String
        @Option(help: "The fields to change as JSON, or @file.") var data: String

        func run() async throws {
            let changes = try DocCommand.readData(data)
            let document = try await SiteSession.documents(options).update(doctype, name, changes)
            DocCommand.show(document, json: options.json, verb: "saved")
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit a draft (docstatus 0 → 1).")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            let document = try await SiteSession.documents(options).submit(doctype, name)
            DocCommand.show(document, json: options.json, verb: "submitted")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a submitted document (docstatus 1 → 2).")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            let document = try await SiteSession.documents(options).cancel(doctype, name)
            DocCommand.show(document, json: options.json, verb: "cancelled")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a document (refused while others link to it).")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            try await SiteSession.documents(options).delete(doctype, name)
            if options.json { Output.printJSON(["message": "ok"]) } else { print("deleted \(doctype) \(name)") }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a document as JSON.")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            let document = try await SiteSession.documents(options).get(doctype, name)
            Output.printJSON(.object(document))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List documents of a DocType in name order.")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Option(help: "How many documents at most (0: up to 1000).") var limit: Int = 20
        @Option(help: "How many matching documents to skip.") var start: Int = 0
        @Option(help: #"Equality filters as a JSON object, e.g. {"customer_group": "Retail"}."#) var filters: String?

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be ≥ 0") }
            if start < 0 { throw ValidationError("--start must be ≥ 0") }
        }

        func run() async throws {
            let wanted = try filters.map(DocCommand.readData) ?? [:]
            let documents = try await SiteSession.documents(options)
                .list(doctype, filters: wanted, start: start, limit: limit == 0 ? 1_000 : limit)
            if options.json {
                Output.printJSON(.array(documents.map(JSON.object)))
            } else {
                Output.printTable(["name", "docstatus", "modified"], documents.map {
                    [$0["name"]?.stringValue ?? "", String($0["docstatus"]?.intValue ?? 0), $0["modified"]?.stringValue ?? ""]
                })
            }
        }
    }
}
