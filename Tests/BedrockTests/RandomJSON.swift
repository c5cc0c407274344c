@testable import Bedrock

extension JSON {
    /// A random value of every kind, with what needs care in JSON text: escapes, controls and
    /// non-ASCII in strings, extreme and non-finite doubles, and now and then an object past
    /// `JSONObject`'s linear search.
    static func random(depth: Int = 0, _ generator: inout SplitMix64) -> JSON {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0..<63, using: &generator))
        case 3:
            let bits = UInt64.random(in: 0 ... .max, using: &generator)
            return .double(Bool.random(using: &generator) ? Double(bitPattern: bits) : Double(Int.random(in: -1000...1000, using: &generator)) / 8)
        case 4:
            let scalars = (0..<Int.random(in: 0..<12, using: &generator)).map { _ -> Character in
                let pool: [UInt32] = [0, 0x1F, 0x22, 0x5C, 0x2F, 0x41, 0x7F, 0xE9, 0x2028, 0x1F600, 0x0A]
                return Character(Unicode.Scalar(pool[Int.random(in: 0..<pool.count, using: &generator)])!)
            }
            return .string(String(scalars))
        case 5:
            return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in random(depth: depth + 1, &generator) })
        default:
            var object = JSONObject()
            let large = Int.random(in: 0..<10, using: &generator) == 0
            for index in 0..<Int.random(in: 0..<(large ? 40 : 4), using: &generator) {
                object["k\(index)\(Int.random(in: 0..<3, using: &generator))"] = random(depth: depth + 1, &generator)
            }
            return .object(object)
        }
    }
}
