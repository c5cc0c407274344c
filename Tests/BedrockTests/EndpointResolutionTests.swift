import Foundation
import XCTest

@testable import Bedrock

/// Endpoints from region and FIPS/dual-stack flags, compared with botocore's endpoint-ruleset
/// resolver on the table in Vectors/endpoints (tools/vectors/gen_endpoint_vectors.py).
final class EndpointResolutionTests: XCTestCase {
    private struct Case: Decodable {
        var region: String
        var fips: Bool
        var dualstack: Bool
        var endpoint_url: String?
        var url: String?
        var error: String?
    }

    private func resolve(_ item: Case) throws -> String {
        var variables = ["AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"]
        if item.fips { variables["AWS_USE_FIPS_ENDPOINT"] = "true" }
        if item.dualstack { variables["AWS_USE_DUALSTACK_ENDPOINT"] = "true" }
        var config = ClientConfig()
        config.region = item.region
        config.endpointURL = item.endpoint_url
        let resolved = try ResolvedClientConfig(config, environment: Environment(variables))
        return resolved.endpoint.url(path: "")
    }

    func test_everyCase_matchesBotocoresRulesetResolver() throws {
        struct File: Decodable { var cases: [Case] }
        let cases = try decodeVectors(File.self, from: "endpoints/cases.json").cases
        XCTAssertGreaterThanOrEqual(cases.count, 100)
        for item in cases {
            let label = "\(item.region) fips=\(item.fips) dualstack=\(item.dualstack) endpoint=\(item.endpoint_url ?? "-")"
            if let expected = item.url {
                XCTAssertEqual(try resolve(item), expected, label)
            } else {
                XCTAssertThrowsError(try resolve(item), label) { error in
                    XCTAssertEqual((error as? BedrockError)?.status, .config, label)
                }
            }
        }
    }

    func test_partitionTable_matchesBotocoresPartitionsJSON() throws {
        struct Outputs: Decodable {
            var dnsSuffix: String
            var dualStackDnsSuffix: String
            var supportsFIPS: Bool
            var supportsDualStack: Bool
        }
        struct Entry: Decodable {
            var id: String
            var regionRegex: String
            var outputs: Outputs
            var regions: [String: [String: String]]
        }
        struct File: Decodable { var partitions: [Entry] }
        let entries = try decodeVectors(File.self, from: "endpoints/partitions.json").partitions
        XCTAssertEqual(entries.map(\.id), Partition.all.map(\.id))
        for (entry, partition) in zip(entries, Partition.all) {
            XCTAssertEqual(entry.regionRegex, partition.regionRegex, entry.id)
            XCTAssertEqual(entry.outputs.dnsSuffix, partition.dnsSuffix, entry.id)
            XCTAssertEqual(entry.outputs.dualStackDnsSuffix, partition.dualStackDnsSuffix, entry.id)
            XCTAssertEqual(entry.outputs.supportsFIPS, partition.supportsFIPS, entry.id)
            XCTAssertEqual(entry.outputs.supportsDualStack, partition.supportsDualStack, entry.id)
            // Every listed region belongs to this partition, by name or by regex.
            for region in entry.regions.keys {
                XCTAssertEqual(Partition.of(region: region).id, entry.id, region)
            }
        }
    }

    func test_invalidFlagValue_isConfigErrorNamingIt() {
        var config = ClientConfig()
        config.region = "us-east-1"
        assertBedrockError(try ResolvedClientConfig(config, environment: Environment([
            "AWS_USE_FIPS_ENDPOINT": "yes", "AWS_CONFIG_FILE": "/nonexistent"])), status: .config,
                           mentions: ["AWS_USE_FIPS_ENDPOINT"])
    }

    func test_ignoreConfiguredEndpointURLs_skipsEnvironmentEndpoint() throws {
        var config = ClientConfig()
        config.region = "eu-west-1"
        let resolved = try ResolvedClientConfig(config, environment: Environment([
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
            "AWS_CONFIG_FILE": "/nonexistent"]))
        XCTAssertEqual(resolved.endpoint.url(path: ""), "https://bedrock-runtime.eu-west-1.amazonaws.com")
    }
}
