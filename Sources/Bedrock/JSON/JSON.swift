/// A JSON value. Parsing and printing go through jansson; this type is what the Swift core
/// works with, so no jansson pointer outlives the call that made it.
enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Integers, and doubles that hold an integral value (JSON does not tell them apart).
    var int64Value: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value):
            return value.rounded() == value ? Int64(exactly: value) : nil
        default: return nil
        }
    }

    var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The object with `key` set to `value`; unchanged when it is not an object or `value` is nil.
    func adding(_ key: String, _ value: JSON?) -> JSON {
        guard let value, case .object(var object) = self else { return self }
        object[key] = value
        return .object(object)
    }

    /// The JSON type's name, for error messages ("expected a string, got an array").
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON object that keeps its members in insertion order, so printed JSON reads the way it
/// was built (`{"type": "text", ...}`).
///
/// Members live in one array searched in order: the objects a request or a reply holds have a
/// handful of keys, where comparing them costs less than hashing one. A large object also keeps
/// the positions by key, so that no input can make building or reading it quadratic.
struct JSONObject: Sendable, Equatable {
    private(set) var pairs: [(key: String, value: JSON)] = []
    private var positions: [String: Int]?

    /// Past this many members, lookups go through `positions`.
    private static let linearLimit = 16

    init() {}

    /// An object of the literal's members, in its order; like a dictionary literal's, its keys
    /// must differ.
    init(_ pairs: KeyValuePairs<String, JSON>) {
        self.pairs = pairs.map { ($0.key, $0.value) }
        indexPositions()
    }

    var isEmpty: Bool { pairs.isEmpty }
    var count: Int { pairs.count }

    subscript(key: String) -> JSON? {
        get { position(of: key).map { pairs[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case (let position?, let value?):
                pairs[position].value = value
            case (let position?, nil):
                pairs.remove(at: position)
                indexPositions()
            case (nil, let value?):
                // Most objects have a few members: room for them at once, not one by one.
                if pairs.capacity == 0 { pairs.reserveCapacity(4) }
                pairs.append((key, value))
                if positions != nil { positions?[key] = pairs.count - 1 } else { indexPositions() }
            case (nil, nil):
                break
            }
        }
    }

    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return pairs.firstIndex { $0.key == key }
    }

    private mutating func indexPositions() {
        guard pairs.count > Self.linearLimit else { return positions = nil }
        positions = Dictionary(pairs.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Objects are equal when they hold the same keys and values, whatever the order.
    static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.pairs.allSatisfy { rhs[$0.key] == $0.value }
    }
}
