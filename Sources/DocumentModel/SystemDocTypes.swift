/// The DocTypes every site has: users and roles, and the streaming records.
///
/// Field names follow Frappe's (core `User`/`Role`/`Has Role`) and its event_streaming app, so
/// documents and REST calls read the same; the definitions are ours. A few fields are
/// SiteStream's own and say so in their description.
public enum SystemDocTypes {
    public static let user = "User"
    public static let role = "Role"
    public static let hasRole = "Has Role"
    public static let eventProducer = "Event Producer"
    public static let eventProducerDocumentType = "Event Producer Document Type"
    public static let eventConsumer = "Event Consumer"
    public static let eventConsumerDocumentType = "Event Consumer Document Type"
    public static let eventSyncLog = "Event Sync Log"
    public static let documentTypeMapping = "Document Type Mapping"
    public static let documentTypeFieldMapping = "Document Type Field Mapping"
    public static let eventUpdateLog = "Event Update Log"

    /// The names of the users the site creates itself.
    public static let administrator = "Administrator"
    public static let guest = "Guest"

    /// Every system DocType, parents after their child tables.
    public static let all: [DocType] = {
        // The definitions below are literals checked by the tests; a failure here is a bug in them.
        do { return try build() } catch { fatalError("system DocType definition is invalid: \(error)") }
    }()

    /// The names of all system DocTypes.
    public static let names: Set<String> = Set(all.map(\.name))

    private static func build() throws(DocTypeError) -> [DocType] {
        let approval = "Pending\nApproved\nRejected"
        let updateTypes = "Create\nUpdate\nCancel\nDelete"
        return [
            try DocType(
                name: hasRole, module: "Core",
                fields: [DocField("role", .link, label: "Role", options: role, reqd: true)],
                isChildTable: true),
            try DocType(
                name: role, module: "Core",
                fields: [
                    DocField("role_name", .data, label: "Role Name", reqd: true, unique: true),
                    DocField("desk_access", .check, label: "Desk Access", defaultValue: "1"),
                    DocField("disabled", .check, label: "Disabled", defaultValue: "0"),
                ],
                autoname: "field:role_name", namingRule: "By fieldname"),
            try DocType(
                name: user, module: "Core",
                fields: [
                    DocField("email", .data, label: "Email", options: "Email", reqd: true, unique: true),
                    DocField("first_name", .data, label: "First Name", reqd: true),
                    DocField("middle_name", .data, label: "Middle Name"),
                    DocField("last_name", .data, label: "Last Name"),
                    DocField("full_name", .data, label: "Full Name", readOnly: true),
                    DocField("username", .data, label: "Username", unique: true),
                    DocField("enabled", .check, label: "Enabled", defaultValue: "1"),
                    DocField("user_type", .select, label: "User Type",
                             options: "System User\nWebsite User", defaultValue: "System User"),
                    DocField("language", .data, label: "Language"),
                    DocField("time_zone", .data, label: "Time Zone"),
                    DocField("roles_section", .sectionBreak, label: "Roles"),
                    DocField("roles", .table, label: "Roles Assigned", options: hasRole),
                    DocField("api_access", .sectionBreak, label: "API Access"),
                    DocField("api_key", .data, label: "API Key", unique: true, readOnly: true, noCopy: true),
                    DocField("api_secret", .password, label: "API Secret", noCopy: true),
                ],
                // Users are named by their email, except Administrator and Guest, which the site
                // creates with those names.
                autoname: "field:email", namingRule: "By fieldname", titleField: "full_name"),
            try DocType(
                name: eventProducerDocumentType, module: "Event Streaming",
                fields: [
                    DocField("ref_doctype", .link, label: "Document Type", options: "DocType", reqd: true, setOnlyOnce: true),
                    DocField("status", .select, label: "Approval Status", options: approval,
                             defaultValue: "Pending", readOnly: true),
                    DocField("use_same_name", .check, label: "Use Same Name", defaultValue: "0"),
                    DocField("unsubscribe", .check, label: "Unsubscribe", defaultValue: "0"),
                    DocField("has_mapping", .check, label: "Has Mapping", defaultValue: "0"),
                    DocField("mapping", .link, label: "Mapping", options: documentTypeMapping),
                    DocField("condition", .code, label: "Condition"),
                    DocField("backfill", .check, label: "Backfill", defaultValue: "0",
                             description: "SiteStream: also fetch the documents that existed before the subscription"),
                    DocField("on_revoke", .select, label: "On Revoke", options: "Keep\nDelete", defaultValue: "Keep",
                             description: "SiteStream: what to do with replicated documents when approval is revoked"),
                ],
                isChildTable: true),
            try DocType(
                name: eventProducer, module: "Event Streaming",
                fields: [
                    DocField("producer_url", .data, label: "Producer URL", reqd: true, unique: true),
                    DocField("producer_doctypes", .table, label: "Event Producer Document Types",
                             options: eventProducerDocumentType, reqd: true),
                    DocField("section_break_3", .sectionBreak),
                    DocField("api_key", .data, label: "API Key", reqd: true),
                    DocField("api_secret", .password, label: "API Secret", reqd: true),
                    DocField("column_break_6", .columnBreak),
                    DocField("user", .link, label: "Event Subscriber", options: user, reqd: true, setOnlyOnce: true),
                    DocField("incoming_change", .check, label: "Incoming Change", defaultValue: "0", hidden: true),
                    DocField("site_id", .data, label: "Producer Site ID", readOnly: true,
                             description: "SiteStream: the producer site's id, learned at registration"),
                ],
                // Named by the producer site's name as learned at registration.
                autoname: "prompt", namingRule: "Set by user"),
            try DocType(
                name: eventConsumerDocumentType, module: "Event Streaming",
                fields: [
                    DocField("ref_doctype", .link, label: "Document Type", options: "DocType", reqd: true, readOnly: true),
                    DocField("status", .select, label: "Approval Status", options: approval, defaultValue: "Pending"),
                    DocField("unsubscribed", .check, label: "Unsubscribed", defaultValue: "0"),
                    DocField("condition", .code, label: "Condition"),
                ],
                isChildTable: true),
            try DocType(
                name: eventConsumer, module: "Event Streaming",
                fields: [
                    DocField("callback_url", .data, label: "Callback URL", reqd: true),
                    DocField("consumer_doctypes", .table, label: "Event Consumer Document Types",
                             options: eventConsumerDocumentType, reqd: true),
                    DocField("section_break_3", .sectionBreak),
                    DocField("api_key", .data, label: "API Key", readOnly: true),
                    DocField("api_secret", .password, label: "API Secret", readOnly: true),
                    DocField("column_break_6", .columnBreak),
                    DocField("user", .link, label: "Event Subscriber", options: user, reqd: true),
                    DocField("incoming_change", .check, label: "Incoming Change", defaultValue: "0",
                             readOnly: true, hidden: true),
                    DocField("site_id", .data, label: "Consumer Site ID", readOnly: true,
                             description: "SiteStream: the consumer site's id, sent when it registers"),
                ],
                // Named by the consumer site's name (its --name).
                autoname: "prompt", namingRule: "Set by user"),
            try DocType(
                name: eventSyncLog, module: "Event Streaming",
                fields: [
                    DocField("update_type", .select, label: "Update Type", options: updateTypes, readOnly: true),
                    DocField("ref_doctype", .link, label: "Document Type", options: "DocType", readOnly: true),
                    DocField("docname", .data, label: "Document Name", readOnly: true),
                    DocField("column_break_4", .columnBreak),
                    DocField("status", .select, label: "Status", options: "\nSynced\nFailed\nWaiting", readOnly: true),
                    DocField("event_producer", .link, label: "Event Producer", options: eventProducer, readOnly: true),
                    DocField("producer_doc", .data, label: "Producer Document Name", readOnly: true),
                    DocField("event_configurations_section", .sectionBreak, label: "Event Configurations"),
                    DocField("use_same_name", .check, label: "Use Same Name", defaultValue: "0", readOnly: true),
                    DocField("mapping", .link, label: "Mapping", options: documentTypeMapping, readOnly: true),
                    DocField("section_break_8", .sectionBreak, label: "Data"),
                    DocField("data", .code, label: "Data", options: "JSON", readOnly: true),
                    DocField("error", .code, label: "Error", readOnly: true),
                ],
                autoname: "hash", isReadOnly: false),
            try DocType(
                name: documentTypeFieldMapping, module: "Event Streaming",
                fields: [
                    DocField("local_fieldname", .data, label: "Local Fieldname", reqd: true),
                    DocField("mapping_type", .select, label: "Mapping Type", options: "\nChild Table\nDocument"),
                    DocField("mapping", .link, label: "Mapping", options: documentTypeMapping),
                    DocField("remote_value_filters", .code, label: "Remote Value Filters", options: "JSON"),
                    DocField("column_break_5", .columnBreak),
                    DocField("remote_fieldname", .data, label: "Remote Fieldname"),
                    DocField("default_value", .data, label: "Default Value"),
                ],
                isChildTable: true),
            try DocType(
                name: documentTypeMapping, module: "Event Streaming",
                fields: [
                    DocField("mapping_name", .data, label: "Mapping Name", reqd: true, unique: true),
                    DocField("local_doctype", .link, label: "Local Document Type", options: "DocType", reqd: true),
                    DocField("remote_doctype", .data, label: "Remote Document Type", reqd: true),
                    DocField("section_break_3", .sectionBreak),
                    DocField("field_mapping", .table, label: "Field Mapping", options: documentTypeFieldMapping),
                ],
                autoname: "field:mapping_name", namingRule: "By fieldname"),
            try DocType(
                name: eventUpdateLog, module: "Event Streaming",
                fields: [
                    DocField("seq", .int, label: "Sequence", readOnly: true,
                             description: "SiteStream: the entry's sequence number in the log"),
                    DocField("cursor", .data, label: "Cursor", readOnly: true,
                             description: "SiteStream: the byte position to read after this entry"),
                    DocField("update_type", .select, label: "Update Type", options: updateTypes, readOnly: true),
                    DocField("ref_doctype", .link, label: "DocType", options: "DocType", readOnly: true),
                    DocField("docname", .data, label: "Document Name", readOnly: true),
                    DocField("data", .json, label: "Data", readOnly: true),
                ],
                // A view of the log: the site writes its entries, nobody else.
                autoname: "autoincrement", namingRule: "Autoincrement", isReadOnly: true),
        ]
    }
}
