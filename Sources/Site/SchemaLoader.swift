import DocumentModel
import ERPFixtures
import Foundation
import SiteStreamJSON

/// Builds a site's schema: the system DocTypes, the built-in ERP set (unless the site was made
/// with its own DocTypes), and every `*.json` file in the site's `doctypes/` directory.
enum SchemaLoader {
    static func load(layout: SiteLayout, builtins: Bool) throws -> (Schema, [SchemaWarning]) {
        var files: [(name: String, json: JSON)] = []
        if builtins {
            for file in ERPFixtures.docTypeFiles {
                do {
                    files.append((file.name, try JSON(parsing: file.json)))
                } catch {
                    throw SiteError(.corruptSiteFile, "built-in DocType \(file.name) is not valid JSON: \(error)")
                }
            }
        }
        files += try userFiles(in: layout.doctypesDirectory)
        do {
            let (schema, warnings) = try Schema.loading(files)
            return (schema, warnings)
        } catch {
            throw SiteError(.corruptSiteFile, "cannot load DocTypes: \(error)")
        }
    }

    /// The DocType files a user put in `doctypes/`, sorted by name so loading is repeatable.
    static func userFiles(in directory: URL) throws -> [(name: String, json: JSON)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }
            .sorted()
        return try names.map { name in
            let path = directory.appendingPathComponent(name).path
            do {
                return (name, try JSON(parsing: try DurableFile.read(path)))
            } catch {
                throw SiteError(.corruptSiteFile, "DocType file \(path): \(error)")
            }
        }
    }
}
