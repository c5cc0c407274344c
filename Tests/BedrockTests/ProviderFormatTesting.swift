import Foundation
import XCTest

@testable import Bedrock

// MARK: - The per-provider format tests' shared helpers

/// What each `<Provider>FormatTests` shares: requests for its provider, bodies, replies and
/// streams from its format, and the error checks.
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
        XCTAssertThrowsError(try body(request, stream: stream), file: file, line: line) { error in
            guard let error = error as? BedrockError else { return XCTFail("not a BedrockError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.status, .invalidArgument, error.message, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "\(error.message) does not mention \(fragment)",
                              file: file, line: line)
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
    XCTAssertThrowsError(try expression(), message, file: file, line: line) { error in
        guard let error = error as? BedrockError else { return XCTFail("not a BedrockError: \(error)", file: file, line: line) }
        XCTAssertEqual(error.status, .protocol, "\(message): \(error.message)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "\(error.message) does not mention \(fragment)", file: file, line: line)
        }
    }
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
