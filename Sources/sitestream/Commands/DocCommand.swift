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

    static func show(_ document: Document, json: Bool, verb: String) {
        if json {
            Output.printJSON(document.json)
        } else {
            print("\(verb) \(document.doctype) \(document.name ?? "")")
        }
    }

    struct Insert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Insert a new document.")
        @OptionGroup var options: SiteOptions
        @Argument(help: "The DocType.") var doctype: String
        @Option(help: "The document as JSON, or @file.") var data: String

        func run() async throws {
            var object = try DocCommand.readData(data)
            object["doctype"] = .string(doctype)
            let input = Document(object)
            let document = try await SiteSession.write(options) { tx in try tx.insert(input) }
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
            let document = try await SiteSession.write(options) { tx in try tx.update(doctype, name, with: changes) }
            DocCommand.show(document, json: options.json, verb: "saved")
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit a draft (docstatus 0 → 1).")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            let document = try await SiteSession.write(options) { tx in try tx.submit(doctype, name) }
            DocCommand.show(document, json: options.json, verb: "submitted")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a submitted document (docstatus 1 → 2).")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            let document = try await SiteSession.write(options) { tx in try tx.cancel(doctype, name) }
            DocCommand.show(document, json: options.json, verb: "cancelled")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a document (refused while others link to it).")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            try await SiteSession.write(options) { tx in try tx.delete(doctype, name) }
            if options.json { Output.printJSON(["message": "ok"]) } else { print("deleted \(doctype) \(name)") }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a document as JSON.")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Argument var name: String

        func run() async throws {
            let document = try SiteSession.read(options) { site -> Document in
                guard site.schema[doctype] != nil else {
                    throw SiteError(.notFound, "DocType \(doctype) not found on this site", doctype: doctype)
                }
                guard let document = try site.get(doctype, name) else {
                    throw SiteError(.notFound, "\(doctype) \(name) not found", doctype: doctype, docname: name)
                }
                return document
            }
            Output.printJSON(document.json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List documents of a DocType in name order.")
        @OptionGroup var options: SiteOptions
        @Argument var doctype: String
        @Option(help: "How many documents at most.") var limit: Int = 20
        @Option(help: "How many matching documents to skip.") var start: Int = 0
        @Option(help: #"Equality filters as a JSON object, e.g. {"customer_group": "Retail"}."#) var filters: String?

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be ≥ 0") }
            if start < 0 { throw ValidationError("--start must be ≥ 0") }
        }

        func run() async throws {
            let wanted = try filters.map(DocCommand.readData) ?? [:]
            let documents = try SiteSession.read(options) { site in
                try site.list(doctype, offset: start, limit: limit == 0 ? Int.max : limit) { document in
                    wanted.allSatisfy { key, value in document[key] == value }
                }
            }
            if options.json {
                Output.printJSON(.array(documents.map(\.json)))
            } else {
                Output.printTable(["name", "docstatus", "modified"], documents.map {
                    [$0.name ?? "", String($0.docstatus), $0.modified ?? ""]
                })
            }
        }
    }
}
