import Glibc

/// Reads a whole file. Returns nil when the file does not exist; other failures throw.
func readFileIfPresent(_ path: String, maxBytes: Int = 16 << 20) throws(BedrockError) -> [UInt8]? {
    guard let file = fopen(path, "rb") else {
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw BedrockError(.config, "cannot read \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(file) }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count > 0 { contents.append(contentsOf: chunk[0..<count]) }
        if contents.count > maxBytes { throw BedrockError(.config, "\(path) is larger than \(maxBytes) bytes") }
        if count < chunk.count {
            if ferror(file) != 0 { throw BedrockError(.config, "error reading \(path)") }
            return contents
        }
    }
}
