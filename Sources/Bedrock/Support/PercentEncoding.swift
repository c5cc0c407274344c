/// Percent-encoding of path segments, query and form values, and SigV4's canonical URI:
/// RFC 3986's unreserved bytes stay, everything else becomes %XX in capitals, as botocore's
/// `percent_encode` writes it.
func percentEncoded(_ value: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(value.utf8.count)
    for byte in value.utf8 { appendPercentEncoded(byte, to: &out) }
    return String(decoding: out, as: UTF8.self)
}

func appendPercentEncoded(_ byte: UInt8, to out: inout [UInt8]) {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
         UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.append(byte)
    default:
        let hex: StaticString = "0123456789ABCDEF"
        hex.withUTF8Buffer { table in
            out.append(UInt8(ascii: "%"))
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
    }
}
