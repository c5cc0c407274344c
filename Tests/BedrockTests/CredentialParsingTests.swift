import XCTest

@testable import Bedrock

/// The parsers the credential providers rely on: STS's XML, ISO 8601 expiry times,
/// credential_process output, the provider JSON documents, SSO cache file names and shell
/// words. Expected values that another implementation decides (SHA-1 names, shlex splits,
/// epoch seconds) were computed with Python's hashlib, shlex and dateutil.
final class CredentialParsingTests: XCTestCase {
    private let source = "test source"

    // MARK: - XML (STS responses)

    private static let assumeRoleResponse = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- a comment before the root -->
        <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleResult>
            <SourceIdentity>dev</SourceIdentity>
            <AssumedRoleUser>
              <Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>
              <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId>
            </AssumedRoleUser>
            <Credentials>
              <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW</SessionToken>
              <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCY&amp;EXAMPLE&#43;KEY&#x2F;</SecretAccessKey>
              <Expiration>2026-11-25T10:00:00.359Z</Expiration>
              <AccessKeyId><![CDATA[ASIAIOSFODNN7EXAMPLE]]></AccessKeyId>
            </Credentials>
            <PackedPolicySize>8</PackedPolicySize>
          </AssumeRoleResult>
          <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
        </AssumeRoleResponse>
        """

    func test_stsResponse_extractsCredentials_decodingEntitiesAndCDATA() throws {
        let credentials = try STSClient.credentials(fromResponse: Array(Self.assumeRoleResponse.utf8),
                                                    action: "AssumeRole", source: source)
        XCTAssertEqual(credentials.accessKeyId, "ASIAIOSFODNN7EXAMPLE")
        XCTAssertEqual(credentials.secretAccessKey, "wJalrXUtnFEMI/K7MDENG/bPxRfiCY&EXAMPLE+KEY/")
        XCTAssertEqual(credentials.sessionToken, "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW")
        XCTAssertEqual(credentials.expiration, 1_795_600_800)
    }

    func test_stsResponse_forAnotherAction_isRejected() {
        assertBedrockError(try STSClient.credentials(fromResponse: Array(Self.assumeRoleResponse.utf8),
                                                     action: "AssumeRoleWithWebIdentity", source: source),
                           status: .credentials, mentions: ["AssumeRoleWithWebIdentityResult.Credentials"])
    }

    func test_stsResponse_missingField_namesIt() {
        let xml = Self.assumeRoleResponse.replacingOccurrences(of: "<Expiration>2026-11-25T10:00:00.359Z</Expiration>", with: "")
        XCTAssertThrowsError(try STSClient.credentials(fromResponse: Array(xml.utf8), action: "AssumeRole", source: source)) { error in
            XCTAssertEqual((error as? BedrockError)?.message, "test source: STS AssumeRole response has no Credentials.Expiration")
        }
    }

    func test_stsErrorResponse_givesCodeMessageAndRequestId() {
        let xml = """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <Error><Type>Sender</Type><Code>AccessDenied</Code>
                <Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole</Message></Error>
              <RequestId>4f5b-request</RequestId>
            </ErrorResponse>
            """
        let error = STSClient.error(HTTPResponse(head: HTTPResponseHead(status: 403), body: Array(xml.utf8)),
                                    action: "AssumeRole", source: source)
        XCTAssertEqual(error.status, .credentials)
        XCTAssertEqual(error.awsErrorType, "AccessDenied")
        XCTAssertEqual(error.httpStatus, 403)
        XCTAssertEqual(error.requestId, "4f5b-request")
        XCTAssertEqual(error.message, "test source: STS AssumeRole failed with HTTP 403: AccessDenied: "
                       + "User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole")
        let garbage = STSClient.error(HTTPResponse(head: HTTPResponseHead(status: 502), body: Array("<html>".utf8)),
                                      action: "AssumeRole", source: source)
        XCTAssertEqual(garbage.message, "test source: STS AssumeRole failed with HTTP 502")
    }

    func test_xml_namespacePrefixesAndAttributes() throws {
        let root = try XMLReader.parse(Array(#"<sts:A xmlns:sts="urn:x" b='>'><sts:C d="1"/><E>t&lt;u</E></sts:A>"#.utf8))
        XCTAssertEqual(root.name, "A")
        XCTAssertEqual(root.children.map(\.name), ["C", "E"])
        XCTAssertEqual(root.child("E")?.text, "t<u")
    }

    func test_xml_malformedDocuments_areRefusedWithoutQuotingThem() {
        let secret = "SECRETVALUE"
        let deep = String(repeating: "<a>", count: XMLReader.maxDepth + 1) + String(repeating: "</a>", count: XMLReader.maxDepth + 1)
        let cases = [
            "<A><B>\(secret)</C></A>",                                     // mismatched end tag
            "<!DOCTYPE A [<!ENTITY x \"\(secret)\">]><A>&x;</A>",          // no DTDs, no entity expansion
            "<A>&unknown;\(secret)</A>",                                   // undefined entity
            "<A>\(secret)",                                                // not closed
            "<A></A><B/>",                                                 // two roots
            "<A>&#0;</A>",                                                 // invalid character reference
            "",                                                            // empty
            deep,                                                          // too deep
        ]
        for text in cases {
            XCTAssertThrowsError(try XMLReader.parse(Array(text.utf8)), text) { error in
                let message = (error as? XMLReader.Failure)?.message ?? ""
                XCTAssertTrue(message.hasPrefix("malformed XML at byte "), message)
                XCTAssertFalse(message.contains(secret), message)
            }
        }
        XCTAssertThrowsError(try XMLReader.parse([0x3C, 0x41, 0x3E, 0xFF, 0xFE, 0x3C, 0x2F, 0x41, 0x3E]))  // invalid UTF-8
    }

    // MARK: - ISO 8601

    func test_iso8601_acceptsTheFormsAWSWrites() {
        let cases: [(String, Int64)] = [
            ("2026-11-25T10:00:00Z", 1_795_600_800),
            ("2026-11-25T10:00:00.359Z", 1_795_600_800),
            ("2026-11-25T12:00:00+02:00", 1_795_600_800),
            ("2026-11-25T05:30:00-0430", 1_795_600_800),
            ("2026-11-25T10:00:00+00", 1_795_600_800),
            ("2026-11-25 10:00:00", 1_795_600_800),
            ("2019-11-14T04:05:45UTC", 1_573_704_345),
            ("2024-02-29T23:59:59Z", 1_709_251_199),
            ("1970-01-01T00:00:00Z", 0),
        ]
        for (text, seconds) in cases { XCTAssertEqual(ISO8601.parse(text), seconds, text) }
    }

    func test_iso8601_rejectsWhatIsNotATimestamp() {
        for text in ["", "next tuesday", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-25T24:00:00Z",
                     "2026-11-25T10:00Z", "2026-11-25T10:00:00ZZ", "2026-11-25T10:00:00.Z", "2026-11-25",
                     "2026-11-25T10:00:00+2", "1795600800", "２０２６-11-25T10:00:00Z"] {
            XCTAssertNil(ISO8601.parse(text), text)
        }
    }

    // MARK: - credential_process output

    func test_processOutput_withAndWithoutExpiration() throws {
        let full = #"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s/k", "SessionToken": "tok", "Expiration": "2026-11-25T10:00:00Z"}"#
        XCTAssertEqual(try ProcessCredentialProvider.parse(output: Array(full.utf8), source: source),
                       Credentials(accessKeyId: "AKID", secretAccessKey: "s/k", sessionToken: "tok", expiration: 1_795_600_800))
        let long = #"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s/k"}"#
        XCTAssertEqual(try ProcessCredentialProvider.parse(output: Array(long.utf8), source: source),
                       Credentials(accessKeyId: "AKID", secretAccessKey: "s/k"))
    }

    func test_processOutput_errorsNameTheProblemButNeverTheSecret() {
        let secret = "TOPSECRETKEY"
        let cases: [(String, String)] = [
            (#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "\#(secret)""#, "output is not valid JSON"),
            (#"["\#(secret)"]"#, "output is not a JSON object"),
            (#"{"AccessKeyId": "AKID", "SecretAccessKey": "\#(secret)"}"#, "output has no Version"),
            (#"{"Version": 2, "AccessKeyId": "AKID", "SecretAccessKey": "\#(secret)"}"#, "unsupported Version"),
            (#"{"Version": "1", "AccessKeyId": "AKID", "SecretAccessKey": "\#(secret)"}"#, "unsupported Version"),
            (#"{"Version": 1, "SecretAccessKey": "\#(secret)"}"#, "output has no AccessKeyId"),
            (#"{"Version": 1, "AccessKeyId": "AKID"}"#, "output has no SecretAccessKey"),
            (#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": 5}"#, "SecretAccessKey that is not a non-empty string"),
            (#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "\#(secret)", "SessionToken": 1}"#, "SessionToken that is not a string"),
            (#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "\#(secret)", "Expiration": "soon"}"#, #"Expiration "soon""#),
        ]
        for (output, expected) in cases {
            XCTAssertThrowsError(try ProcessCredentialProvider.parse(output: Array(output.utf8), source: source), output) { error in
                let error = error as? BedrockError
                XCTAssertEqual(error?.status, .credentials)
                XCTAssertTrue(error?.message.hasPrefix("test source: ") ?? false, error?.message ?? "")
                XCTAssertTrue(error?.message.contains(expected) ?? false, error?.message ?? "")
                XCTAssertFalse(error?.message.contains(secret) ?? true, error?.message ?? "")
            }
        }
    }

    // MARK: - Container, IMDS and SSO documents

    func test_containerAndIMDSDocuments() throws {
        let document = #"{"Code": "Success", "AccessKeyId": "ASIA", "SecretAccessKey": "sec", "Token": "tok", "Expiration": "2026-11-25T10:00:00Z"}"#
        let expected = Credentials(accessKeyId: "ASIA", secretAccessKey: "sec", sessionToken: "tok", expiration: 1_795_600_800)
        XCTAssertEqual(try ContainerCredentialProvider.parse(Array(document.utf8), source: source), expected)
        XCTAssertEqual(try IMDSCredentialProvider.parse(Array(document.utf8), source: source), expected)
        // IMDS answers 200 with Code and Message when the role cannot be used: no credentials.
        XCTAssertNil(try IMDSCredentialProvider.parse(Array(#"{"Code": "AssumeRoleUnauthorizedAccess", "Message": "x"}"#.utf8),
                                                      source: source))
        XCTAssertThrowsError(try ContainerCredentialProvider.parse(Array(#"{"AccessKeyId": "ASIA"}"#.utf8), source: source))
    }

    func test_ssoRoleCredentials_expirationIsInMilliseconds() throws {
        let body = #"{"roleCredentials": {"accessKeyId": "ASIA", "secretAccessKey": "sec", "sessionToken": "tok", "expiration": 1795600800000}}"#
        XCTAssertEqual(try SSOCredentialProvider.parseRoleCredentials(Array(body.utf8), source: source),
                       Credentials(accessKeyId: "ASIA", secretAccessKey: "sec", sessionToken: "tok", expiration: 1_795_600_800))
        XCTAssertThrowsError(try SSOCredentialProvider.parseRoleCredentials(Array(#"{"roleCredentials": []}"#.utf8), source: source))
    }

    func test_ssoCacheFileName_isSHA1OfSessionNameOrStartURL() {
        XCTAssertEqual(SSOCredentialProvider.cacheFileName(startURL: "https://my-sso-portal.awsapps.com/start", sessionName: nil),
                       "c7aaaf71fcc8777ae2475525ed049d39fe16c484.json")
        XCTAssertEqual(SSOCredentialProvider.cacheFileName(startURL: "https://my-sso-portal.awsapps.com/start", sessionName: "my-sso"),
                       "0ad374308c5a4e22f723adf10145eafad7c4031c.json")
    }

    // MARK: - Shell words

    func test_shellWords_matchPythonShlex() throws {
        let cases: [(String, [String])] = [
            ("aws-vault export --format=json dev", ["aws-vault", "export", "--format=json", "dev"]),
            (#""/opt/my tools/creds" --profile 'a b' x\ y"#, ["/opt/my tools/creds", "--profile", "a b", "x y"]),
            (#"a"b\"c"d 'e\f' "g\h""#, [#"ab"cd"#, #"e\f"#, #"g\h"#]),
            ("  lead   trail  ", ["lead", "trail"]),
            (#"a "" b"#, ["a", "", "b"]),
        ]
        for (line, words) in cases { XCTAssertEqual(try ShellWords.split(line), words, line) }
        XCTAssertThrowsError(try ShellWords.split("a 'unterminated"))
        XCTAssertThrowsError(try ShellWords.split(#"a "unterminated"#))
        XCTAssertThrowsError(try ShellWords.split(#"trailing\"#))
    }

    // MARK: - Secrets in memory

    func test_credentials_describeWithoutSecrets_andCompareByValue() {
        let credentials = Credentials(accessKeyId: "AKID", secretAccessKey: "very-secret", sessionToken: "token-value")
        XCTAssertEqual(credentials.description, "Credentials(accessKeyId: AKID, secret: <redacted>, token: <redacted>)")
        XCTAssertFalse(String(reflecting: credentials).contains("very-secret"))
        XCTAssertEqual(credentials, Credentials(accessKeyId: "AKID", secretAccessKey: "very-secret", sessionToken: "token-value"))
        XCTAssertNotEqual(credentials, Credentials(accessKeyId: "AKID", secretAccessKey: "very-secreT", sessionToken: "token-value"))
        XCTAssertNotEqual(credentials, Credentials(accessKeyId: "AKID", secretAccessKey: "very-secret"))
        var changed = credentials
        changed.secretAccessKey = "other"
        XCTAssertEqual(changed.secretAccessKey, "other")
        XCTAssertEqual(credentials.secretAccessKey, "very-secret")
        XCTAssertEqual(credentials.withSecretAccessKey { Array($0) }, Array("very-secret".utf8))
    }

    func test_wipe_zeroesTheBuffer() {
        var bytes = Array("secret".utf8)
        wipe(&bytes)
        XCTAssertEqual(bytes, [UInt8](repeating: 0, count: 6))
    }
}
