// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-bedrock-chat",
    products: [
        // libbedrock.so: the C ABI declared in include/bedrock.h.
        .library(name: "bedrock", type: .dynamic, targets: ["Bedrock"]),
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CJansson", pkgConfig: "jansson",
                       providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLinux"),
        .target(name: "Bedrock", dependencies: ["CCurl", "CJansson", "CCrypto", "CZlib", "CLinux"]),
        .testTarget(name: "BedrockTests", dependencies: ["Bedrock"], exclude: ["Vectors"]),
    ]
)

// The event-stream decoder benchmark (bench/eventstream), built in release by bench/run.sh with
// BEDROCK_BENCH=1 set. It is declared only then, so that `swift build` and `swift test` leave it out.
if Context.environment["BEDROCK_BENCH"] == "1" {
    package.targets.append(.executableTarget(name: "bench-eventstream", dependencies: ["Bedrock", "CZlib"],
                                             path: "bench/eventstream"))
}

// The libFuzzer targets (fuzz/main.swift), built by scripts/fuzz.sh with BEDROCK_FUZZ=1 and
// -sanitize=fuzzer,address; libFuzzer supplies main, so other builds leave them out.
if Context.environment["BEDROCK_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "bedrock-fuzz", dependencies: ["Bedrock"], path: "fuzz",
                                             exclude: ["corpus"]))
}
