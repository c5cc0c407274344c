import Foundation
import XCTest

@testable import Bedrock

// MARK: - Helpers every test file may use (the provider formats' own are in ProviderFormatTesting.swift)

/// The expression throws a `BedrockError` with this status whose message names every fragment.
/// `label`, when given, heads each failure.
func assertBedrockError<T>(_ expression: @autoclosure () throws -> T, status: BedrockStatus, _ label: String = "",
                           mentions fragments: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
    let prefix = label.isEmpty ? "" : "\(label): "
    XCTAssertThrowsError(try expression(), label, file: file, line: line) { error in
        guard let error = error as? BedrockError else {
            return XCTFail("\(prefix)not a BedrockError: \(error)", file: file, line: line)
        }
        XCTAssertEqual(error.status, status, "\(prefix)\(error.message)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "\(prefix)\(error.message) does not mention \(fragment)",
                          file: file, line: line)
        }
    }
}

// MARK: - Vectors

/// Tests/BedrockTests/Vectors: the vectors that tools/vectors generates from botocore and LangChain.
let vectorsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")

/// A JSON file under Vectors/ (e.g. "sigv4/cases.json"), decoded.
func decodeVectors<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(contentsOf: vectorsDirectory.appendingPathComponent(path)))
}

// MARK: - Shared AWS files

/// A fresh folder for one test's shared AWS files, `config` and `credentials`. Make it in
/// `setUpWithError` and `remove()` it in `tearDownWithError`.
struct SharedFilesFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() throws {
        try FileManager.default.removeItem(at: url)
    }

    /// Writes `config` and `credentials` here and returns an environment that reads them, with
    /// HOME here; `variables` are added last and win.
    func environment(config: String = "", credentials: String = "",
                     _ variables: [String: String] = [:]) throws -> Environment {
        let configPath = url.appendingPathComponent("config").path
        let credentialsPath = url.appendingPathComponent("credentials").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        try credentials.write(toFile: credentialsPath, atomically: true, encoding: .utf8)
        // IMDS off: the chain must not reach for this machine's instance metadata.
        return Environment(["AWS_CONFIG_FILE": configPath, "AWS_SHARED_CREDENTIALS_FILE": credentialsPath,
                            "HOME": url.path, "AWS_EC2_METADATA_DISABLED": "true"].merging(variables) { $1 })
    }
}

/// A small seeded PRNG (SplitMix64), so that every run tests the same values.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
