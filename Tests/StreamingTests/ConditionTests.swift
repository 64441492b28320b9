import DocumentModel
import Site
import SiteStreamJSON
import Streaming
import Synchronization
import Testing

@Suite("Conditions: the expression language")
struct ConditionLanguageTests {
    static let document: JSONObject = [
        "a": 1, "b": "x", "c": "", "n": 12.0, "public": 1, "disabled": 0, "branch": "BR-North", "territory": "North",
        "grand_total": 1500.5, "customer_group": "Wholesale", "note": .null,
        "items": [
            ["item_group": "Tools", "qty": 2, "rate": 10.0],
            ["item_group": "Spares", "qty": 5, "rate": 2.5],
        ],
        "empty": [],
    ]

    /// Expressions and what they give on `document`.
    static let expressionCases: [(String, Bool)] = [
        // The subset the first version had.
        ("doc.a == 1", true), ("doc.a == True", true), ("doc.a != 1", false), ("doc.b == 'x'", true), ("doc.b == \"y\"", false),
        ("doc.a == 1 and doc.b == 'x'", true), ("doc.a == 2 or doc.b == 'x'", true), ("not doc.c", true), ("doc.c", false),
        ("doc.n >= 10.5", true), ("doc.n < 10", false), ("doc.b in ['x', 'z']", true), ("doc.b not in ['x']", false),
        ("(doc.a == 2 or doc.a == 1) and not (doc.b == 'q')", true), ("doc.missing == None", true),
        // The issue's examples.
        ("doc.customer_group == \"Wholesale\"", true),
        ("doc.territory in (\"North\", \"East\") and doc.grand_total > 1000", true),
        ("doc.territory in (\"South\", \"East\") and doc.grand_total > 1000", false),
        ("not doc.disabled", true), ("doc.public == 1", true), ("doc.branch.startswith(\"BR-\")", true),
        ("len(doc.items) > 0", true), ("len(doc.empty) > 0", false),
        ("any(row.item_group == \"Spares\" for row in doc.items)", true),
        ("any(row.item_group == \"Parts\" for row in doc.items)", false),
        ("all(row.qty > 1 for row in doc.items)", true), ("all(row.qty > 2 for row in doc.items)", false),
        ("any(r.qty > 4 for r in doc.items if r.item_group == 'Tools')", false),
        // Beyond: chains, arithmetic, methods, builtins, None/True/False, is.
        ("0 < doc.a <= 1 < doc.n", true), ("1 < doc.a < 3", false),
        ("sum(r.qty * r.rate for r in doc.items) == 32.5", true), ("max(r.qty for r in doc.items) == 5", true),
        ("min(3, doc.a, 7) == 1", true), ("doc.a + 2 * 3 == 7", true), ("-doc.a == -1", true), ("7 // 2 == 3 and -7 // 2 == -4", true),
        ("7 % 3 == 1", true), ("doc.n / 4 == 3.0", true), ("abs(-2.5) == 2.5", true),
        ("doc.branch.lower() == 'br-north'", true), ("doc.branch.upper().endswith('NORTH')", true), ("'BR' in doc.branch", true),
        ("doc.branch.startswith(('XX-', 'BR-'))", true), ("'  y '.strip() == 'y'", true), ("doc.b.isdigit()", false),
        ("doc.get('missing', 3) == 3", true), ("doc.get('a') == 1", true), ("doc.note is None", true), ("doc.a is not None", true),
        ("doc.items[1].item_group == 'Spares'", true), ("doc.items[-1].qty == 5", true), ("doc['b'] == 'x'", true),
        ("str(doc.a) + 'x' == '1x'", true), ("int('42') == 42", true), ("float(doc.a) == 1.0", true), ("bool(doc.empty)", false),
        ("len([r for r in doc.items if r.qty > 3]) == 1", true), ("True and not False", true), ("None", false),
        ("'North' in [t for t in ('North', 'East')]", true),
        ("[1, 2] < [1, 3]", true), ("'a' 'b' == 'ab'", true), ("1_000 == 1000 and 1e3 == 1000", true),
    ]

    @Test("expressions evaluate as Python would", arguments: expressionCases)
    func expressions(text: String, expected: Bool) throws {
        #expect(try Condition(text).evaluate(Self.document) == expected, "\(text)")
    }

    @Test("anything malformed or unknown is refused when parsed, naming the position and the reason", arguments: [
        ("frappe.db.get_value('x') == 1", 1, "unknown name 'frappe'"),
        ("doc.a = 1", 7, "'=' assigns"),
        ("doc.a ==", 9, "expected a value"),
        ("doc.a == 'open", 10, "never closed"),
        ("open('/etc/passwd')", 1, "unknown function 'open'"),
        ("__import__('os').system('x')", 1, "unknown function '__import__'"),
        ("doc.a.format(1)", 7, "unknown method 'format'"),
        ("doc.b.startswith()", 7, "takes 1 argument"),
        ("doc.a and", 10, "expected a value"),
        ("doc.a not 1", 7, "expected 'in' after 'not'"),
        ("(doc.a == 1", 12, "expected ')'"),
        ("doc.a == 1)", 11, "unexpected ')'"),
        ("row.qty > 1", 1, "unknown name 'row'"),
        ("any(row.qty > 1 for row in row.items)", 28, "unknown name 'row'"),
        ("len(doc.items, doc.items)", 1, "takes one argument"),
        ("doc.a == 1 ; doc.b", 12, "not part of the condition language"),
        ("lambda: 1", 7, "':' is not part of the condition language"),
        ("", 1, "empty"),
        ("doc.a(1)", 5, "unknown method 'a'"),
        ("(doc.a)(1)", 8, "only the built-in functions can be called"),
        ("doc.x == 1 if True else 2", 12, "unexpected 'if'"),
    ])
    func refused(text: String, position: Int, reason: String) {
        let error = #expect(throws: StreamError.self) { try Condition(text) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.contains("at character \(position) ") == true, "\(text): \(error?.message ?? "")")
        #expect(error?.message.contains(reason) == true, "\(text): \(error?.message ?? "")")
    }

    @Test("nesting that would exhaust the stack is refused when parsed")
    func deepNesting() {
        let text = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        let error = #expect(throws: StreamError.self) { try Condition(text) }
        #expect(error?.message.contains("nests more than") == true)
        let nots = String(repeating: "not ", count: 500) + "doc.a"
        #expect(throws: StreamError.self) { try Condition(nots) }
    }

    /// Expressions that throw on `document`, and a word of the error.
    static let failing: [(String, String)] = [
        ("doc.items[5].qty > 1", "IndexError"), ("doc.missing > 1", "TypeError"), ("doc.b > 1", "TypeError"),
        ("doc.a / 0 == 1", "ZeroDivisionError"), ("doc.b.missing_field == 1", "AttributeError"), ("doc['nope'] == 1", "KeyError"),
        ("1 in doc.a", "not a container"), ("9223372036854775807 + 1 > 0", "OverflowError"), ("max(r for r in doc.empty) > 0", "empty"),
    ]

    @Test("errors while evaluating are thrown, never taken as false", arguments: failing)
    func evaluationErrors(text: String, kind: String) throws {
        let condition = try Condition(text)
        let error = #expect(throws: ConditionError.self) { try condition.evaluate(Self.document) }
        #expect(error?.message.contains(kind) == true, "\(text): \(error?.message ?? "")")
    }

    @Test("a condition that would loop or allocate without bound is stopped by its budget")
    func budget() throws {
        let rows: [JSON] = (0..<300).map { ["qty": .int(Int64($0))] }
        let document: JSONObject = ["items": .array(rows), "b": "x"]
        // 300^4 = 8.1 billion steps if it were allowed to run.
        let loop = try Condition("any(any(any(any(a.qty + b.qty + c.qty + d.qty < 0 for d in doc.items) for c in doc.items) for b in doc.items) for a in doc.items)")
        let stopped = #expect(throws: ConditionError.self) { try loop.evaluate(document) }
        #expect(stopped?.message.contains("step budget") == true)
        for text in ["len(doc.b * 1000000000000) > 0", "len([doc.items] * 100000000) > 0", "len(str(doc.items) * 1000000) > 0",
                     "sum(len(doc.b * 100000) for r in doc.items) > 0"] {
            let allocation = try Condition(text)
            let error = #expect(throws: ConditionError.self) { try allocation.evaluate(document) }
            #expect(error?.message.contains("budget") == true, "\(text): \(error?.message ?? "")")
        }
        // The same conditions with room to spare finish.
        #expect(try Condition("len(doc.b * 1000) == 1000").evaluate(document))
        #expect(try Condition("any(a.qty == 299 for a in doc.items)").evaluate(document))
    }
}

/// Answers as told by a flag the test flips: throwing while `failing` is set.
final class FlagCondition: ConditionFunction {
    let failing = Mutex(false)
    let seen = Mutex<[String]>([])

    func evaluate(document: JSONObject, context: ConditionContext) throws -> Bool {
        seen.withLock { $0.append("\(context.consumer?.name ?? "-") \(context.entry?.updateType.description ?? "fetch") \(context.entry?.docname ?? "")") }
        if failing.withLock({ $0 }) { throw ConditionError("the branch register is offline") }
        return document["customer_type"]?.stringValue == "Individual"
    }
}

@Suite("Conditions on a subscription")
struct ConditionTests {
    @Test("Frappe's conditional events: nothing until the document satisfies the condition, then all of it")
    func conditionalEvents() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == 'Individual'")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_details": "content"]) }
        var report = try await pair.pull()
        #expect(report.received == 0)
        #expect(!pair.consumerSite.exists("Customer", "Acme"))

        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_type": "Individual"]) }
        report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(report.received == 1)
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Acme")) == replicatedFields(try pair.producerSite.get("Customer", "Acme")))
        // The documents call applies the condition as well.
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Bolt")) }
        await #expect(throws: StreamError.self) {
            try await pair.client.documents(DocumentsRequest(consumer: "branch-1", keys: [.init(doctype: "Customer", name: "Bolt")]))
        }
    }

    @Test("the same through a cmd: function, which sees the consumer and the entry")
    func commandCondition() async throws {
        let flag = FlagCondition()
        var functions = ConditionFunctions()
        functions.register("individuals", flag)
        let pair = try await StreamPair(conditionFunctions: functions)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "cmd:individuals")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.customer("Bolt"))
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Bolt", with: ["customer_type": "Individual", "mobile_no": "1"]) }
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(!pair.consumerSite.exists("Customer", "Acme"))
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Bolt")) == replicatedFields(try pair.producerSite.get("Customer", "Bolt")))
        let seen = flag.seen.withLock { $0 }
        #expect(seen.contains("branch-1 Create Acme"))
        #expect(seen.contains("branch-1 Update Bolt"))
    }

    @Test("a malformed expression and an unknown cmd: are refused when subscribing, and nothing is registered")
    func refusedAtSubscription() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        let malformed = await #expect(throws: StreamError.self) {
            try await pair.subscribe([.init("Customer", condition: "doc.customer_type = 'Individual'")])
        }
        #expect(malformed?.code == .invalidRequest)
        #expect(malformed?.message.contains("at character 19") == true, "\(malformed?.message ?? "")")
        let unknown = await #expect(throws: StreamError.self) {
            try await pair.subscribe([.init("Customer", condition: "cmd:no_such_function")])
        }
        #expect(unknown?.code == .invalidRequest)
        #expect(unknown?.message.contains("no_such_function") == true)
        #expect(try pair.producer.consumers().isEmpty)
        #expect(pair.consumerSite.count("Event Producer") == 0)
        // The producer's administrator is held to the same rule.
        try await pair.subscribe([.init("Customer")])
        await #expect(throws: StreamError.self) {
            try await pair.producer.setCondition(consumer: "branch-1", doctype: "Customer", condition: "doc.x ==")
        }
        #expect(try pair.producer.consumer("branch-1").doctypes.first?.condition == nil)
    }

    @Test("a condition over child rows")
    func childRows() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Sales Invoice", condition: "any(row.qty > 5 for row in doc.items)")])
        let (small, large): (String, String) = try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Acme"))
            try tx.insert(Docs.itemGroup("Tools"))
            try tx.insert(Docs.item("HAMMER", group: "Tools"))
            try tx.insert(Docs.item("NAIL", group: "Tools"))
            let small = try tx.insert(Docs.invoice(customer: "Acme", items: [("HAMMER", 3, 10), ("NAIL", 1, 1)])).name!
            let large = try tx.insert(Docs.invoice(customer: "Acme", items: [("NAIL", 10, 1)])).name!
            return (small, large)
        }
        var report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(pair.consumerSite.exists("Sales Invoice", large))
        #expect(!pair.consumerSite.exists("Sales Invoice", small))
        // A row of the small invoice grows past the line: it arrives whole.
        try await pair.producerSite.write { tx in
            var invoice = try #require(try tx.get("Sales Invoice", small))
            var rows = invoice.rows(of: "items")
            rows[1]["qty"] = 8
            rows[1]["amount"] = 8
            invoice.setRows(rows, of: "items")
            try tx.save(invoice)
        }
        report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(replicatedFields(try pair.consumerSite.get("Sales Invoice", small)) == replicatedFields(try pair.producerSite.get("Sales Invoice", small)))
    }

    @Test("a flip long after the watermark passed the hidden entries, with hidden changes in between")
    func flipAfterWatermarkMoved() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == 'Individual'"), .init("Item Group")])
        try await pair.producerSite.write { tx in
            try tx.insert(Docs.customer("Hidden"))
            try tx.insert(Docs.customer("Shown"))
        }
        try await pair.producerSite.write { tx in try tx.update("Customer", "Shown", with: ["customer_type": "Individual"]) }
        try await pair.pull()
        #expect(pair.consumerSite.exists("Customer", "Shown"))
        // Shown stops satisfying the condition (the copy is kept), changes while hidden, and
        // other DocTypes keep streaming far past all of it.
        try await pair.producerSite.write { tx in try tx.update("Customer", "Shown", with: ["customer_type": "Company"]) }
        try await pair.producerSite.write { tx in
            try tx.update("Customer", "Shown", with: ["customer_details": "changed while hidden"])
            try tx.update("Customer", "Hidden", with: ["customer_details": "also hidden"])
        }
        for batch in 0..<4 {
            try await pair.producerSite.write { tx in
                for i in 0..<100 { try tx.insert(Docs.itemGroup("G\(batch)-\(i)")) }
            }
            try await pair.pull()
        }
        #expect(pair.consumerSite.count("Item Group") == 400)
        #expect(try pair.consumerSite.get("Customer", "Shown")?["customer_type"]?.stringValue == "Individual")  // kept as it was
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))

        try await pair.producerSite.write { tx in
            try tx.update("Customer", "Shown", with: ["customer_type": "Individual"])
            try tx.update("Customer", "Hidden", with: ["customer_type": "Individual"])
        }
        let report = try await pair.pull()
        #expect(report.received == 2)
        #expect(report.failed == 0)
        for name in ["Shown", "Hidden"] {
            #expect(replicatedFields(try pair.consumerSite.get("Customer", name)) == replicatedFields(try pair.producerSite.get("Customer", name)), "\(name)")
        }
        #expect(try pair.consumerSite.get("Customer", "Shown")?["customer_details"]?.stringValue == "changed while hidden")
        #expect(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id)!.sequence > watermark.sequence)
    }

    @Test("on_revoke keep leaves the copy; delete removes it through the lifecycle; a later flip brings it back", arguments: [
        Subscription.OnRevoke.keep, .delete,
    ])
    func onRevoke(_ onRevoke: Subscription.OnRevoke) async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == 'Individual'", onRevoke: onRevoke)])
        try await pair.producerSite.write { tx in
            var acme = Docs.customer("Acme")
            acme["customer_type"] = "Individual"
            try tx.insert(acme)
        }
        try await pair.pull()
        #expect(pair.consumerSite.exists("Customer", "Acme"))
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_type": "Company"]) }
        var report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(report.received == 1)  // the revoke
        switch onRevoke {
        case .keep:
            #expect(try pair.consumerSite.get("Customer", "Acme")?["customer_type"]?.stringValue == "Individual")
        case .delete:
            #expect(!pair.consumerSite.exists("Customer", "Acme"))
            let deletes = try pair.consumerSite.log.read(after: nil, maxEntries: 10_000, maxBytes: 64 << 20).records()
                .filter { $0.doctype == "Customer" && $0.updateType == .delete }
            #expect(deletes.count == 1)  // through the consumer's own lifecycle and log
        }
        // Hidden: later changes do not come.
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["mobile_no": "555"]) }
        report = try await pair.pull()
        #expect(report.received == 0)
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_type": "Individual"]) }
        report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Acme")) == replicatedFields(try pair.producerSite.get("Customer", "Acme")))
    }

    @Test("a condition that throws withholds the entry, shows the error in the producer's status, and is retried on later pulls")
    func failingConditionIsRetried() async throws {
        let flag = FlagCondition()
        var functions = ConditionFunctions()
        functions.register("register_check", flag)
        let pair = try await StreamPair(conditionFunctions: functions)
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "cmd:register_check"), .init("Item Group")])
        flag.failing.withLock { $0 = true }
        try await pair.producerSite.write { tx in
            var ana = Docs.customer("Ana")
            ana["customer_type"] = "Individual"
            try tx.insert(ana)
            try tx.insert(Docs.itemGroup("Tools"))
        }
        var report = try await pair.pull()
        // Withheld, not skipped for good; the rest of the stream flows.
        #expect(!pair.consumerSite.exists("Customer", "Ana"))
        #expect(pair.consumerSite.exists("Item Group", "Tools"))
        let withheld = try pair.producer.withheld(consumer: pair.producer.consumer("branch-1"))
        #expect(withheld.map(\.docname) == ["Ana"])
        #expect(withheld.first?.error.contains("offline") == true)
        let status = try pair.producer.status().json.serializedString()
        #expect(status.contains("the branch register is offline"))
        // Still failing: still withheld, retried again.
        report = try await pair.pull()
        #expect(report.received == 0)
        #expect(!pair.consumerSite.exists("Customer", "Ana"))

        flag.failing.withLock { $0 = false }
        report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Ana")) == replicatedFields(try pair.producerSite.get("Customer", "Ana")))
        #expect(try pair.producer.withheld(consumer: pair.producer.consumer("branch-1")).isEmpty)
        // Nothing is delivered twice once the consumer has moved on.
        try await pair.producerSite.write { tx in try tx.insert(Docs.itemGroup("Spares")) }
        report = try await pair.pull()
        #expect(report.synced == 1)
        report = try await pair.pull()
        #expect(report.received == 0)
    }

    @Test("a condition that would run away is stopped on the producer: withheld, shown, and delivered once the administrator fixes it")
    func runawayConditionStopped() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "len(doc.customer_name * 1000000000000) > 0")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        var report = try await pair.pull()
        #expect(report.received == 0)
        let withheld = try pair.producer.withheld(consumer: pair.producer.consumer("branch-1"))
        #expect(withheld.first?.error.contains("memory budget") == true)
        try await pair.producer.setCondition(consumer: "branch-1", doctype: "Customer", condition: "len(doc.customer_name) > 0")
        report = try await pair.pull()
        #expect(report.failed == 0)
        #expect(pair.consumerSite.exists("Customer", "Acme"))
    }

    @Test("a reply the consumer never applied is decided again: the grant is not lost")
    func unappliedGrantIsResent() async throws {
        let pair = try await StreamPair()
        defer { pair.close() }
        try await pair.subscribe([.init("Customer", condition: "doc.customer_type == 'Individual'")])
        try await pair.producerSite.write { tx in try tx.insert(Docs.customer("Acme")) }
        try await pair.pull()
        try await pair.producerSite.write { tx in try tx.update("Customer", "Acme", with: ["customer_type": "Individual"]) }
        // The consumer fetches the grant but drops the reply (as if the connection broke).
        let watermark = try #require(try pair.consumerSite.streamWatermark(producer: pair.producerSite.identity.id))
        let lost = try await pair.client.updates(consumer: "branch-1", after: watermark.cursor, maxEntries: 100, maxBytes: 1 << 20)
        #expect(try UpdatesReply.decodeVerified(lost).records.count == 1)
        let report = try await pair.pull()
        #expect(report.synced == 1)
        #expect(replicatedFields(try pair.consumerSite.get("Customer", "Acme")) == replicatedFields(try pair.producerSite.get("Customer", "Acme")))
    }
}
