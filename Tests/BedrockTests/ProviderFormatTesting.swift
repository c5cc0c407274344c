import Foundation
import XCTest

@testable import Bedrock

// MARK: - The per-provider format tests' shared helpers

/// What each `<Provider>FormatTests` shares: requests for its provider, bodies, replies and
/// streams from its format, its vector cases, and the error checks.
protocol ProviderFormatTesting {
    associatedtype Format: InvokeModelFormat
    var format: Format { get }
    var provider: Provider { get }
    /// The model a request is for unless the test names another.
    var model: String { get }
}

extension ProviderFormatTesting {
    func request(_ messages: [ChatMessage], model: String? = nil) -> ChatRequest {
        var request = ChatRequest(model: model ?? self.model, provider: provider)
        request.messages = messages
        return request
    }

    /// The format's body for the request's model, as the chat layer asks for it.
    func body(_ request: ChatRequest, stream: Bool = false) throws -> JSON {
        try format.requestBody(request, modelId: Provider.baseModelId(request.model), stream: stream)
    }

    /// The format's reading of a response body given as JSON text.
    func reply(_ body: String, model: String? = nil) throws -> ProviderReply {
        try format.parseResponse(try JSON.parse(body, field: "test body"), modelId: model ?? self.model)
    }

    /// One stream's chunks, given as JSON texts, through a fresh parser.
    func streamed(_ chunks: [String], model: String? = nil) throws -> FormatStreamResult {
        try FormatStreamResult(format: format, modelId: model ?? self.model,
                               chunks: chunks.map { chunk in try JSON.parse(chunk, field: "test chunk") })
    }

    /// The request is refused as an invalid argument whose message names every fragment.
    func assertInvalidArgument(_ request: ChatRequest, mentions fragments: String..., stream: Bool = false,
                               file: StaticString = #filePath, line: UInt = #line) {
        assertBedrockError(try body(request, stream: stream), status: .invalidArgument, mentions: fragments,
                           file: file, line: line)
    }

    /// Runs this provider's vector cases (Vectors/providers/<provider>.json) through the format:
    /// each body must equal the expected one, number types included. The provider's own format
    /// (what the chat layer uses) must be the one under test.
    func assertVectorBodiesEqualExpected(minimum: Int, where include: (ProviderVectors.Case) -> Bool = { _ in true },
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(type(of: provider.invokeFormat) == Format.self, "\(provider) uses \(type(of: provider.invokeFormat))",
                      file: file, line: line)
        let cases = try ProviderVectors.load(provider).cases.filter(include)
        XCTAssertGreaterThanOrEqual(cases.count, minimum, file: file, line: line)
        for vector in cases {
            do {
                let body = try format.requestBody(vector.request, modelId: Provider.baseModelId(vector.model), stream: vector.stream)
                assertJSONEqual(body, vector.expectedBody, vector.name, file: file, line: line)
            } catch {
                XCTFail("\(vector.name): \(error)", file: file, line: line)
            }
        }
    }
}

/// Exact JSON equality (an integer is not equal to a double), showing both sides on failure.
func assertJSONEqual(_ actual: JSON, _ expected: JSON, _ message: String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
    if actual != expected {
        XCTFail("\(message)\n   got: \(actual.serialized())\nwanted: \(expected.serialized())", file: file, line: line)
    }
}

/// A JSON literal from a test; a typo fails the test rather than throw.
func providerJSON(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSON {
    do {
        return try JSON.parse(text, field: "test")
    } catch {
        XCTFail("bad test JSON: \(error)\n\(text)", file: file, line: line)
        return .null
    }
}

/// The expression throws a protocol error (a malformed reply) whose message names every fragment.
func assertProtocolError<T>(_ expression: @autoclosure () throws -> T, _ message: String = "", mentions fragments: String...,
                            file: StaticString = #filePath, line: UInt = #line) {
    assertBedrockError(try expression(), status: .protocol, message, mentions: fragments, file: file, line: line)
}

/// A stream's deltas, and the content blocks they add up to.
struct FormatStreamResult {
    var deltas: [ChatDelta] = []

    init(format: any InvokeModelFormat, modelId: String, chunks: [JSON]) throws {
        var parser = format.makeStreamParser(modelId: modelId)
        for chunk in chunks { deltas += try parser.parse(chunk: chunk) }
    }

    var stopReasons: [String] {
        deltas.compactMap { if case .stop(let reason) = $0 { reason } else { nil } }
    }

    /// Blocks by index, as the chat layer assembles them; tool arguments parsed as JSON.
    var blocks: [ContentBlock] {
        var byIndex: [Int: ContentBlock] = [:]
        var toolArgs: [Int: String] = [:]
        for delta in deltas {
            switch delta {
            case .text(let index, let text):
                if case .text(let old)? = byIndex[index] { byIndex[index] = .text(old + text) } else { byIndex[index] = .text(text) }
            case .reasoning(let index, let text):
                if case .reasoning(let old, _)? = byIndex[index] {
                    byIndex[index] = .reasoning(text: old + text, signature: nil)
                } else {
                    byIndex[index] = .reasoning(text: text, signature: nil)
                }
            case .toolCallStart(let index, let id, let name):
                byIndex[index] = .toolUse(id: id, name: name, input: .object(JSONObject()))
                toolArgs[index] = ""
            case .toolCallDelta(let index, let args):
                toolArgs[index, default: ""] += args
            default:
                break
            }
        }
        for (index, args) in toolArgs where !args.isEmpty {
            if case .toolUse(let id, let name, _)? = byIndex[index] {
                byIndex[index] = .toolUse(id: id, name: name, input: (try? JSON.parse(args, field: "args")) ?? .string(args))
            }
        }
        return byIndex.keys.sorted().compactMap { byIndex[$0] }
    }
}

// MARK: - The vectors

/// One provider's vectors: Vectors/providers/<provider>.json, generated by
/// tools/vectors/gen_provider_vectors.py with langchain-aws's ChatBedrock as the oracle.
struct ProviderVectors {
    struct Case {
        var name: String
        var description: String
        var model: String
        var stream: Bool
        var requestJSON: JSON
        var request: ChatRequest
        /// "langchain": the expected body is LangChain's with the adjustments applied;
        /// "documented": written from the provider's documented schema, for the reason in `documented`.
        var source: String
        var documented: String?
        var langchainBody: JSON?
        /// Name and reason of each way ChatBedrock was driven beyond the request, and of each
        /// deliberate difference from its body.
        var oracle: [(name: String, why: String)]
        var adjustments: [(name: String, why: String)]
        var expectedBody: JSON
    }

    struct Response {
        var name: String
        var model: String
        var body: JSON
        var chunks: [JSON]
        var langchainContent: String
        var langchainStreamContent: String
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var cases: [Case]
    var responses: [Response]

    static let directory = vectorsDirectory.appendingPathComponent("providers")

    static func load(_ provider: Provider) throws -> ProviderVectors {
        let url = directory.appendingPathComponent("\(provider.rawValue).json")
        let root = try JSON.parse(Array(try Data(contentsOf: url)), field: url.lastPathComponent)
        guard root["provider"]?.stringValue == provider.rawValue, let cases = root["cases"]?.arrayValue else {
            throw Malformed(description: "\(url.lastPathComponent): not the \(provider) vectors")
        }
        return ProviderVectors(cases: try cases.map(Case.init(json:)),
                               responses: try (root["responses"]?.arrayValue ?? []).map(Response.init(json:)))
    }

    /// Every provider that has a vectors file.
    static func loadAll() throws -> ProviderVectors {
        let providers = Provider.allCases.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0.rawValue).json").path)
        }
        let all = try providers.map(load)
        return ProviderVectors(cases: all.flatMap(\.cases), responses: all.flatMap(\.responses))
    }
}

extension ProviderVectors.Case {
    init(json: JSON) throws {
        let string = { (key: String) in json[key]?.stringValue }
        guard let name = string("name"), let model = string("model"), let source = string("source"),
              let requestJSON = json["request"], let expectedBody = json["expected_body"] else {
            throw ProviderVectors.Malformed(description: "case \(string("name") ?? "?") lacks a member")
        }
        let reasons = { (key: String) in
            (json[key]?.arrayValue ?? []).map { (name: $0["name"]?.stringValue ?? "", why: $0["why"]?.stringValue ?? "") }
        }
        self.init(name: name, description: string("description") ?? "", model: model, stream: json["stream"]?.boolValue ?? false,
                  requestJSON: requestJSON, request: try ChatRequest(vector: requestJSON), source: source,
                  documented: string("documented"), langchainBody: json["langchain_body"].flatMap { $0 == .null ? nil : $0 },
                  oracle: reasons("oracle"), adjustments: reasons("adjustments"), expectedBody: expectedBody)
    }
}

extension ProviderVectors.Response {
    init(json: JSON) throws {
        guard let name = json["name"]?.stringValue, let model = json["model"]?.stringValue, let body = json["body"],
              let content = json["langchain"]?["content"]?.stringValue,
              let streamContent = json["langchain"]?["stream_content"]?.stringValue else {
            throw ProviderVectors.Malformed(description: "response \(json["name"]?.stringValue ?? "?") lacks a member")
        }
        self.init(name: name, model: model, body: body, chunks: json["chunks"]?.arrayValue ?? [],
                  langchainContent: content, langchainStreamContent: streamContent)
    }
}

/// A vector's request, in the C-API shape, read as it stands. Unlike `ChatRequest(json:)` it
/// keeps blank text blocks, so what the vectors test is the formats' own handling of them.
extension ChatRequest {
    init(vector json: JSON) throws {
        guard let model = json["model"]?.stringValue, let provider = Provider.infer(fromModelId: model) else {
            throw ProviderVectors.Malformed(description: "request has no known model: \(json.serialized())")
        }
        self.init(model: model, provider: provider)
        messages = try (json["messages"]?.arrayValue ?? []).map(ChatMessage.init(vector:))
        temperature = json["temperature"]?.doubleValue
        maxTokens = json["max_tokens"]?.int64Value.flatMap { Int(exactly: $0) }
        topP = json["top_p"]?.doubleValue
        topK = json["top_k"]?.int64Value.flatMap { Int(exactly: $0) }
        stop = json["stop"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for tool in json["tools"]?.arrayValue ?? [] {
            if tool["type"]?.stringValue == "cache_point" {
                guard !tools.isEmpty else { throw ProviderVectors.Malformed(description: "cache_point before any tool") }
                tools[tools.count - 1].cachePoint = true
            } else {
                guard let name = tool["name"]?.stringValue else { throw ProviderVectors.Malformed(description: "tool without name") }
                tools.append(ToolSpec(name: name, description: tool["description"]?.stringValue,
                                      inputSchema: tool["input_schema"] ?? .object(JSONObject())))
            }
        }
        switch json["tool_choice"] {
        case nil: break
        case .string("auto")?: toolChoice = .auto
        case .string("any")?: toolChoice = .any
        case .string("none")?: toolChoice = ToolChoice.none
        case let choice?:
            guard let name = choice["name"]?.stringValue else { throw ProviderVectors.Malformed(description: "tool_choice") }
            toolChoice = .tool(name)
        }
        if let schema = json["response_schema"] {
            guard case .object(var members) = schema, let title = members["title"]?.stringValue else {
                throw ProviderVectors.Malformed(description: "response_schema without title")
            }
            let description = members["description"]?.stringValue
            members["title"] = nil
            members["description"] = nil
            responseSchema = ToolSpec(name: title, description: description, inputSchema: .object(members))
        }
        modelKwargs = json["model_kwargs"]?.objectValue ?? JSONObject()
    }
}

extension ChatMessage {
    /// `{"role", "content", "tool_calls", "tool_call_id", "is_error"}`; a tool message's
    /// content becomes its one tool result, and tool calls follow the content.
    init(vector json: JSON) throws {
        guard let role = json["role"]?.stringValue.flatMap(ChatRole.init(rawValue:)) else {
            throw ProviderVectors.Malformed(description: "bad role in \(json.serialized())")
        }
        var content = try ContentBlock.vectorList(json["content"])
        if role == .tool {
            guard let id = json["tool_call_id"]?.stringValue else { throw ProviderVectors.Malformed(description: "tool_call_id") }
            content = [.toolResult(toolUseId: id, content: content, isError: json["is_error"]?.boolValue ?? false)]
        }
        for call in json["tool_calls"]?.arrayValue ?? [] {
            guard let id = call["id"]?.stringValue, let name = call["name"]?.stringValue else {
                throw ProviderVectors.Malformed(description: "tool call \(call.serialized())")
            }
            content.append(.toolUse(id: id, name: name, input: call["args"] ?? .object(JSONObject())))
        }
        self.init(role: role, content: content)
    }
}

extension ContentBlock {
    /// Content as a string (one text block, even an empty one) or an array of blocks.
    static func vectorList(_ json: JSON?) throws -> [ContentBlock] {
        guard let json else { return [] }
        if let text = json.stringValue { return [.text(text)] }
        guard let blocks = json.arrayValue else { throw ProviderVectors.Malformed(description: "content \(json.serialized())") }
        return try blocks.map { block in
            let string = { (key: String) in block[key]?.stringValue ?? "" }
            switch block["type"]?.stringValue {
            case "text": return .text(string("text"))
            case "image": return .image(mediaType: string("media_type"), data: string("data"))
            case "document": return .document(format: string("format"), name: string("name"), data: string("data"))
            case "tool_use": return .toolUse(id: string("id"), name: string("name"), input: block["input"] ?? .object(JSONObject()))
            case "tool_result":
                return .toolResult(toolUseId: string("tool_use_id"), content: try vectorList(block["content"]),
                                   isError: block["is_error"]?.boolValue ?? false)
            case "reasoning": return .reasoning(text: string("text"), signature: block["signature"]?.stringValue)
            case "cache_point": return .cachePoint(ttl: nil)
            default: throw ProviderVectors.Malformed(description: "block \(block.serialized())")
            }
        }
    }
}
