/// The built-in ERP DocTypes and streaming mappings that ship inside every `sitestream` binary.
///
/// The texts are the files under `Fixtures/doctypes` and `Fixtures/mappings` of the repository,
/// embedded at build time by `Fixtures/embed.sh` (see `EmbeddedFixtures.swift`), so a site can be
/// created without a checkout. Each text is the file's exact bytes; tests hold the two equal.
///
/// The DocTypes are our own small definitions in Frappe's doctype-JSON shape, using ERPNext's
/// field names wherever ERPNext has the field:
/// Customer Group, Territory, Item Group, Supplier Group, Customer, Supplier, Item, Address,
/// Contact, Dynamic Link (child), Sales Invoice (+ Sales Invoice Item), Sales Order
/// (+ Sales Order Item), Purchase Order (+ Purchase Order Item) and GL Entry.
/// Every `Link` names one of these DocTypes or `DocType` itself (see ``systemLinkTargets``);
/// masters ERPNext links to but we do not ship (Currency, UOM, Company, Account, Warehouse,
/// Country) are plain `Data` fields.
///
/// ```swift
/// for file in ERPFixtures.docTypeFiles {
///     let definition = try JSON(parsing: file.json)   // one DocType per file
/// }
/// ```
public enum ERPFixtures {
    /// One `(file name, JSON text)` per DocType, e.g. `("sales_invoice.json", "{\n \"actions\"…")`,
    /// sorted by file name. Child DocTypes are included; load them all as one set.
    public static var docTypeFiles: [(name: String, json: String)] { embeddedDocTypeFiles }

    /// One `(file name, JSON text)` per `Document Type Mapping` document, each a whole document
    /// with its `field_mapping` rows. Sorted by file name, which is also an order that inserts a
    /// mapping only after the mappings its rows name (`customer_to_supplier.json`,
    /// `sales_order_item_to_purchase_order_item.json`, `sales_order_to_purchase_order.json`).
    public static var mappingFiles: [(name: String, json: String)] { embeddedMappingFiles }

    /// The JSON text of the DocType stored as `fileName` (`"customer.json"`), or `nil`.
    public static func docTypeJSON(file fileName: String) -> String? {
        embeddedDocTypeFiles.first { $0.name == fileName }?.json
    }

    /// The file name Frappe would give the DocType called `docTypeName`:
    /// `"Sales Invoice Item"` → `"sales_invoice_item.json"`.
    public static func fileName(forDocType docTypeName: String) -> String {
        String(docTypeName.lowercased().map { $0 == " " ? "_" : $0 }) + ".json"
    }

    /// DocTypes that fixture `Link` fields may name without shipping them here: they belong to
    /// every site's core (the registry of DocTypes itself, users and roles).
    public static let systemLinkTargets: Set<String> = ["DocType", "User", "Role"]

    /// Name of the `Document Type Mapping` that turns a producer's Sales Order into a local
    /// Purchase Order (its rows use "Customer to Supplier" and
    /// "Sales Order Item to Purchase Order Item").
    public static let salesOrderToPurchaseOrderMapping = "Sales Order to Purchase Order"
}
