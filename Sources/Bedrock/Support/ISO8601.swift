import Glibc

/// ISO 8601 timestamps as AWS services and tools write credential expiry times:
/// `2026-11-25T10:00:00Z` (IMDS, container endpoints, `credential_process`),
/// `2026-11-25T10:00:00.359Z` (STS), `2026-11-25T12:00:00+02:00`, and the
/// `2019-11-14T04:05:45UTC` that older AWS CLI versions wrote into the SSO token cache.
enum ISO8601 {
    /// Seconds since the Unix epoch, or nil when `text` is not such a timestamp.
    ///
    /// Accepted: `YYYY-MM-DD`, then `T` (or a space), `hh:mm:ss`, an optional fraction (dropped,
    /// which moves an expiry earlier by under a second, the safe direction), and a zone:
    /// `Z`, `UTC`, `GMT`, `±hh:mm`, `±hhmm` or `±hh`. A timestamp without a zone is read as
    /// UTC, as botocore's parser does for these fields.
    static func parse(_ text: String) -> Int64? {
        var reader = Reader(Array(text.utf8))
        guard let year = reader.digits(4), reader.take("-"), let month = reader.digits(2), reader.take("-"),
              let day = reader.digits(2), reader.take("T") || reader.take("t") || reader.take(" "),
              let hour = reader.digits(2), reader.take(":"), let minute = reader.digits(2), reader.take(":"),
              let second = reader.digits(2) else { return nil }
        if reader.take(".") || reader.take(",") {
            guard reader.skipDigits() > 0 else { return nil }
        }
        guard let offset = reader.zoneOffsetSeconds(), reader.atEnd else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }

        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        guard seconds != -1 || (year == 1969 && month == 12 && day == 31) else { return nil }
        return Int64(seconds) - Int64(offset)
    }

    /// `seconds` since the epoch as `YYYY-MM-DDThh:mm:ssZ`, as botocore writes a timestamp
    /// into a query string.
    static func string(epochSeconds seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func take(_ word: String) -> Bool {
            let word = Array(word.utf8)
            guard bytes.count - index >= word.count, Array(bytes[index..<(index + word.count)]) == word else {
                return false
            }
            index += word.count
            return true
        }

        /// Exactly `count` ASCII digits as a number.
        mutating func digits(_ count: Int) -> Int? {
            guard bytes.count - index >= count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + count)] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        mutating func skipDigits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index - start
        }

        /// The zone's offset east of UTC in seconds; 0 when there is no zone.
        mutating func zoneOffsetSeconds() -> Int? {
            if atEnd || take("Z") || take("z") || take("UTC") || take("GMT") { return 0 }
            let sign: Int
            if take("+") {
                sign = 1
            } else if take("-") {
                sign = -1
            } else {
                return nil
            }
            guard let hours = digits(2), hours <= 23 else { return nil }
            var minutes = 0
            if !atEnd {
                _ = take(":")
                guard let value = digits(2), value <= 59 else { return nil }
                minutes = value
            }
            return sign * (hours * 3_600 + minutes * 60)
        }
    }
}
