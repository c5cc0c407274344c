/// Reads a provider's response body or stream chunk, for every format: a missing or mistyped
/// member is a `.protocol` error that names the context ("Titan response") and the path.
struct ReplyReader {
    let context: String

    /// The reader for a response body (`stream: false`) or stream chunk of `modelId`.
    init(modelId: String, stream: Bool = false) {
        context = "\(modelId) \(stream ? "stream chunk" : "response")"
    }

    init(context: String) {
        self.context = context
    }

    func failure(_ path: String, _ problem: String) -> BedrockError {
        BedrockError(.protocol, "\(context): \(path): \(problem)")
    }

    /// A body or chunk that lacks something the provider documents.
    func malformed(_ what: String) -> BedrockError {
        BedrockError(.protocol, "\(context): \(what)")
    }

    func object(_ value: JSON?, _ path: String) throws(BedrockError) -> JSONObject {
        guard let value else { throw failure(path, "missing") }
        guard let object = value.objectValue else { throw failure(path, "expected an object, got \(value.typeName)") }
        return object
    }

    func array(_ value: JSON?, _ path: String) throws(BedrockError) -> [JSON] {
        guard let value else { throw failure(path, "missing") }
        guard let array = value.arrayValue else { throw failure(path, "expected an array, got \(value.typeName)") }
        return array
    }

    func string(_ value: JSON?, _ path: String) throws(BedrockError) -> String {
        guard let value else { throw failure(path, "missing") }
        guard let string = value.stringValue else { throw failure(path, "expected a string, got \(value.typeName)") }
        return string
    }

    /// A string that may be absent or null.
    func optionalString(_ value: JSON?, _ path: String) throws(BedrockError) -> String? {
        guard let value, value != .null else { return nil }
        return try string(value, path)
    }

    /// A token count; absent or null is 0.
    func count(_ value: JSON?, _ path: String) throws(BedrockError) -> Int {
        try optionalCount(value, path) ?? 0
    }

    /// A token count that may be absent or null; negative or fractional counts are malformed.
    func optionalCount(_ value: JSON?, _ path: String) throws(BedrockError) -> Int? {
        guard let value, value != .null else { return nil }
        guard let number = value.int64Value, number >= 0, let count = Int(exactly: number) else {
            throw failure(path, "expected a non-negative integer")
        }
        return count
    }

    /// Usage from the input and output counts in `object` (at `path`), nil when it has neither.
    func usage(_ object: JSONObject, input: String, output: String, at path: String? = nil) throws(BedrockError) -> ChatUsage? {
        let prefix = path.map { "\($0)." } ?? ""
        let inputTokens = try optionalCount(object[input], prefix + input)
        let outputTokens = try optionalCount(object[output], prefix + output)
        if inputTokens == nil && outputTokens == nil { return nil }
        return ChatUsage(inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0)
    }

    /// A content-block index.
    func index(_ value: JSON?, _ path: String) throws(BedrockError) -> Int {
        guard let value else { throw failure(path, "missing") }
        guard let number = value.int64Value, number >= 0, let index = Int(exactly: number) else {
            throw failure(path, "expected a non-negative integer")
        }
        return index
    }
}
