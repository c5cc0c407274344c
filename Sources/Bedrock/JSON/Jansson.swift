import CJansson
import Glibc

/// Conversion between `JSON` and jansson values, for `bedrock_jansson.h`; and jansson's own
/// reading of JSON text, which `JSON.parse` is held to (`JSONReaderTests`, the fuzz target `json`).
extension JSON {
    /// jansson's reading of `bytes`, with the flags `JSON.parse` matches; nil when jansson
    /// rejects them.
    static func parsedByJansson(_ bytes: [UInt8]) -> JSON? {
        var error = json_error_t()
        let root = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                json_loadb(chars.baseAddress, chars.count, Int(JSON_DECODE_ANY | JSON_ALLOW_NUL), &error)
            }
        }
        guard let root else { return nil }
        defer { json_decref(root) }
        return JSON(jansson: root)
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
