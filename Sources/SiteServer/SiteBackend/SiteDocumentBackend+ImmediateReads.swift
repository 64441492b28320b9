import SnapshotStore

/// Reads that never suspend, for document reads answered on the event loop: the key's
/// `User` through the unique index and the key cache, then the stored JSON text, one `pread`
/// each at most. A DocType that holds secrets is left to the ordinary route, which redacts.
extension SiteDocumentBackend: ImmediateDocumentReads {
    public func authenticateImmediately(apiKey: String, apiSecret: String) throws -> SiteUser? {
        if let (hash, user) = processCredentials[apiKey] {
            return hash.verify(secret: apiSecret) ? user : nil
        }
        let found = try UserCredentialStore(site: site, cache: userKeys).lookupImmediately(apiKey: apiKey)
        return CredentialCheck.user(of: found, ifSecret: apiSecret)
    }

    public func documentJSONTextImmediately(doctype: String, name: String, user: SiteUser) throws -> [UInt8]? {
        guard site.schema.contains(doctype), !holdsSecrets(doctype) else { return nil }
        return try site.store.get(DocumentKey(doctype: doctype, name: name))
    }
}
