import CZlib

/// CRC-32 (IEEE 802.3, the polynomial zlib and RFC 3385 use), as the event-stream checksums need.
///
/// zlib is already linked through libcurl, and its table-driven `crc32_z` runs at a few GB/s,
/// so there is no reason to carry our own table.
enum CRC32 {
    /// The checksum of `bytes`, continuing from `seed` (pass an earlier result to checksum a
    /// message in pieces; 0 starts a new checksum).
    static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
        let result = crc32_z(UInt(seed), base.assumingMemoryBound(to: UInt8.self), bytes.count)
        // zlib's uLong is 64 bits here, but a CRC-32 never has bits above the low 32.
        return UInt32(truncatingIfNeeded: result)
    }

    /// The checksum of a byte array.
    static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
