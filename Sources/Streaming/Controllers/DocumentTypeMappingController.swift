import DocumentModel
import Site

/// Checks a `Document Type Mapping` whenever it is saved, however it is saved (REST, the CLI's
/// `doc` commands, a hook): the same checks a subscription makes (`FieldMapping`), against the
/// site's schema and the nested mappings as the saving transaction sees them. A mapping that
/// cannot apply is refused with the row and the reason, instead of parking documents later.
struct DocumentTypeMappingController: DocumentController {
    func validate(_ document: inout Document, in transaction: SiteTransaction) throws {
        do {
            _ = try FieldMapping(document: document, schema: transaction.schema, siteName: "this site") {
                try transaction.get(SystemDocTypes.documentTypeMapping, $0)
            }
        } catch let error as StreamError {
            throw SiteError(.validation, error.message, doctype: SystemDocTypes.documentTypeMapping, docname: document.name)
        }
    }
}

extension ControllerRegistry {
    /// The built-in ERP controllers and those of the streaming records (a `Document Type
    /// Mapping` is checked when saved): what `sitestream` opens every site with. An app that
    /// builds its own registry adds the streaming ones with `registerStreamingControllers()`.
    public static var sitestream: ControllerRegistry {
        var registry = ControllerRegistry.erp
        registry.registerStreamingControllers()
        return registry
    }

    public mutating func registerStreamingControllers() {
        register(DocumentTypeMappingController(), for: SystemDocTypes.documentTypeMapping)
    }
}
