import DocumentModel
import DocumentQuery
import SiteStreamJSON
import Streaming

/// The backend of a served site that streams: every write goes to `inner`, except a save of an
/// `Event Producer`, which registers with that producer at once, as saving one does in Frappe.
///
/// Whatever the way in (`POST /api/resource/Event Producer`, `PUT …/{name}`,
/// `frappe.client.insert|save`, the `cmd=` form, or `sitestream producer add` while the site is
/// served), the document is read as a `Subscription` and handed to `StreamConsumer.subscribe`,
/// which checks it (DocTypes installed, mappings that can apply), registers with the producer,
/// and stores the `Event Producer` under the producer's site name; then `subscribed` starts the
/// site's pull loop for it. A producer that cannot be reached, or refuses, leaves nothing saved.
struct EventProducerBackend: SiteBackend {
    let inner: any SiteBackend
    let consumer: StreamConsumer
    /// Called after a successful registration (the served site starts its pull loops).
    let subscribed: @Sendable () throws -> Void

    func insert(doctype: String, document: JSONObject, user: SiteUser) async throws -> JSONObject {
        guard doctype == SystemDocTypes.eventProducer else { return try await inner.insert(doctype: doctype, document: document, user: user) }
        return try await register(document, existing: nil, user: user)
    }

    func update(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject {
        guard doctype == SystemDocTypes.eventProducer else { return try await inner.update(doctype: doctype, name: name, patch: patch, user: user) }
        // The stored document (with its secret, which reads never return) under the patch.
        guard var document = try consumer.site.get(SystemDocTypes.eventProducer, name)?.object else {
            throw BackendError.notFound(doctype: doctype, name: name, message: "\(doctype) \(name) not found")
        }
        for (key, value) in patch where !key.hasPrefix("__") { document[key] = value }
        return try await register(document, existing: name, user: user)
    }

    func register(_ document: JSONObject, existing: String?, user: SiteUser) async throws -> JSONObject {
        guard user.isAdministrator else {
            throw BackendError.permission(message: "only Administrator may subscribe this site to a producer (Event Producer)")
        }
        let subscription = try Self.subscription(from: document)
        let client = HTTPProducerClient(url: subscription.producerURL, apiKey: subscription.apiKey, apiSecret: subscription.apiSecret)
        let status: StreamConsumer.ProducerStatus
        do {
            status = try await consumer.subscribe(subscription, client: client, documentName: existing)
        } catch let error as StreamError where error.code == .transport {
            throw BackendError.validation(
                message: "could not register with the producer at \(subscription.producerURL): \(error.message); nothing was saved",
                doctype: SystemDocTypes.eventProducer, field: "producer_url")
        } catch let error as StreamError {
            throw BackendError(error)
        }
        try subscribed()
        return try await inner.get(doctype: SystemDocTypes.eventProducer, name: status.producer.name, user: user)
    }

    /// Reads an `Event Producer` document (Frappe's fields) as a subscription; a missing
    /// required field is a validation error naming it.
    static func subscription(from document: JSONObject) throws -> Subscription {
        func required(_ field: String) throws -> String {
            guard let value = document[field]?.stringValue, !value.isEmpty else {
                throw BackendError.validation(message: "Event Producer: \(field) is required", doctype: SystemDocTypes.eventProducer,
                                              field: field, excType: "MandatoryError")
            }
            return value
        }
        let url = try required("producer_url"), key = try required("api_key"), secret = try required("api_secret")
        let rows = document["producer_doctypes"]?.arrayValue?.compactMap(\.objectValue) ?? []
        guard !rows.isEmpty else {
            throw BackendError.validation(message: "Event Producer: producer_doctypes needs at least one row", doctype: SystemDocTypes.eventProducer,
                                          field: "producer_doctypes", excType: "MandatoryError")
        }
        var doctypes: [Subscription.DocTypeOptions] = []
        for (i, row) in rows.enumerated() where !truthy(row["unsubscribe"]) {
            guard let doctype = row["ref_doctype"]?.stringValue, !doctype.isEmpty else {
                throw BackendError.validation(message: "Event Producer: producer_doctypes row \(i + 1) has no ref_doctype",
                                              doctype: SystemDocTypes.eventProducer, field: "ref_doctype", excType: "MandatoryError")
            }
            let onRevokeText = row["on_revoke"]?.stringValue ?? ""
            guard let onRevoke = onRevokeText.isEmpty ? .keep : Subscription.OnRevoke(rawValue: onRevokeText) else {
                throw BackendError.validation(message: "Event Producer: row \(i + 1) on_revoke must be Keep or Delete, not '\(onRevokeText)'",
                                              doctype: SystemDocTypes.eventProducer, field: "on_revoke")
            }
            doctypes.append(.init(doctype, useSameName: truthy(row["use_same_name"]), condition: nonEmpty(row["condition"]),
                                  mapping: nonEmpty(row["mapping"]), onRevoke: onRevoke, backfill: truthy(row["backfill"])))
        }
        return Subscription(producerURL: url, apiKey: key, apiSecret: secret,
                            user: nonEmpty(document["user"]) ?? SystemDocTypes.administrator, doctypes: doctypes)
    }

    static func truthy(_ value: JSON?) -> Bool {
        if let number = value?.doubleValue { return number != 0 }
        if let flag = value?.boolValue { return flag }
        return value?.stringValue == "1"
    }

    static func nonEmpty(_ value: JSON?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }

    // Everything else is the inner backend's.

    func get(doctype: String, name: String, user: SiteUser) async throws -> JSONObject {
        try await inner.get(doctype: doctype, name: name, user: user)
    }

    func list(doctype: String, query: ListQuery, user: SiteUser) async throws -> [JSONObject] {
        try await inner.list(doctype: doctype, query: query, user: user)
    }

    func submit(doctype: String, name: String, patch: JSONObject, user: SiteUser) async throws -> JSONObject {
        try await inner.submit(doctype: doctype, name: name, patch: patch, user: user)
    }

    func cancel(doctype: String, name: String, user: SiteUser) async throws -> JSONObject {
        try await inner.cancel(doctype: doctype, name: name, user: user)
    }

    func delete(doctype: String, name: String, user: SiteUser) async throws {
        try await inner.delete(doctype: doctype, name: name, user: user)
    }

    func authenticate(apiKey: String, apiSecret: String) async throws -> SiteUser? {
        try await inner.authenticate(apiKey: apiKey, apiSecret: apiSecret)
    }
}
