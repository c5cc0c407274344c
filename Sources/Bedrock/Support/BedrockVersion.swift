/// The library version; `include/bedrock.h` repeats it in its version macros.
enum BedrockVersion {
    static let major = 0
    static let minor = 1
    static let patch = 0
    /// Static, so `bedrock_version` can lend it to C without allocating.
    static let cString: StaticString = "0.1.0"
    static let string = cString.description
    /// Names the library, its version and the platform, as the SDKs' User-Agent does.
    static let userAgent = "swift-bedrock-chat/\(string) os/linux lang/swift"
}
