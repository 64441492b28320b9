import DocumentModel
import EventLog
import Site
import SiteStreamJSON

extension StreamProducer {
    /// Creates or updates the consumer's `Event Consumer` document, named by the consumer
    /// site's name and keyed by its site id: one row per DocType, new rows Pending, existing
    /// rows keeping their approval, rows the request no longer names marked unsubscribed.
    /// Registering again never duplicates anything.
    ///
    /// The notify token is kept in the document's `api_secret` (a Password field, never
    /// returned by a read); it only lets this producer ping the consumer.
    ///
    /// Throws `.invalidRequest` for a DocType this site does not have (or a child table, or a
    /// consumer claiming this site's own id), `.conflict` when another site already registered
    /// under that name, `.permission` when `caller` is not the user who registered it before.
    public func register(_ request: RegisterRequest, caller: String) async throws -> RegisterReply {
        guard request.consumerID != site.identity.id else {
            throw StreamError(.invalidRequest, "a site cannot subscribe to itself (consumer id \(request.consumerID) is this site's)")
        }
        for row in request.doctypes {
            guard let doctype = site.schema[row.doctype] else {
                throw StreamError(.invalidRequest, "register request: DocType \(row.doctype) is not installed on \(site.identity.name)", doctype: row.doctype)
            }
            if let text = row.condition?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                do { _ = try Condition(text, functions: conditionFunctions) } catch let error as StreamError {
                    throw StreamError(.invalidRequest, "register request: \(row.doctype): \(error.message)", doctype: row.doctype)
                }
            }
            guard !doctype.isChildTable else {
                throw StreamError(.invalidRequest, "register request: \(row.doctype) is a child table; subscribe to its parent DocType", doctype: row.doctype)
            }
        }
        let existing = try consumers().first { $0.siteID == request.consumerID }
        if existing == nil, let clash = try site.get(SystemDocTypes.eventConsumer, request.consumerName) {
            throw StreamError(.conflict, "another site (id \(clash["site_id"]?.stringValue ?? "?")) is registered as consumer \(request.consumerName)",
                              consumer: request.consumerName)
        }
        if let existing, caller != existing.user, caller != SystemDocTypes.administrator {
            throw StreamError(.permission, "consumer \(existing.name) was registered by user \(existing.user); \(caller) may not change it", consumer: existing.name)
        }
        // Made (once per consumer) before the write, so a reply never names a key not kept.
        let bundleKey = try BundleKeys(layout: site.layout).consumerKey(creatingFor: request.consumerID)
        let startCursor = site.log.durableEndCursor
        let lastSequence = site.log.lastSequence
        let name: String = try await site.write(as: caller) { tx in
            let wanted = Dictionary(request.doctypes.map { ($0.doctype, $0) }, uniquingKeysWith: { first, _ in first })
            var rows: [JSONObject] = []
            var seen = Set<String>()
            var previous: Document?
            if let existing { previous = try tx.get(SystemDocTypes.eventConsumer, existing.name) }
            for row in previous?.rows(of: "consumer_doctypes") ?? [] {
                guard let doctype = row["ref_doctype"]?.stringValue else { continue }
                var row = row
                seen.insert(doctype)
                if let asked = wanted[doctype] {
                    row["unsubscribed"] = 0
                    row["condition"] = asked.condition.map(JSON.string) ?? .null
                } else {
                    row["unsubscribed"] = 1
                }
                rows.append(row)
            }
            for asked in request.doctypes where !seen.contains(asked.doctype) {
                seen.insert(asked.doctype)
                rows.append(["ref_doctype": .string(asked.doctype), "status": "Pending", "unsubscribed": 0,
                             "condition": asked.condition.map(JSON.string) ?? .null])
            }
            let fields: JSONObject = [
                "callback_url": .string(request.callbackURL.flatMap { $0.isEmpty ? nil : $0 } ?? Self.noCallback),
                "consumer_doctypes": .array(rows.map(JSON.object)),
                "api_key": .string(request.consumerID),
                "api_secret": .string(request.notifyToken),
                "user": .string(previous?["user"]?.stringValue ?? caller),
                "site_id": .string(request.consumerID),
            ]
            if var document = previous {
                for (k, v) in fields { document[k] = v }
                return try tx.save(document).name!
            }
            return try tx.insert(Document(doctype: SystemDocTypes.eventConsumer, name: request.consumerName, fields)).name!
        }
        logger.info("consumer registered", metadata: ["consumer": "\(name)", "doctypes": "\(request.doctypes.map(\.doctype))"])
        let record = try consumer(name)
        return RegisterReply(producerName: site.identity.name, producerID: site.identity.id, consumer: name,
                             startCursor: startCursor, lastSequence: lastSequence, doctypes: record.doctypes,
                             bundleKey: bundleKey)
    }

    /// Sets the approval of `doctypes` for a consumer (its name or site id). Until a DocType is
    /// approved the consumer receives nothing of it. Throws `.notFound` for an unknown consumer
    /// or a DocType it did not register.
    @discardableResult
    public func approve(consumer nameOrID: String, doctypes: [String], status: DocTypeRegistration.Status = .approved,
                        as user: String = SystemDocTypes.administrator) async throws -> ConsumerRecord {
        let record = try consumer(nameOrID)
        let known = Set(record.doctypes.map(\.doctype))
        if let unknown = doctypes.first(where: { !known.contains($0) }) {
            throw StreamError(.notFound, "consumer \(record.name) did not register DocType \(unknown)", consumer: record.name, doctype: unknown)
        }
        try await site.write(as: user) { tx in
            guard var document = try tx.get(SystemDocTypes.eventConsumer, record.name) else { return }
            var rows = document.rows(of: "consumer_doctypes")
            for i in rows.indices where doctypes.contains(rows[i]["ref_doctype"]?.stringValue ?? "") {
                rows[i]["status"] = .string(status.rawValue)
            }
            document.setRows(rows, of: "consumer_doctypes")
            try tx.save(document)
        }
        return try consumer(record.name)
    }

    /// Sets (or with nil or empty text, clears) the condition of one DocType of a consumer:
    /// the producer's administrator's change. Parsed first; a malformed expression or an
    /// unknown `cmd:` name is refused (`.invalidRequest`) and nothing changes. The new
    /// condition applies from the consumer's next request on (docs/streaming.md).
    @discardableResult
    public func setCondition(consumer nameOrID: String, doctype: String, condition: String?,
                             as user: String = SystemDocTypes.administrator) async throws -> ConsumerRecord {
        let record = try consumer(nameOrID)
        guard record.doctypes.contains(where: { $0.doctype == doctype }) else {
            throw StreamError(.notFound, "consumer \(record.name) did not register DocType \(doctype)", consumer: record.name, doctype: doctype)
        }
        let text = condition?.trimmingCharacters(in: .whitespaces)
        if let text, !text.isEmpty {
            do { _ = try Condition(text, functions: conditionFunctions) } catch let error as StreamError {
                throw StreamError(.invalidRequest, "\(doctype): \(error.message)", consumer: record.name, doctype: doctype)
            }
        }
        try await site.write(as: user) { tx in
            guard var document = try tx.get(SystemDocTypes.eventConsumer, record.name) else { return }
            var rows = document.rows(of: "consumer_doctypes")
            for i in rows.indices where rows[i]["ref_doctype"]?.stringValue == doctype {
                rows[i]["condition"] = text.flatMap { $0.isEmpty ? nil : JSON.string($0) } ?? .null
            }
            document.setRows(rows, of: "consumer_doctypes")
            try tx.save(document)
        }
        return try consumer(record.name)
    }

    /// Rejects `doctypes` for a consumer (see `approve`).
    @discardableResult
    public func reject(consumer nameOrID: String, doctypes: [String]) async throws -> ConsumerRecord {
        try await approve(consumer: nameOrID, doctypes: doctypes, status: .rejected)
    }
}
