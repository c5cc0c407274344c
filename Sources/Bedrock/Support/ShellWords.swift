/// Splits a command line into words the way botocore does for `credential_process`
/// (Python's `shlex.split`, POSIX mode), so the same config line runs the same program with
/// the same arguments. No shell runs: there is no globbing, no variables, no pipes.
///
/// - Whitespace separates words.
/// - `'...'` is literal.
/// - `"..."` is literal except that a backslash escapes `"` and `\`.
/// - Outside quotes, a backslash escapes the next character.
enum ShellWords {
    struct Failure: Error, Equatable {
        var message: String
    }

    /// shlex's whitespace; "\r\n" is listed because Swift reads it as one Character.
    private static let whitespace: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]

    static func split(_ line: String) throws(Failure) -> [String] {
        enum State { case between, word, single, double }
        var words: [String] = []
        var current = ""
        var state = State.between
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch state {
            case .between, .word:
                if whitespace.contains(character) {
                    if state == .word { words.append(current) }
                    current = ""
                    state = .between
                } else if character == "'" {
                    state = .single
                } else if character == "\"" {
                    state = .double
                } else if character == "\\" {
                    guard let escaped = characters.next() else { throw Failure(message: "ends with a lone backslash") }
                    current.append(escaped)
                    state = .word
                } else {
                    current.append(character)
                    state = .word
                }
            case .single:
                if character == "'" { state = .word } else { current.append(character) }
            case .double:
                if character == "\"" {
                    state = .word
                } else if character == "\\" {
                    guard let escaped = characters.next() else { throw Failure(message: "has no closing quotation") }
                    if escaped != "\"" && escaped != "\\" { current.append("\\") }
                    current.append(escaped)
                } else {
                    current.append(character)
                }
            }
        }
        switch state {
        case .single, .double: throw Failure(message: "has no closing quotation")
        case .word: words.append(current)
        case .between: break
        }
        return words
    }
}
