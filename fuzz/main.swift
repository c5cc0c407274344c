// fuzz/main.swift - libFuzzer targets for libbedrock's parsers, in one binary that
// scripts/fuzz.sh builds with -sanitize=fuzzer,address (Package.swift declares it only when
// BEDROCK_FUZZ=1). BEDROCK_FUZZ_TARGET picks the target; each must end every input with a
// value or a thrown BedrockError, never a crash, a hang or a leak.
//
//   eventstream   the event-stream decoder and event reader, the input fed in arbitrary splits
//   chat-request  arbitrary JSON as a chat request, planned into every provider's body
//   replies       arbitrary bytes as every provider's reply and stream chunk, and Converse's
//   config        arbitrary JSON as the client config, resolved against no environment
//   shared-files  arbitrary text as the shared config and credentials files
//   credentials   arbitrary bytes as STS XML, credential_process, container, IMDS and SSO output
//   json          arbitrary bytes through JSONScanner and jansson, which must agree on what is JSON

@testable import Bedrock
import Glibc

/// The target chosen once, from the environment.
private let target: @Sendable (UnsafeRawBufferPointer) -> Void = {
    let name = getenv("BEDROCK_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    switch name {
    case "eventstream": return fuzzEventStream
    case "chat-request": return fuzzChatRequest
    case "replies": return fuzzReplies
    case "config": return fuzzConfig
    case "shared-files": return fuzzSharedFiles
    case "credentials": return fuzzCredentials
    case "json": return fuzzJSON
    default:
        _ = "BEDROCK_FUZZ_TARGET must be one of: eventstream, chat-request, replies, config, shared-files, credentials, json\n"
            .withCString { write(2, $0, strlen($0)) }
        exit(2)
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    target(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver, run from the entry point SwiftPM gives an executable target (which
/// stands in for libFuzzer's own main).
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                             _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("bedrock_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOneInput)
}

// MARK: - Targets

/// The first byte sets the split: the rest is fed in pieces of 1 to 256 bytes.
private func fuzzEventStream(_ input: UnsafeRawBufferPointer) {
    guard let first = input.first else { return }
    let step = Int(first) + 1
    var limits = ResponseLimits()
    limits.maxEventBytes = 64 << 10
    var response = EventStreamResponse(limits: limits)
    let reader = StreamEventReader.converse
    var offset = 1
    do throws(BedrockError) {
        while offset < input.count {
            let end = min(input.count, offset + step)
            try response.feed(UnsafeRawBufferPointer(rebasing: input[offset..<end])) { (event) throws(BedrockError) in
                _ = try reader.events(from: event, requestId: nil)
            }
            offset = end
        }
        try response.finish()
    } catch {
        _ = error.json
    }
}

private func fuzzChatRequest(_ input: UnsafeRawBufferPointer) {
    guard let json = try? JSON.parse(input, field: "request"), var request = try? ChatRequest(json: json) else { return }
    for provider in Provider.allCases {
        for api in [ChatAPI.invoke, .converse, .auto] {
            request.provider = provider
            request.api = api
            guard let plan = try? ChatPlan(request) else { continue }
            _ = try? plan.body(stream: false)
            _ = try? plan.body(stream: true)
            _ = plan.extraHeaders
        }
    }
}

/// A plan per provider and API, made once, so that each format reads the reply.
private let plans: [ChatPlan] = {
    let models = ["anthropic.claude-3-haiku-20240307-v1:0", "meta.llama3-8b-instruct-v1:0", "mistral.mistral-large-2402-v1:0",
                  "cohere.command-r-v1:0", "amazon.titan-text-express-v1", "amazon.nova-lite-v1:0",
                  "ai21.jamba-1-5-mini-v1:0", "deepseek.r1-v1:0", "openai.gpt-oss-20b-1:0"]
    return models.flatMap { model in
        ["invoke", "converse"].compactMap { api in
            let text = "{\"model\": \"\(model)\", \"api\": \"\(api)\", \"messages\": [[\"human\", \"hi\"]]}"
            guard let json = try? JSON.parse(text, field: "request"), let request = try? ChatRequest(json: json) else { return nil }
            return try? ChatPlan(request)
        }
    }
}()

private func fuzzReplies(_ input: UnsafeRawBufferPointer) {
    let bytes = Array(input)
    let head = HTTPResponseHead(status: 200, headers: [])
    let event = try? JSON.parse(input, field: "event")
    let streamEvent = event?.objectValue?.pairs.first.flatMap { name, payload in
        (try? JSONText(checking: Array(payload.serialized().utf8))).map { StreamEvent(name: name, payload: $0) }
    }
    let chunkPayload = JSON.object(JSONObject(["bytes": .string(base64Encoded(bytes))])).serialized()
    let chunk = StreamEvent(name: "chunk", payload: try! JSONText(checking: Array(chunkPayload.utf8)))
    for plan in plans {
        _ = try? plan.reply(head: head, body: bytes)
        // The same bytes as a stream event: a Converse event, or an InvokeModel chunk.
        let translator = ChatStreamTranslator(plan: plan)
        if let streamEvent { _ = try? translator.events(from: streamEvent, requestId: nil) }
        _ = try? translator.events(from: chunk, requestId: nil)
        _ = translator.finish(requestId: nil)
    }
    for model in OperationModel.all.values {
        _ = try? model.output(head: head, body: bytes)
        if let event {
            _ = try? model.event(event)
            _ = try? model.request(params: event)
        }
    }
}

private func fuzzConfig(_ input: UnsafeRawBufferPointer) {
    guard let json = try? JSON.parse(input, field: "config"), let config = try? ClientConfig(json: json) else { return }
    _ = try? ResolvedClientConfig(config, environment: Environment(["AWS_CONFIG_FILE": "/nonexistent",
                                                                               "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"]))
}

private func fuzzSharedFiles(_ input: UnsafeRawBufferPointer) {
    let text = String(decoding: input, as: UTF8.self)
    var files = SharedConfigFiles()
    files.merge(INIFile(parsing: text), isCredentialsFile: false)
    files.merge(INIFile(parsing: text), isCredentialsFile: true)
    for name in files.profiles.keys { _ = files.profile(name) }
}

private func fuzzCredentials(_ input: UnsafeRawBufferPointer) {
    let bytes = Array(input)
    _ = try? STSClient.credentials(fromResponse: bytes, action: "AssumeRole", source: "fuzz")
    _ = try? ProcessCredentialProvider.parse(output: bytes, source: "fuzz")
    _ = try? ContainerCredentialProvider.parse(bytes, source: "fuzz")
    _ = try? IMDSCredentialProvider.parse(bytes, source: "fuzz")
    _ = try? SSOCredentialProvider.parseRoleCredentials(bytes, source: "fuzz")
}

/// The scanner passes JSON on unparsed where jansson would have parsed it, so the two must
/// accept the same texts; what the scanner says about members must be what jansson reads; and
/// `JSON.parse` must read every text as jansson does.
private func fuzzJSON(_ input: UnsafeRawBufferPointer) {
    let parsed = JSON.parsedByJansson(Array(input))
    // What JSON.parse accepts is what the scanner accepts, compared with jansson below.
    if let parsed, let read = try? JSON.parse(input, field: "json"),
       read != parsed || read.serialized() != parsed.serialized() {
        fatalError("JSON.parse reads what jansson accepts differently")
    }
    let scanned: JSONText?
    do {
        scanned = try JSONText(checking: Array(input))
    } catch {
        scanned = nil
    }
    guard let scanned, let parsed else {
        // jansson skips a NUL byte that follows a number or a literal (`[1\0]` parses); the
        // scanner rejects every NUL outside a string, as RFC 8259 does.
        if scanned == nil, input.contains(0) { return }
        if (scanned == nil) != (parsed == nil) {
            fatalError("JSONScanner \(scanned == nil ? "rejects" : "accepts") what jansson \(parsed == nil ? "rejects" : "accepts")")
        }
        return
    }
    guard case .object(let object) = parsed else {
        if scanned.isObject { fatalError("JSONScanner reads an object where jansson does not") }
        return
    }
    // jansson keeps the last of duplicate keys and the scanner finds the first: their values
    // are compared when no key repeats.
    guard case .object(let members) = scanned.kind else { fatalError("JSONScanner misses an object") }
    for (key, value) in object.pairs {
        guard let text = scanned.member(key) else { fatalError("JSONScanner misses the member \(key)") }
        if members.count == object.count, (try? JSON.parse(Array(text), field: "member")) != value {
            fatalError("JSONScanner's member \(key) differs from jansson's")
        }
    }
    var without = scanned
    if let key = object.pairs.first?.key {
        without.removeMember(key)
        guard case .object(var rest) = try? JSON.parse(without.bytes, field: "json") else {
            fatalError("removing a member left text that is not an object")
        }
        guard rest[key] == nil else { fatalError("removing a member left it in") }
        var expected = object
        expected[key] = nil
        rest[key] = nil
        if rest != expected { fatalError("removing a member changed the others") }
    }
}
