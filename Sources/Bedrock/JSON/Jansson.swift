import CJansson
import Glibc

/// Conversion between `JSON` and jansson values, and text parsing (JSONWriter prints).
extension JSON {
    /// Parses JSON text. Invalid JSON or invalid UTF-8 throws INVALID_ARGUMENT naming `field`.
    static func parse(_ text: UnsafeRawBufferPointer, field: String) throws(BedrockError) -> JSON {
        var error = json_error_t()
        guard let base = text.baseAddress?.assumingMemoryBound(to: CChar.self),
              let root = json_loadb(base, text.count, Int(JSON_DECODE_ANY | JSON_ALLOW_NUL), &error) else {
            if text.isEmpty { throw .invalidArgument("\(field)", "empty JSON text") }
            let text = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            // jansson quotes the token it stopped at ("invalid token near 'wJalr...'"), which
            // may be a secret in a config or a request: the position says where it is instead.
            let reason = text.firstRange(of: " near '").map { String(text[..<$0.lowerBound]) } ?? text
            throw .invalidArgument("\(field)", "invalid JSON at line \(error.line), column \(error.column): \(reason)")
        }
        defer { json_decref(root) }
        return JSON(jansson: root)
    }

    /// Reads the string's own UTF-8 in place (a request body can be megabytes).
    static func parse(_ text: String, field: String) throws(BedrockError) -> JSON {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(BedrockError) -> JSON in try parse(UnsafeRawBufferPointer(buffer), field: field) }
        }.get()
    }

    static func parse(_ bytes: [UInt8], field: String) throws(BedrockError) -> JSON {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(BedrockError) -> JSON in try parse(buffer, field: field) }
        }.get()
    }

    /// Reads a borrowed jansson value.
    init(jansson value: UnsafePointer<json_t>) {
        switch value.pointee.type {
        case JSON_OBJECT:
            var object = JSONObject()
            let mutableValue = UnsafeMutablePointer(mutating: value)
            var iterator = json_object_iter(mutableValue)
            while let current = iterator {
                if let key = json_object_iter_key(current), let child = json_object_iter_value(current) {
                    object[String(cString: key)] = JSON(jansson: child)
                }
                iterator = json_object_iter_next(mutableValue, current)
            }
            self = .object(object)
        case JSON_ARRAY:
            let count = json_array_size(value)
            var array: [JSON] = []
            array.reserveCapacity(count)
            for index in 0..<count {
                if let child = json_array_get(value, index) { array.append(JSON(jansson: child)) }
            }
            self = .array(array)
        case JSON_STRING:
            let length = json_string_length(value)
            if let chars = json_string_value(value) {
                self = .string(chars.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                })
            } else {
                self = .string("")
            }
        case JSON_INTEGER: self = .int(Int64(json_integer_value(value)))
        case JSON_REAL: self = .double(json_real_value(value))
        case JSON_TRUE: self = .bool(true)
        case JSON_FALSE: self = .bool(false)
        default: self = .null
        }
    }

    /// Builds a jansson value; the caller owns the returned reference.
    func makeJansson() -> UnsafeMutablePointer<json_t>? {
        switch self {
        case .null: return json_null()
        case .bool(let value): return value ? json_true() : json_false()
        case .int(let value): return json_integer(json_int_t(value))
        case .double(let value): return value.isFinite ? json_real(value) : json_null()
        case .string(let value):
            var value = value
            return value.withUTF8 { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    chars.baseAddress.map { json_stringn_nocheck($0, chars.count) } ?? json_string("")
                }
            }
        case .array(let values):
            guard let array = json_array() else { return nil }
            for value in values { json_array_append_new(array, value.makeJansson()) }
            return array
        case .object(let object):
            guard let result = json_object() else { return nil }
            for (key, value) in object.pairs {
                var key = key
                key.withUTF8 { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        guard let base = chars.baseAddress else {
                            _ = json_object_set_new_nocheck(result, "", value.makeJansson())
                            return
                        }
                        _ = json_object_setn_new_nocheck(result, base, chars.count, value.makeJansson())
                    }
                }
            }
            return result
        }
    }
}
