/// Helpers shared by the InvokeModel formats for Meta, Mistral, DeepSeek, Cohere, AI21 and
/// OpenAI: where the common inference parameters go, how messages become prompt text, and
/// how inline reasoning is split from the answer. Response bodies are read with ReplyReader.

// MARK: - Request parameters

/// The body keys a format uses for the request's common inference parameters; nil where
/// the body has no such parameter.
struct InferenceParameterKeys: Sendable {
    var maxTokens: String
    var temperature = "temperature"
    var topP = "top_p"
    var topK: String?
    /// Nil where the model takes no stop sequences (Meta): the chat layer truncates instead.
    var stop: String?
}

enum InvokeBody {
    /// The body's starting point: `model_kwargs` come first and the request's explicit
    /// parameters are set over them, as LangChain's `prepare_input` merges them.
    static func start(_ request: ChatRequest) -> JSONObject {
        request.modelKwargs
    }

    /// Sets max tokens, temperature, top_p, top_k and stop sequences under the format's keys.
    static func setParameters(_ request: ChatRequest, keys: InferenceParameterKeys, modelId: String,
                              in body: inout JSONObject) throws(BedrockError) {
        // LangChain sends max_tokens only when it is non-zero (`if max_tokens:`).
        if let maxTokens = request.maxTokens, maxTokens > 0 {
            body[keys.maxTokens] = .int(Int64(clamping: maxTokens))
        }
        if let temperature = request.temperature { body[keys.temperature] = .double(temperature) }
        if let topP = request.topP { body[keys.topP] = .double(topP) }
        if let topK = request.topK {
            guard let key = keys.topK else {
                throw .invalidArgument("top_k", "\(modelId) has no top_k parameter")
            }
            body[key] = .int(Int64(clamping: topK))
        }
        if !request.stop.isEmpty, let key = keys.stop {
            body[key] = .array(request.stop.map { .string($0) })
        }
    }

    /// Rejects tools for formats whose InvokeModel body cannot carry them; the chat layer
    /// routes such requests to Converse, so reaching this is a caller error.
    static func rejectTools(_ request: ChatRequest, modelId: String) throws(BedrockError) {
        if !request.effectiveTools.isEmpty {
            let field = request.responseSchema != nil && request.tools.isEmpty ? "response_schema" : "tools"
            throw .invalidArgument("\(field)", "\(modelId) cannot take tools through InvokeModel; use \"api\": \"converse\"")
        }
    }
}

/// Content-block rules shared by the formats: error paths and type names.
enum InvokeContent {
    /// `messages[2].content[1]`: where a block sits, for error messages.
    static func path(message: Int, block: Int) -> String {
        "messages[\(message)].content[\(block)]"
    }

    /// The name docs/c-api.md gives a content block's type, for error messages.
    static func typeName(_ block: ContentBlock) -> String {
        switch block {
        case .text, .citedText: "text"
        case .image: "image"
        case .document: "document"
        case .toolUse: "tool_use"
        case .toolResult: "tool_result"
        case .reasoning: "reasoning"
        case .cachePoint: "cache_point"
        case .media(let media): media.kind.rawValue
        case .guardContent: "guard_content"
        case .searchResult: "search_result"
        case .serverToolUse: "server_tool_use"
        case .serverToolResult: "server_tool_result"
        }
    }

    /// A block this format cannot carry, named by its place in the request.
    static func unsupported(_ block: ContentBlock, at path: String, modelId: String) -> BedrockError {
        let hint = switch block {
        case .toolUse, .toolResult: "; use \"api\": \"converse\" for tool use"
        case .media, .guardContent, .searchResult, .serverToolUse, .serverToolResult: "; use \"api\": \"converse\" (or \"auto\")"
        default: ""
        }
        return .invalidArgument("\(path)", "\(typeName(block)) blocks are not supported by \(modelId) through InvokeModel\(hint)")
    }
}

// MARK: - Prompt templates

/// One message of a prompt-template conversation, reduced to text.
struct PromptTurn: Equatable {
    var role: ChatRole
    var text: String
    /// Base64 images, in order, for templates that place `imagePlaceholder` in the text.
    var images: [String] = []
}

enum PromptTranscript {
    /// The request's messages as text turns, in order. Text blocks are joined as
    /// `ChatMessage.text` joins them, blank ones dropped; reasoning and cache points are
    /// skipped (models take neither back in a prompt); a message left empty is dropped.
    /// Images become `imagePlaceholder` where the template has one; tool and document
    /// blocks cannot be written into a prompt, so they are rejected, naming the block.
    static func turns(_ request: ChatRequest, modelId: String,
                      imagePlaceholder: String? = nil) throws(BedrockError) -> [PromptTurn] {
        var turns: [PromptTurn] = []
        for (messageIndex, message) in request.messages.enumerated() {
            if message.role == .tool {
                throw .invalidArgument("messages[\(messageIndex)]", "tool messages are not supported by \(modelId) through InvokeModel; use \"api\": \"converse\" for tool use")
            }
            var turn = PromptTurn(role: message.role, text: "")
            for (blockIndex, block) in message.content.enumerated() {
                switch block {
                case .text(let text), .citedText(let text, _):
                    if !PythonWhitespace.isBlank(text) { turn.text += text }
                case .image(_, let data):
                    guard let imagePlaceholder else {
                        throw InvokeContent.unsupported(block, at: InvokeContent.path(message: messageIndex, block: blockIndex), modelId: modelId)
                    }
                    turn.text += imagePlaceholder
                    turn.images.append(data)
                case .reasoning, .cachePoint:
                    continue
                case .document, .toolUse, .toolResult, .media, .guardContent, .searchResult, .serverToolUse, .serverToolResult:
                    throw InvokeContent.unsupported(block, at: InvokeContent.path(message: messageIndex, block: blockIndex), modelId: modelId)
                }
            }
            if !turn.text.isEmpty || !turn.images.isEmpty { turns.append(turn) }
        }
        return turns
    }
}

// MARK: - Inline reasoning

/// Reasoning a model writes into its text between tags (DeepSeek-R1's `<think>`, gpt-oss's
/// `<reasoning>` on InvokeModel), split from the answer. Leading whitespace of the reasoning
/// and of the answer after the closing tag is dropped; everything else is kept verbatim, so
/// a stream's deltas concatenate to exactly what `split` returns for the whole text.
struct InlineReasoningTags: Sendable, Equatable {
    var open: String
    var close: String
    /// When false, text before a closing tag is reasoning even without the opening tag:
    /// DeepSeek-R1's chat template supplies `<think>` itself, so outputs often start inside it.
    var requiresOpenTag: Bool

    static let deepSeek = InlineReasoningTags(open: "<think>", close: "</think>", requiresOpenTag: false)
    static let gptOSS = InlineReasoningTags(open: "<reasoning>", close: "</reasoning>", requiresOpenTag: true)

    /// Splits a whole text into reasoning (nil when there is none) and answer.
    func split(_ text: String) -> (reasoning: String?, answer: String) {
        var splitter = InlineReasoningSplitter(tags: self)
        var reasoning = "", answer = ""
        for piece in splitter.feed(text) + splitter.finish() {
            switch piece {
            case .reasoning(let part): reasoning += part
            case .answer(let part): answer += part
            }
        }
        return (reasoning.isEmpty ? nil : reasoning, answer)
    }
}

/// The streaming form of `InlineReasoningTags.split`: feed text as it arrives, then `finish`.
struct InlineReasoningSplitter {
    enum Piece: Equatable {
        case reasoning(String)
        case answer(String)
    }

    private enum State {
        /// Not yet known whether the text opens with the opening tag.
        case undecided
        /// Inside explicit tags; `pending` holds a tail that may be the start of the closing tag.
        case reasoning
        /// No opening tag, but one may close later (DeepSeek): everything is held until then.
        case implicitReasoning
        /// After the closing tag, dropping leading whitespace.
        case answerStart
        case answer
    }

    let tags: InlineReasoningTags
    private var state = State.undecided
    private var buffer = String.UnicodeScalarView()
    /// Whether the reasoning's leading whitespace is still being dropped.
    private var reasoningStarted = false

    init(tags: InlineReasoningTags) {
        self.tags = tags
    }

    mutating func feed(_ text: String) -> [Piece] {
        buffer.append(contentsOf: text.unicodeScalars)
        var pieces: [Piece] = []
        while true {
            switch state {
            case .undecided:
                let trimmed = buffer.drop { $0.properties.isWhitespace }
                let open = tags.open.unicodeScalars
                if trimmed.starts(with: open) {
                    buffer = String.UnicodeScalarView(trimmed.dropFirst(open.count))
                    state = .reasoning
                    continue
                }
                if open.starts(with: trimmed) { return pieces }  // could still become the tag
                state = tags.requiresOpenTag ? .answer : .implicitReasoning
                continue
            case .reasoning:
                let (before, found) = takeUntilClose(keepingPossibleTagStart: true)
                emitReasoning(before, into: &pieces)
                if !found { return pieces }
                state = .answerStart
            case .implicitReasoning:
                guard buffer.firstRange(of: tags.close.unicodeScalars) != nil else { return pieces }
                let (before, _) = takeUntilClose(keepingPossibleTagStart: false)
                emitReasoning(before, into: &pieces)
                state = .answerStart
            case .answerStart:
                buffer = String.UnicodeScalarView(buffer.drop { $0.properties.isWhitespace })
                if buffer.isEmpty { return pieces }
                state = .answer
            case .answer:
                if !buffer.isEmpty { pieces.append(.answer(String(buffer))) }
                buffer = String.UnicodeScalarView()
                return pieces
            }
        }
    }

    /// Flushes what was held back: a partial tag, or text that never reached a closing tag.
    mutating func finish() -> [Piece] {
        defer { buffer = String.UnicodeScalarView() }
        switch state {
        case .undecided, .implicitReasoning:
            // No reasoning after all: the held text is the answer, verbatim.
            return buffer.isEmpty ? [] : [.answer(String(buffer))]
        case .reasoning:
            var pieces: [Piece] = []
            emitReasoning(buffer, into: &pieces)
            return pieces
        case .answerStart, .answer:
            return buffer.isEmpty ? [] : [.answer(String(buffer))]
        }
    }

    /// Removes and returns the buffer up to the closing tag (consuming the tag). Without a
    /// tag, returns everything except a tail that could be the tag's start, when asked to.
    private mutating func takeUntilClose(keepingPossibleTagStart: Bool) -> (String.UnicodeScalarView, Bool) {
        let close = tags.close.unicodeScalars
        if let range = buffer.firstRange(of: close) {
            let before = String.UnicodeScalarView(buffer[..<range.lowerBound])
            buffer = String.UnicodeScalarView(buffer[range.upperBound...])
            return (before, true)
        }
        guard keepingPossibleTagStart else {
            let all = buffer
            buffer = String.UnicodeScalarView()
            return (all, false)
        }
        var keep = min(close.count - 1, buffer.count)
        while keep > 0 && !close.starts(with: buffer.suffix(keep)) { keep -= 1 }
        let before = String.UnicodeScalarView(buffer.dropLast(keep))
        buffer = String.UnicodeScalarView(buffer.suffix(keep))
        return (before, false)
    }

    private mutating func emitReasoning(_ scalars: String.UnicodeScalarView, into pieces: inout [Piece]) {
        var text = Substring.UnicodeScalarView(scalars)
        if !reasoningStarted {
            text = text.drop { $0.properties.isWhitespace }
            if text.isEmpty { return }
            reasoningStarted = true
        }
        if !text.isEmpty { pieces.append(.reasoning(String(text))) }
    }
}

// MARK: - Stream content-block indices

/// Gives a stream's content blocks dense indices in order of first appearance: text at 0
/// and tool calls after it, or reasoning first when the model reasons before answering.
struct StreamBlockIndices {
    private var next = 0
    private var reasoningIndex: Int?
    private var textIndex: Int?
    private var toolIndices: [String: Int] = [:]

    mutating func reasoning() -> Int {
        if let reasoningIndex { return reasoningIndex }
        defer { next += 1 }
        reasoningIndex = next
        return next
    }

    mutating func text() -> Int {
        if let textIndex { return textIndex }
        defer { next += 1 }
        textIndex = next
        return next
    }

    /// The index of the tool call the stream names by `key`, and whether it is new.
    mutating func tool(_ key: String) -> (index: Int, isNew: Bool) {
        if let index = toolIndices[key] { return (index, false) }
        defer { next += 1 }
        toolIndices[key] = next
        return (next, true)
    }

    /// Deltas for text pieces that may carry inline reasoning.
    mutating func deltas(for pieces: [InlineReasoningSplitter.Piece]) -> [ChatDelta] {
        pieces.compactMap { piece in
            switch piece {
            case .reasoning(let text): text.isEmpty ? nil : .reasoning(index: reasoning(), text: text)
            case .answer(let text): text.isEmpty ? nil : .text(index: self.text(), text: text)
            }
        }
    }
}

// MARK: - Completion-style responses

/// What one completion-style body or chunk holds (Meta, Mistral prompt models, DeepSeek,
/// Cohere Command): generated text, perhaps a stop reason, perhaps token counts.
struct CompletionPiece {
    var text: String?
    var stopReason: String?
    var usage: ChatUsage?
}

enum CompletionReply {
    /// A whole completion as a reply, reasoning split out where the model writes it inline.
    static func make(_ piece: CompletionPiece, reasoningTags: InlineReasoningTags?) -> ProviderReply {
        let text = piece.text ?? ""
        let (reasoning, answer) = reasoningTags?.split(text) ?? (nil, text)
        return ProviderReply(blocks: ProviderReply.blocks(reasoning: reasoning, text: answer, toolCalls: []),
                             providerStopReason: piece.stopReason, usage: piece.usage)
    }
}

/// Stream parser for completion-style chunks: each chunk's text is a delta of block 0 (or of
/// the reasoning and text blocks, split inline); the stop reason ends the stream.
struct CompletionStreamParser: StreamChunkParser {
    typealias Extract = (JSON) throws(BedrockError) -> CompletionPiece

    private let extract: Extract
    private var splitter: InlineReasoningSplitter?
    private var indices = StreamBlockIndices()
    /// Counts seen so far; reported once, with the stop reason.
    private var usage: ChatUsage?

    init(reasoningTags: InlineReasoningTags? = nil, extract: @escaping Extract) {
        self.extract = extract
        splitter = reasoningTags.map { InlineReasoningSplitter(tags: $0) }
    }

    mutating func parse(chunk: JSON) throws(BedrockError) -> [ChatDelta] {
        let piece = try extract(chunk)
        var deltas: [ChatDelta] = []
        if let text = piece.text, !text.isEmpty {
            if splitter != nil, let pieces = splitter?.feed(text) {
                deltas += indices.deltas(for: pieces)
            } else {
                deltas.append(.text(index: indices.text(), text: text))
            }
        }
        if let update = piece.usage {
            var combined = usage ?? ChatUsage()
            combined.merge(update)
            usage = combined
        }
        if let stopReason = piece.stopReason {
            if let pieces = splitter?.finish() { deltas += indices.deltas(for: pieces) }
            if let usage { deltas.append(.usage(usage)) }
            deltas.append(.stop(providerReason: stopReason))
        }
        return deltas
    }

    mutating func finish() -> [ChatDelta] {
        guard let pieces = splitter?.finish() else { return [] }
        return indices.deltas(for: pieces)
    }
}

/// Tool calls and results as text, for a conversation that has them but offers no tools
/// (the wording of langchain-aws's `_convert_tool_blocks_to_text`).
enum ToolHistoryText {
    static func call(name: String, input: JSON) -> String {
        if input == .null || input == .object(JSONObject()) { return "[Called \(name)]" }
        return "[Called \(name) with parameters: \(input.serialized())]"
    }

    static func result(_ content: [ContentBlock]) -> String {
        "[Tool output: \(content.compactMap(\.plainText).joined())]"
    }

    /// A result in Converse's own blocks (a system tool's): its text, and JSON as written.
    static func result(converse content: [JSON]) -> String {
        "[Tool output: \(content.compactMap { $0["text"]?.stringValue ?? $0["json"]?.serialized() }.joined())]"
    }
}
