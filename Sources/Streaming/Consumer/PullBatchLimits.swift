/// How much one `GET /api/stream/updates` asks for when the caller does not say.
///
/// Why 512 KiB and not more: a consumer holds about three replies at once (the one being
/// replayed, the next one fetched and parsed ahead on the other core, the previous one's
/// writes waiting to be durable), and a reply's parsed documents, the transactions built from
/// them and the store's deferred batch take many times its framed bytes. With 4 MiB, a
/// catch-up of 20-row invoices got 1000 entries a reply (~2.5 MB of decoded invoice Creates
/// where the log holds a run of them); the 1M-entry catch-up peaked at 296 MB, with 512 KiB at
/// 283 MB. The price: replies of small documents (Customers, ~0.7 KB framed) carry ~700
/// entries instead of 1000, and a reply has a fixed cost (a Customer catch-up ran ~8 % slower
/// in back-to-back runs; see issue 6's note).
public enum PullBatchLimits {
    /// The most entries a reply is asked for (the server caps it too).
    public static let maxEntries = 1000
    /// The most framed bytes a reply is asked for (one larger record still comes alone).
    public static let maxBytes = 512 << 10
}
