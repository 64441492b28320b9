import EventLog
import SiteStreamJSON

/// A `cmd:NAME` condition: Swift code an app registers with the producer, as a Frappe app
/// names a whitelisted Python function. It gets the consumer, the document and (when the
/// question comes from the update log rather than a dependency fetch) the log entry, and
/// answers whether the consumer may see the document. Throwing withholds the entry (it is
/// retried on later pulls, never taken as false).
///
/// ```swift
/// struct OwnBranchOnly: ConditionFunction {
///     func evaluate(document: JSONObject, context: ConditionContext) throws -> Bool {
///         document["branch"]?.stringValue == context.consumer?.name
///     }
/// }
/// var functions = ConditionFunctions()
/// functions.register("own_branch", OwnBranchOnly())     // condition: "cmd:own_branch"
/// let producer = StreamProducer(site: site, conditionFunctions: functions)
/// ```
public protocol ConditionFunction: Sendable {
    func evaluate(document: JSONObject, context: ConditionContext) throws -> Bool
}

/// What a condition is asked about besides the document.
public struct ConditionContext: Sendable {
    /// The consumer asking (nil when a condition is tested on its own).
    public var consumer: StreamProducer.ConsumerRecord?
    /// The update-log entry being filtered; nil for a dependency fetch.
    public var entry: ConditionEntry?

    public init(consumer: StreamProducer.ConsumerRecord? = nil, entry: ConditionEntry? = nil) {
        self.consumer = consumer
        self.entry = entry
    }
}

/// The facts of one update-log entry a `cmd:` function may look at.
public struct ConditionEntry: Sendable, Equatable {
    public var sequence: UInt64
    public var updateType: UpdateType
    public var doctype: String
    public var docname: String

    public init(sequence: UInt64, updateType: UpdateType, doctype: String, docname: String) {
        self.sequence = sequence
        self.updateType = updateType
        self.doctype = doctype
        self.docname = docname
    }
}

/// The `cmd:` functions a producer knows, by name. Built by the app and handed to
/// `StreamProducer`; there is no global registry.
public struct ConditionFunctions: Sendable {
    private var functions: [String: any ConditionFunction] = [:]

    public init() {}

    /// Registers `function` under `name` (replacing one of the same name).
    public mutating func register(_ name: String, _ function: any ConditionFunction) {
        functions[name] = function
    }

    /// Registers a closure under `name`.
    public mutating func register(_ name: String, _ body: @escaping @Sendable (JSONObject, ConditionContext) throws -> Bool) {
        functions[name] = ClosureConditionFunction(body: body)
    }

    public func function(named name: String) -> (any ConditionFunction)? { functions[name] }

    public var names: [String] { functions.keys.sorted() }
}

struct ClosureConditionFunction: ConditionFunction {
    let body: @Sendable (JSONObject, ConditionContext) throws -> Bool
    func evaluate(document: JSONObject, context: ConditionContext) throws -> Bool { try body(document, context) }
}
