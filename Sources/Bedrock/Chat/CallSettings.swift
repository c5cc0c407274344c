/// Per-call settings of the chat API (`service_tier`, `performance_config`, ...). Converse
/// takes them as body members; InvokeModel takes the ones it has as `X-Amzn-Bedrock-*`
/// headers, as LangChain's ChatBedrock sends them. Three exist only in Converse
/// (`prompt_variables`, `additional_model_response_field_paths`, `output_config`), so a
/// request that sets one goes through Converse.
struct CallSettings: Sendable, Equatable {
    static let serviceTiers = ["priority", "default", "flex", "reserved"]
    static let latencies = ["standard", "optimized"]

    var serviceTier: String?
    var latency: String?
    var requestMetadata: JSONObject?
    var projectIdentifier: String?
    /// Converse only: prompt-management variables, each `{"text": ...}`.
    var promptVariables: JSONObject?
    /// Converse only: JSON pointers into the model's own reply whose values come back.
    var additionalResponseFieldPaths: [String] = []
    /// Converse only: outputConfig members passed as given (`effort`, ...); a native
    /// `response_schema` adds its `textFormat`.
    var outputConfig: JSONObject?

    /// The first member set that only Converse takes, as the request names it.
    var converseOnlyField: String? {
        if promptVariables != nil { return "prompt_variables" }
        if outputConfig != nil { return "output_config" }
        return additionalResponseFieldPaths.isEmpty ? nil : "additional_model_response_field_paths"
    }

    init() {}

    /// Reads the settings from a chat request's members, naming any bad one.
    init(_ object: JSONObject) throws(BedrockError) {
        let fields = ConfigFields(object: object, context: "request")
        if let tier = try fields.string("service_tier") {
            guard Self.serviceTiers.contains(tier) else {
                throw .invalidArgument("request.service_tier", "expected one of \(Self.serviceTiers.joined(separator: ", ")), got \"\(tier)\"")
            }
            serviceTier = tier
        }
        if let config = try Self.object(object["performance_config"], field: "request.performance_config") {
            let configFields = ConfigFields(object: config, context: "request.performance_config")
            if let latency = try configFields.string("latency") {
                guard Self.latencies.contains(latency) else {
                    throw .invalidArgument("request.performance_config.latency", "expected \"standard\" or \"optimized\", got \"\(latency)\"")
                }
                self.latency = latency
            }
            try configFields.rejectUnknown(["latency"])
        }
        if let metadata = try Self.object(object["request_metadata"], field: "request.request_metadata") {
            for (key, value) in metadata.pairs {
                guard case .string(let text) = value, SigV4Signer.isHeaderValueSafe(text), SigV4Signer.isHeaderValueSafe(key) else {
                    throw .invalidArgument("request.request_metadata.\(key)", "expected a string without control characters")
                }
            }
            requestMetadata = metadata
        }
        projectIdentifier = try fields.headerValue("project_identifier")
        if let variables = try Self.object(object["prompt_variables"], field: "request.prompt_variables") {
            var converted = JSONObject()
            for (name, value) in variables.pairs {
                // A plain string is the usual case; Converse's own {"text": ...} form is taken too.
                switch value {
                case .string: converted[name] = .object(JSONObject(["text": value]))
                case .object(let member) where member.count == 1 && member["text"]?.stringValue != nil:
                    converted[name] = value
                default:
                    throw .invalidArgument("request.prompt_variables.\(name)", "expected a string or {\"text\": \"...\"}")
                }
            }
            promptVariables = converted
        }
        outputConfig = try Self.object(object["output_config"], field: "request.output_config")
        if let paths = object["additional_model_response_field_paths"], paths != .null {
            let strings = paths.arrayValue?.compactMap(\.stringValue)
            guard let strings, strings.count == paths.arrayValue?.count else {
                throw .invalidArgument("request.additional_model_response_field_paths", "expected an array of JSON pointers (strings)")
            }
            additionalResponseFieldPaths = strings
        }
    }

    static let fieldNames: Set<String> = ["service_tier", "performance_config", "request_metadata", "project_identifier",
                                          "prompt_variables", "additional_model_response_field_paths", "output_config"]

    private static func object(_ value: JSON?, field: String) throws(BedrockError) -> JSONObject? {
        guard let value, value != .null else { return nil }
        guard case .object(let object) = value else {
            throw .invalidArgument(field, "expected an object, got \(value.typeName)")
        }
        return object
    }

    /// Converse's body members.
    func addConverseMembers(to body: inout JSONObject) {
        if let serviceTier { body["serviceTier"] = .object(JSONObject(["type": .string(serviceTier)])) }
        if let latency { body["performanceConfig"] = .object(JSONObject(["latency": .string(latency)])) }
        if let requestMetadata { body["requestMetadata"] = .object(requestMetadata) }
        if let projectIdentifier { body["projectIdentifier"] = .string(projectIdentifier) }
        if let promptVariables { body["promptVariables"] = .object(promptVariables) }
        if !additionalResponseFieldPaths.isEmpty {
            body["additionalModelResponseFieldPaths"] = .array(additionalResponseFieldPaths.map(JSON.string))
        }
        if let outputConfig { body["outputConfig"] = .object(outputConfig) }
    }

    /// InvokeModel's headers for the same settings.
    var invokeHeaders: [HTTPHeader] {
        var headers: [HTTPHeader] = []
        if let serviceTier { headers.append(("X-Amzn-Bedrock-Service-Tier", serviceTier)) }
        if let latency { headers.append(("X-Amzn-Bedrock-PerformanceConfig-Latency", latency)) }
        if let requestMetadata { headers.append(("X-Amzn-Bedrock-Request-Metadata", JSON.object(requestMetadata).serialized())) }
        if let projectIdentifier { headers.append(("X-Amzn-Bedrock-ProjectIdentifier", projectIdentifier)) }
        return headers
    }
}

/// What a reply carries beyond its content, whichever API gave it.
struct ReplyExtras: Sendable, Equatable {
    /// The guardrail (or other) trace.
    var trace: JSON?
    /// Converse's `additionalModelResponseFields`: the values at the requested paths.
    var additionalFields: JSON?
    /// The tier that served the call, as the service reports it.
    var serviceTier: String?

    /// Read from a Converse response body, or a ConverseStream `messageStop` or `metadata` event.
    mutating func read(converse object: JSON) {
        if let trace = object["trace"] { self.trace = trace }
        if let fields = object["additionalModelResponseFields"] { additionalFields = fields }
        if let tier = object["serviceTier"]?["type"]?.stringValue { serviceTier = tier }
    }

    func add(to object: inout JSONObject) {
        if let trace { object["trace"] = trace }
        if let additionalFields { object["additional_model_response_fields"] = additionalFields }
        if let serviceTier { object["service_tier"] = .string(serviceTier) }
    }
}
