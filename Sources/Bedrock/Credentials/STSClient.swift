/// The two AWS STS operations the credential providers call, over the AWS Query protocol:
/// a form-encoded POST whose XML response carries `Credentials`.
///
/// - AssumeRole is SigV4-signed (service `sts`) with the source credentials.
/// - AssumeRoleWithWebIdentity is unsigned: the web identity token is the proof.
///
/// The endpoint is AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL, or the profile's
/// endpoint_url) when set; otherwise the regional `https://sts.REGION.amazonaws.com`, which
/// is botocore's default. `sts_regional_endpoints = legacy` (or AWS_STS_REGIONAL_ENDPOINTS)
/// sends the regions that used to default to it to the global endpoint instead.
struct STSClient: Sendable {
    static let apiVersion = "2011-06-15"
    static let signingService = "sts"
    static let globalEndpoint = "https://sts.amazonaws.com"
    /// The global endpoint is signed for us-east-1.
    static let globalSigningRegion = "us-east-1"
    static let formContentType = "application/x-www-form-urlencoded; charset=utf-8"
    /// botocore's LEGACY_GLOBAL_STS_REGIONS: the regions that `legacy` sends to the global endpoint.
    static let legacyGlobalRegions: Set<String> = [
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
        "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1",
        "us-east-2", "us-west-1", "us-west-2",
    ]
    /// How much of an STS error message we repeat.
    static let maxQuotedMessage = 512

    let endpoint: Endpoint
    let signingRegion: String
    let http: HTTPFetcher
    let now: @Sendable () -> Int64

    init(context: CredentialContext) throws(BedrockError) {
        let (url, signingRegion) = try Self.endpointURL(context: context)
        do {
            endpoint = try Endpoint(url: url)
        } catch {
            throw BedrockError(.credentials, "STS endpoint \"\(url)\" is not a valid http(s) URL")
        }
        self.signingRegion = signingRegion
        http = context.http
        now = context.now
    }

    /// The STS URL and the region to sign for.
    static func endpointURL(context: CredentialContext) throws(BedrockError) -> (url: String, signingRegion: String) {
        let region = context.region
        if let configured = context.configuredEndpoint(serviceVariable: "STS") { return (configured, region) }
        let regional = "https://sts.\(region).\(Partition.of(region: region).dnsSuffix)"
        switch context.setting(environment: "AWS_STS_REGIONAL_ENDPOINTS", profile: "sts_regional_endpoints")?.lowercased() {
        case nil, "regional":
            return (regional, region)
        case "legacy":
            return legacyGlobalRegions.contains(region) ? (globalEndpoint, globalSigningRegion) : (regional, region)
        case let other?:
            throw BedrockError(.credentials, "sts_regional_endpoints / AWS_STS_REGIONAL_ENDPOINTS is \"\(other)\"; expected \"regional\" or \"legacy\"")
        }
    }

    /// Calls `action` with `parameters` (Action and Version are added) and returns the
    /// credentials of its result. Signs with `signingCredentials` when given. `source` names
    /// the provider in errors.
    func call(_ action: String, _ parameters: [(String, String)], signingCredentials: Credentials?,
              source: String) throws(BedrockError) -> Credentials {
        let form = ([("Action", action), ("Version", Self.apiVersion)] + parameters)
            .map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
        var body = Array(form.utf8)
        defer { wipe(&body) }  // a web identity token travels in the form
        let path = endpoint.wirePath("/")
        var headers: [HTTPHeader] = [("Host", endpoint.hostHeader), ("Content-Type", Self.formContentType)]
        if let signingCredentials {
            let signer = SigV4Signer(credentials: signingCredentials, service: Self.signingService, region: signingRegion)
            do {
                headers += try signer.sign(method: "POST", host: endpoint.hostHeader, path: path, query: "",
                                           headers: headers, body: body, timestamp: now())
            } catch {
                throw BedrockError(.credentials, "\(source): cannot sign the STS \(action) request: \(BedrockError(signingError: error).message)")
            }
        }
        var response: HTTPResponse
        do {
            response = try http.fetch(HTTPRequest(method: "POST", url: endpoint.url(path: "/"), headers: headers, body: body))
        } catch {
            throw BedrockError(.credentials, "\(source): STS \(action) at \(endpoint.hostHeader) failed: \(error.message)")
        }
        defer { wipe(&response.body) }
        guard response.status == 200 else { throw Self.error(response, action: action, source: source) }
        return try Self.credentials(fromResponse: response.body, action: action, source: source)
    }

    /// The `Credentials` of an `<ActionResponse><ActionResult>` document.
    static func credentials(fromResponse body: [UInt8], action: String, source: String) throws(BedrockError) -> Credentials {
        let root: XMLElement
        do {
            root = try XMLReader.parse(body)
        } catch {
            throw BedrockError(.credentials, "\(source): STS \(action) response is not valid XML (\(error.message))")
        }
        guard root.name == action + "Response",
              let credentials = root.descendant([action + "Result", "Credentials"]) else {
            throw BedrockError(.credentials, "\(source): STS \(action) response has no \(action)Result.Credentials")
        }
        func field(_ name: String) throws(BedrockError) -> String {
            guard let text = credentials.child(name)?.text.trimmingWhitespace(), !text.isEmpty else {
                throw BedrockError(.credentials, "\(source): STS \(action) response has no Credentials.\(name)")
            }
            return text
        }
        return Credentials(accessKeyId: try field("AccessKeyId"), secretAccessKey: try field("SecretAccessKey"),
                           sessionToken: try field("SessionToken"),
                           expiration: try CredentialDocument.expiration(try field("Expiration"), key: "Expiration",
                                                                         source: source, what: "STS \(action) response"))
    }

    /// An STS error response (`<ErrorResponse><Error><Code>..</Code><Message>..</Message>`)
    /// as CREDENTIALS, with the code as the AWS error type.
    static func error(_ response: HTTPResponse, action: String, source: String) -> BedrockError {
        let root = try? XMLReader.parse(response.body)
        let error = root?.name == "ErrorResponse" ? root?.child("Error") : nil
        let code = error?.child("Code")?.text.trimmingWhitespace()
        let message = error?.child("Message")?.text.trimmingWhitespace()
        let requestId = root?.child("RequestId")?.text.trimmingWhitespace() ?? response.head.requestId
        var text = "\(source): STS \(action) failed with HTTP \(response.status)"
        if let code, !code.isEmpty { text += ": \(code.prefix(128))" }
        if let message, !message.isEmpty { text += ": \(message.prefix(maxQuotedMessage))" }
        return BedrockError(.credentials, text, awsErrorType: code.flatMap { $0.isEmpty ? nil : String($0.prefix(128)) },
                            httpStatus: response.status, requestId: requestId)
    }
}
