import Foundation
import XCTest

@testable import Bedrock

/// Region, endpoint, profile and credential resolution from config, environment and files.
final class ConfigResolutionTests: XCTestCase {
    private var folder: SharedFilesFolder!

    override func setUpWithError() throws {
        folder = try SharedFilesFolder()
    }

    override func tearDownWithError() throws {
        try folder.remove()
    }

    /// An environment whose shared files are `config` and `credentials` in a fresh folder.
    private func environment(config: String = "", credentials: String = "",
                             _ variables: [String: String] = [:]) throws -> Environment {
        try folder.environment(config: config, credentials: credentials, variables)
    }

    private func resolve(_ json: String, _ environment: Environment) throws -> ResolvedClientConfig {
        try ResolvedClientConfig(ClientConfig(json: JSON.parse(json, field: "config")), environment: environment)
    }

    private func sigV4Credentials(_ resolved: ResolvedClientConfig) throws -> Credentials? {
        guard case .sigV4(let chain) = resolved.authentication else { return nil }
        return try chain.resolveWithSource().credentials
    }

    func test_regionOrder_configThenAwsRegionThenDefaultRegionThenProfile() throws {
        let files = "[default]\nregion = eu-central-1\n"
        XCTAssertEqual(try resolve("{}", environment(config: files)).region, "eu-central-1")
        XCTAssertEqual(try resolve("{}", environment(config: files, ["AWS_DEFAULT_REGION": "us-west-1"])).region, "us-west-1")
        XCTAssertEqual(try resolve("{}", environment(config: files, ["AWS_DEFAULT_REGION": "us-west-1",
                                                                     "AWS_REGION": "ap-south-1"])).region, "ap-south-1")
        XCTAssertEqual(try resolve(#"{"region": "sa-east-1"}"#, environment(config: files, ["AWS_REGION": "ap-south-1"])).region,
                       "sa-east-1")
    }

    func test_noRegion_isConfigError() throws {
        XCTAssertThrowsError(try resolve("{}", environment())) { error in
            XCTAssertEqual((error as? BedrockError)?.status, .config)
        }
    }

    func test_endpointOrder_configThenServiceVariableThenGlobalThenRegional() throws {
        let region = ["AWS_REGION": "us-west-2"]
        XCTAssertEqual(try resolve("{}", environment(region)).endpoint.url(path: "/x"),
                       "https://bedrock-runtime.us-west-2.amazonaws.com/x")
        XCTAssertEqual(try resolve("{}", environment(region.merging(["AWS_ENDPOINT_URL": "http://global:1"]) { $1 }))
                        .endpoint.hostHeader, "global:1")
        XCTAssertEqual(try resolve("{}", environment(region.merging(["AWS_ENDPOINT_URL": "http://global:1",
                                                                    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://svc:2"]) { $1 }))
                        .endpoint.hostHeader, "svc:2")
        XCTAssertEqual(try resolve(#"{"endpoint_url": "https://mine.example:443/base/"}"#,
                                   environment(region.merging(["AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://svc:2"]) { $1 }))
                        .endpoint.url(path: "/model/m/converse"), "https://mine.example/base/model/m/converse")
    }

    func test_regionalEndpoint_usesPartitionSuffix() throws {
        XCTAssertEqual(try EndpointRules.url(region: "cn-north-1", useFIPS: false, useDualStack: false), "https://bedrock-runtime.cn-north-1.amazonaws.com.cn")
        XCTAssertEqual(try EndpointRules.url(region: "us-gov-west-1", useFIPS: false, useDualStack: false), "https://bedrock-runtime.us-gov-west-1.amazonaws.com")
    }

    func test_credentialsOrder_explicitThenEnvironmentThenProfile() throws {
        let files = "[default]\naws_access_key_id = FILE\naws_secret_access_key = filesecret\n"
        let env = ["AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "envsecret",
                   "AWS_SESSION_TOKEN": "envtoken"]
        XCTAssertEqual(try sigV4Credentials(resolve("{}", environment(credentials: files, ["AWS_REGION": "us-east-1"]))),
                       Credentials(accessKeyId: "FILE", secretAccessKey: "filesecret"))
        XCTAssertEqual(try sigV4Credentials(resolve("{}", environment(credentials: files, env))),
                       Credentials(accessKeyId: "ENV", secretAccessKey: "envsecret", sessionToken: "envtoken"))
        let explicit = #"{"credentials": {"access_key_id": "CFG", "secret_access_key": "cfgsecret"}}"#
        XCTAssertEqual(try sigV4Credentials(resolve(explicit, environment(credentials: files, env))),
                       Credentials(accessKeyId: "CFG", secretAccessKey: "cfgsecret"))
    }

    func test_namedProfile_credentialsFileOverridesConfigFile_andSkipsEnvironment() throws {
        let config = "[profile work]\nregion = eu-west-1\naws_access_key_id = CONFIGKEY\naws_secret_access_key = c\n"
            + "[work]\nregion = ignored-not-a-profile\n"
        let credentials = "[work]\naws_access_key_id = CREDKEY\naws_secret_access_key = s\naws_session_token = t\n"
        let env = try environment(config: config, credentials: credentials,
                                  ["AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "envsecret"])
        let resolved = try resolve(#"{"profile": "work"}"#, env)
        XCTAssertEqual(resolved.region, "eu-west-1")
        XCTAssertEqual(try sigV4Credentials(resolved), Credentials(accessKeyId: "CREDKEY", secretAccessKey: "s", sessionToken: "t"))
    }

    func test_awsProfileVariable_selectsProfile_andMissingProfileIsConfigError() throws {
        let config = "[profile dev]\nregion = ca-central-1\n"
        XCTAssertEqual(try resolve("{}", environment(config: config, ["AWS_PROFILE": "dev"])).region, "ca-central-1")
        assertBedrockError(try resolve("{}", environment(config: config, ["AWS_PROFILE": "nope"])), status: .config,
                           mentions: ["nope"])
    }

    func test_noCredentials_listsProvidersTried() throws {
        let resolved = try resolve(#"{"region": "us-east-1"}"#, environment())
        assertBedrockError(try sigV4Credentials(resolved), status: .credentials,
                           mentions: ["environment", "profile \"default\""])
    }

    func test_halfSetEnvironmentKeys_isCredentialsError() throws {
        let resolved = try resolve(#"{"region": "us-east-1"}"#, environment(["AWS_ACCESS_KEY_ID": "ONLY"]))
        XCTAssertThrowsError(try sigV4Credentials(resolved)) { error in
            XCTAssertEqual((error as? BedrockError)?.status, .credentials)
        }
    }

    func test_bearerToken_fromConfigOrEnvironment_winsOverEnvironmentKeys() throws {
        let env = try environment(["AWS_REGION": "us-east-1", "AWS_BEARER_TOKEN_BEDROCK": "envbearer",
                                   "AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "s"])
        guard case .bearer(let token) = try resolve("{}", env).authentication else { return XCTFail("expected bearer") }
        XCTAssertEqual(token, "envbearer")
        guard case .bearer(let configured) = try resolve(#"{"bearer_token": "cfg"}"#, env).authentication else {
            return XCTFail("expected bearer")
        }
        XCTAssertEqual(configured, "cfg")
    }

    func test_iniParsing_commentsContinuationsAndCase() {
        let file = INIFile(parsing: "# comment\n[default]\r\nRegion = us-east-1\n; other\ns3 =\n  max_concurrent_requests = 10\n[profile  x ]\nkey: value\n")
        XCTAssertEqual(file.sections.map(\.name), ["default", "profile  x"])
        XCTAssertEqual(file.sections[0].values["region"], "us-east-1")
        XCTAssertEqual(file.sections[0].values["s3"], "\nmax_concurrent_requests = 10")
        var files = SharedConfigFiles()
        files.merge(file, isCredentialsFile: false)
        XCTAssertEqual(files.profile("x")?["key"], "value")
    }

    func test_configFieldErrors_nameTheField() {
        let cases: [(String, String)] = [
            (#"{"region": 1}"#, "config.region"),
            (#"{"connect_timeout_ms": 1.5}"#, "config.connect_timeout_ms"),
            (#"{"verify_tls": "yes"}"#, "config.verify_tls"),
            (#"{"credentials": "AKID"}"#, "config.credentials"),
            (#"{"unknown_field": 1}"#, "config.unknown_field"),
        ]
        for (json, field) in cases {
            assertBedrockError(try ClientConfig(json: JSON.parse(json, field: "config")), status: .invalidArgument, json,
                               mentions: [field])
        }
    }

    func test_bearerToken_overPlainHttp_isRefusedExceptOnLoopback() throws {
        let env = try environment(["AWS_REGION": "us-east-1"])
        XCTAssertThrowsError(try resolve(#"{"bearer_token": "t", "endpoint_url": "http://bedrock.example.com"}"#, env)) { error in
            XCTAssertEqual((error as? BedrockError)?.status, .config)
            XCTAssertFalse((error as? BedrockError)?.message.contains("\"t\"") ?? true)
        }
        XCTAssertNoThrow(try resolve(#"{"bearer_token": "t", "endpoint_url": "http://127.0.0.1:8080"}"#, env))
        XCTAssertThrowsError(try resolve(#"{"bearer_token": "t", "endpoint_url": "http://127.0.0.1.evil.example"}"#, env))
        XCTAssertNoThrow(try resolve(#"{"bearer_token": "t", "endpoint_url": "http://localhost:8080"}"#, env))
        XCTAssertNoThrow(try resolve(#"{"bearer_token": "t"}"#, env))
    }
}
