import Foundation
import Synchronization
import XCTest

@testable import Bedrock

/// The chain's composition and order, each provider's settings and refusals (everything that
/// needs no server; the Python tests reach every provider over HTTP), and the credential
/// cache's refresh windows with a clock the tests move.
final class CredentialChainTests: XCTestCase {
    private var folder: SharedFilesFolder!

    override func setUpWithError() throws {
        folder = try SharedFilesFolder()
    }

    override func tearDownWithError() throws {
        try folder.remove()
    }

    private func context(config: String = "", credentials: String = "", profile: String = "default",
                         region: String = "us-east-1", _ variables: [String: String] = [:]) throws -> CredentialContext {
        let environment = try folder.environment(config: config, credentials: credentials, variables)
        return CredentialContext(environment: environment, files: try SharedConfigFiles.load(environment: environment),
                                 profileName: profile, region: region, http: HTTPFetcher(options: TransportOptions()))
    }

    private func assertCredentialsError(_ expression: @autoclosure () throws -> Credentials?, contains text: String,
                                        file: StaticString = #filePath, line: UInt = #line) {
        assertBedrockError(try expression(), status: .credentials, mentions: [text], file: file, line: line)
    }

    // MARK: - Order

    func test_defaultChain_followsBotocoresOrder() throws {
        let chain = DefaultCredentialChain.make(context: try context(), profileChosenExplicitly: false)
        XCTAssertEqual(chain.providers.map(\.name), [
            "environment (AWS_ACCESS_KEY_ID)",
            "assume role (profile \"default\" role_arn)",
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE or profile \"default\")",
            "SSO (profile \"default\")",
            "shared credentials file (profile \"default\")",
            "credential_process (profile \"default\")",
            "shared config file (profile \"default\")",
            "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / FULL_URI)",
            "EC2 instance metadata (IMDS)",
        ])
    }

    func test_explicitProfile_skipsEnvironmentKeysAndWebIdentityVariables() throws {
        let context = try context(config: "[profile p]\nregion = us-east-1\n", profile: "p",
                                  ["AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "s",
                                   "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"])
        let chain = DefaultCredentialChain.make(context: context, profileChosenExplicitly: true)
        XCTAssertFalse(chain.providers.contains { $0.name.hasPrefix("environment") })
        XCTAssertTrue(chain.providers.contains { $0.name == "web identity (profile \"p\")" })
        XCTAssertThrowsError(try chain.resolveWithSource()) { error in
            XCTAssertTrue((error as? BedrockError)?.message.hasPrefix("no AWS credentials found; tried: ") ?? false)
        }
    }

    func test_credentialsFileKeysComeBeforeTheProcess_andConfigFileKeysAfter() throws {
        let context = try context(config: "[default]\naws_access_key_id = CONFIG\naws_secret_access_key = c\n"
                                  + "credential_process = sh -c 'echo {\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"PROC\\\", \\\"SecretAccessKey\\\": \\\"p\\\"}'\n")
        XCTAssertEqual(try DefaultCredentialChain.make(context: context, profileChosenExplicitly: false).resolveWithSource().credentials.accessKeyId, "PROC")
        let withCredentialsFile = try self.context(
            config: "[default]\ncredential_process = /nonexistent/never-run\n",
            credentials: "[default]\naws_access_key_id = FILE\naws_secret_access_key = f\n")
        XCTAssertEqual(try DefaultCredentialChain.make(context: withCredentialsFile, profileChosenExplicitly: false).resolveWithSource().credentials.accessKeyId,
                       "FILE")
    }

    // MARK: - credential_process (real processes)

    func test_process_runsWithoutAShell_andReadsItsOutput() throws {
        let script = folder.url.appendingPathComponent("creds.sh").path
        try "#!/bin/sh\nprintf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": \"'\"$1\"'\", \"Expiration\": \"2026-11-25T10:00:00Z\"}'\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let context = try context(config: "[default]\ncredential_process = \(script) 'arg with $HOME; no shell'\n")
        let provider = ProcessCredentialProvider(profileName: "default", files: context.files, environment: context.environment)
        let credentials = try XCTUnwrap(provider.credentials())
        XCTAssertEqual(credentials.secretAccessKey, "arg with $HOME; no shell")
        XCTAssertEqual(credentials.expiration, 1_795_600_800)
    }

    func test_process_failures_areCredentialsErrors() throws {
        func provider(_ command: String) throws -> ProcessCredentialProvider {
            let context = try context(config: "[default]\ncredential_process = \(command)\n")
            return ProcessCredentialProvider(profileName: "default", files: context.files, environment: context.environment)
        }
        assertCredentialsError(try provider("sh -c 'echo SECRETOUT; echo broken vault >&2; exit 7'").credentials(),
                               contains: "\"sh\" exited with status 7: broken vault")
        assertCredentialsError(try provider("sh -c 'kill -9 $$'").credentials(), contains: "killed by signal 9")
        assertCredentialsError(try provider("/nonexistent/helper").credentials(),
                               contains: "cannot run \"/nonexistent/helper\": No such file or directory")
        assertCredentialsError(try provider("'unterminated").credentials(), contains: "has no closing quotation")
        assertCredentialsError(try provider("sh -c 'head -c 100000 /dev/zero'").credentials(), contains: "and was stopped")
        XCTAssertThrowsError(try provider("sh -c 'echo SECRETOUT; exit 1'").credentials()) { error in
            XCTAssertFalse((error as? BedrockError)?.message.contains("SECRETOUT") ?? true)
        }
    }

    // MARK: - STS

    func test_stsEndpoint_regionalByDefault_globalOnlyForLegacyRegions_overridable() throws {
        XCTAssertTrue(try STSClient.endpointURL(context: context(region: "eu-west-1")) == ("https://sts.eu-west-1.amazonaws.com", "eu-west-1"))
        XCTAssertTrue(try STSClient.endpointURL(context: context(region: "cn-north-1")) == ("https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1"))
        XCTAssertTrue(try STSClient.endpointURL(context: context(region: "us-east-1", ["AWS_STS_REGIONAL_ENDPOINTS": "legacy"]))
                      == ("https://sts.amazonaws.com", "us-east-1"))
        XCTAssertTrue(try STSClient.endpointURL(context: context(config: "[default]\nsts_regional_endpoints = legacy\n", region: "eu-west-3"))
                      == ("https://sts.amazonaws.com", "us-east-1"))
        XCTAssertTrue(try STSClient.endpointURL(context: context(region: "eu-south-1", ["AWS_STS_REGIONAL_ENDPOINTS": "legacy"]))
                      == ("https://sts.eu-south-1.amazonaws.com", "eu-south-1"))
        XCTAssertTrue(try STSClient.endpointURL(context: context(region: "eu-west-1", ["AWS_ENDPOINT_URL": "http://all:1",
                                                                                      "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"]))
                      == ("http://127.0.0.1:9", "eu-west-1"))
        XCTAssertThrowsError(try STSClient.endpointURL(context: context(["AWS_STS_REGIONAL_ENDPOINTS": "sideways"])))
    }

    func test_assumeRole_configurationErrors() throws {
        func provider(_ config: String, profile: String = "default") throws -> STSAssumeRoleProvider {
            STSAssumeRoleProvider(profileName: profile, context: try context(config: config, profile: profile))
        }
        XCTAssertNil(try provider("[default]\nregion = us-east-1\n").credentials())
        XCTAssertNil(try provider("[default]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\n").credentials())
        assertCredentialsError(try provider("[default]\nrole_arn = arn:aws:iam::1:role/r\n").credentials(),
                               contains: "neither source_profile nor credential_source")
        assertCredentialsError(try provider("[default]\nrole_arn = r\nsource_profile = b\ncredential_source = Environment\n[profile b]\n")
            .credentials(), contains: "both source_profile and credential_source")
        assertCredentialsError(try provider("[default]\nrole_arn = r\ncredential_source = Laptop\n").credentials(),
                               contains: "expected Environment, Ec2InstanceMetadata or EcsContainer")
        assertCredentialsError(try provider("[default]\nrole_arn = r\ncredential_source = environment\n").credentials(),
                               contains: "no credentials found in credential_source environment")
        assertCredentialsError(try provider("[default]\nrole_arn = r\nsource_profile = missing\n").credentials(),
                               contains: "\"missing\" of profile \"default\" does not exist")
        assertCredentialsError(try provider("[default]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = r2\nsource_profile = default\n")
            .credentials(), contains: "source_profile loop: \"default\" -> \"b\" -> \"default\"")
        assertCredentialsError(try provider("[default]\nrole_arn = r\nsource_profile = default\n").credentials(),
                               contains: "source_profile loop")
        assertCredentialsError(try provider("[default]\nrole_arn = r\nsource_profile = b\n[profile b]\nregion = x\n").credentials(),
                               contains: "source_profile \"b\" of profile \"default\" has no credentials")
        assertCredentialsError(try provider("[default]\nrole_arn = r\nmfa_serial = arn:aws:iam::1:mfa/me\nsource_profile = b\n[profile b]\n")
            .credentials(), contains: "cannot prompt")
    }

    func test_webIdentity_needsARoleAndAReadableToken() throws {
        let missingRole = try context(["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token"])
        assertCredentialsError(try WebIdentityCredentialProvider(profileName: "default", context: missingRole, useEnvironment: true)
            .credentials(), contains: "no role ARN")
        let missingFile = try context(["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"])
        assertCredentialsError(try WebIdentityCredentialProvider(profileName: "default", context: missingFile, useEnvironment: true)
            .credentials(), contains: "the web identity token file /nonexistent/token does not exist")
        XCTAssertNil(try WebIdentityCredentialProvider(profileName: "default", context: missingFile, useEnvironment: false).credentials())
    }

    // MARK: - SSO

    func test_ssoSettings_legacyAndSession() throws {
        let legacy = ["sso_start_url": "https://a/start", "sso_region": "eu-west-1", "sso_account_id": "1", "sso_role_name": "R"]
        XCTAssertEqual(try SSOCredentialProvider.settings(profile: legacy, profileName: "p", sessions: [:]),
                       .init(startURL: "https://a/start", region: "eu-west-1", accountId: "1", roleName: "R", sessionName: nil))
        let profile = ["sso_session": "corp", "sso_account_id": "1", "sso_role_name": "R"]
        let sessions = ["corp": ["sso_start_url": "https://corp/start", "sso_region": "us-east-2"]]
        XCTAssertEqual(try SSOCredentialProvider.settings(profile: profile, profileName: "p", sessions: sessions),
                       .init(startURL: "https://corp/start", region: "us-east-2", accountId: "1", roleName: "R", sessionName: "corp"))
        XCTAssertThrowsError(try SSOCredentialProvider.settings(profile: profile.merging(["sso_region": "eu-west-1"]) { $1 },
                                                                profileName: "p", sessions: sessions)) { error in
            XCTAssertTrue((error as? BedrockError)?.message.contains("sso_region differs") ?? false)
        }
        XCTAssertThrowsError(try SSOCredentialProvider.settings(profile: profile, profileName: "p", sessions: [:]))
        XCTAssertThrowsError(try SSOCredentialProvider.settings(profile: ["sso_account_id": "1"], profileName: "p", sessions: [:])) { error in
            XCTAssertEqual((error as? BedrockError)?.message,
                           "profile \"p\" is configured for SSO but is missing: sso_role_name, sso_start_url, sso_region")
        }
    }

    func test_sso_withoutACachedToken_saysHowToLogIn() throws {
        let context = try context(config: "[default]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n"
                                  + "[sso-session corp]\nsso_start_url = https://corp/start\nsso_region = us-east-1\n")
        assertCredentialsError(try SSOCredentialProvider(profileName: "default", context: context).credentials(),
                               contains: "run `aws sso login --sso-session corp`")
    }

    // MARK: - Container and IMDS

    func test_containerFullURI_onlyLoopbackOrPlatformHostsOverHTTP() {
        for url in ["http://127.0.0.1:8080/creds", "http://127.1.2.3/x", "http://[::1]:9/x", "http://localhost/x",
                    "http://169.254.170.2/v2/credentials/abc", "http://169.254.170.23/v1/credentials",
                    "http://[fd00:ec2::23]/v1/credentials", "https://credentials.example.com/x",
                    "http://0177.0.0.1/x"] {  // curl's parser reads octal 0177 as 127, and connects there

            XCTAssertNoThrow(try ContainerCredentialProvider.checkFullURI(url), url)
        }
        for url in ["http://credentials.example.com/x", "http://127.0.0.1.example.com/x", "http://10.0.0.1/x",
                    "ftp://127.0.0.1/x", "not a url"] {
            XCTAssertThrowsError(try ContainerCredentialProvider.checkFullURI(url), url)
        }
    }

    func test_container_relativeURIWinsAndGoesToTheECSAddress() throws {
        XCTAssertEqual(ContainerCredentialProvider.relativeURIBase, "http://169.254.170.2")
        let context = try context(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://credentials.example.com/not-checked"])
        // The FULL_URI check runs (and refuses) only when no RELATIVE_URI is set.
        assertCredentialsError(try DefaultCredentialChain.container(context).credentials(), contains: "not allowed over http")
        let both = try self.context(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://credentials.example.com/x",
                                     "AWS_CONTAINER_AUTHORIZATION_TOKEN": "bad\ntoken",
                                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"])
        assertCredentialsError(try DefaultCredentialChain.container(both).credentials(), contains: "control character")
    }

    func test_imds_disabledAndEndpointSettings() throws {
        let disabled = DefaultCredentialChain.instanceMetadata(try context(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"]))
        XCTAssertNil(try disabled.credentials())
        func provider(_ variables: [String: String], config: String = "") throws -> IMDSCredentialProvider {
            DefaultCredentialChain.instanceMetadata(try context(config: config, variables.merging(["AWS_EC2_METADATA_DISABLED": "false"]) { $1 }))
        }
        XCTAssertEqual(try provider([:]).baseURL(), "http://169.254.169.254")
        XCTAssertEqual(try provider(["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"]).baseURL(), "http://[fd00:ec2::254]")
        XCTAssertEqual(try provider([:], config: "[default]\nec2_metadata_service_endpoint = http://127.0.0.1:1234/\n").baseURL(),
                       "http://127.0.0.1:1234")
        XCTAssertThrowsError(try provider(["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv5"]).baseURL())
        XCTAssertEqual(IMDSCredentialProvider.tokenTTLSeconds, 21_600)
        XCTAssertEqual(IMDSCredentialProvider.defaultTimeoutSeconds, 1)
    }

    // MARK: - The cache

    func test_refreshWindows_areBotocoresFifteenAndTenMinutes() {
        XCTAssertEqual(CredentialCache.advisoryRefreshSeconds, 900)
        XCTAssertEqual(CredentialCache.mandatoryRefreshSeconds, 600)
    }

    func test_cache_longTermCredentials_areFetchedOnce() throws {
        let provider = CountingProvider(lifetime: nil)
        let cache = CredentialCache(chain: CredentialProviderChain(providers: [provider]), clock: { 0 })
        for _ in 0..<3 { _ = try cache.credentials() }
        XCTAssertEqual(provider.fetches, 1)
    }

    func test_cache_refreshesInTheAdvisoryWindow_andKeepsOldCredentialsIfThatFails() throws {
        let clock = TestClock()
        let provider = CountingProvider(lifetime: 3_600, clock: clock)
        let cache = CredentialCache(chain: CredentialProviderChain(providers: [provider]), clock: clock.read)
        XCTAssertEqual(try cache.credentials().accessKeyId, "KEY1")
        clock.advance(3_600 - 901)
        XCTAssertEqual(try cache.credentials().accessKeyId, "KEY1")
        clock.advance(2)  // 899 s left: advisory
        XCTAssertEqual(try cache.credentials().accessKeyId, "KEY2")
        clock.advance(3_600 - 800)
        provider.failing = true
        XCTAssertEqual(try cache.credentials().accessKeyId, "KEY2")  // advisory failure: keep going
        clock.advance(200)  // 600 s left... then 599: mandatory, and the failure is the caller's
        clock.advance(1)
        XCTAssertThrowsError(try cache.credentials()) { error in
            XCTAssertEqual((error as? BedrockError)?.message, "provider failed")
        }
        provider.failing = false
        XCTAssertEqual(try cache.credentials().accessKeyId, "KEY5")
    }

    func test_cache_refusesCredentialsThatAreAlreadyExpired() {
        let provider = CountingProvider(lifetime: -1)
        let cache = CredentialCache(chain: CredentialProviderChain(providers: [provider]), clock: { 0 })
        XCTAssertThrowsError(try cache.credentials()) { error in
            XCTAssertTrue((error as? BedrockError)?.message.contains("already expired") ?? false)
        }
    }

    func test_cache_refreshAsksTheProviderThatWon() throws {
        let clock = TestClock()
        let empty = CountingProvider(lifetime: nil, empty: true)
        let provider = CountingProvider(lifetime: 3_600, clock: clock)
        let cache = CredentialCache(chain: CredentialProviderChain(providers: [empty, provider]), clock: clock.read)
        _ = try cache.credentials()
        clock.advance(3_000)
        XCTAssertEqual(try cache.credentials().accessKeyId, "KEY2")
        XCTAssertEqual(empty.fetches, 1)
        XCTAssertEqual(provider.fetches, 2)
    }

    func test_cache_concurrentCallers_causeOneFetch() throws {
        let provider = CountingProvider(lifetime: 3_600, delayMs: 200)
        let cache = CredentialCache(chain: CredentialProviderChain(providers: [provider]), clock: { 0 })
        let keys = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if let key = try? cache.credentials().accessKeyId { keys.withLock { $0.append(key) } }
        }
        XCTAssertEqual(provider.fetches, 1)
        XCTAssertEqual(keys.withLock { $0 }, Array(repeating: "KEY1", count: 16))
    }
}

/// A clock the tests move by hand.
private final class TestClock: Sendable {
    private let now = Atomic<Int64>(1_000_000)
    func advance(_ seconds: Int64) { now.add(seconds, ordering: .sequentiallyConsistent) }
    var read: @Sendable () -> Int64 { { [self] in now.load(ordering: .sequentiallyConsistent) } }
}

/// Issues KEY1, KEY2, ... each living `lifetime` seconds from the clock's now (no expiry when
/// nil), counting how often it is asked.
private final class CountingProvider: CredentialProvider, Sendable {
    private let state = Mutex<(fetches: Int, failing: Bool)>((0, false))
    private let lifetime: Int64?
    private let clock: TestClock?
    private let delayMs: Int
    private let empty: Bool

    init(lifetime: Int64?, clock: TestClock? = nil, delayMs: Int = 0, empty: Bool = false) {
        self.lifetime = lifetime
        self.clock = clock
        self.delayMs = delayMs
        self.empty = empty
    }

    var name: String { "counting" }
    var fetches: Int { state.withLock { $0.fetches } }
    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    func credentials() throws(BedrockError) -> Credentials? {
        let (count, failing) = state.withLock { value in
            value.fetches += 1
            return (value.fetches, value.failing)
        }
        if delayMs > 0 { usleep(UInt32(delayMs * 1_000)) }
        if empty { return nil }
        if failing { throw BedrockError(.credentials, "provider failed") }
        let now = clock?.read() ?? 0
        return Credentials(accessKeyId: "KEY\(count)", secretAccessKey: "secret\(count)", sessionToken: "token\(count)",
                           expiration: lifetime.map { now + $0 })
    }
}
