import Glibc

/// The process environment, read once, so resolution is a pure function of it and tests can
/// supply their own.
struct Environment: Sendable {
    var variables: [String: String]

    init(_ variables: [String: String]) { self.variables = variables }

    /// A snapshot of the current process's environment.
    static func current() -> Environment {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return Environment(variables)
    }

    /// The value of `name`, or nil when it is unset or empty (the SDKs treat both alike).
    subscript(name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// The user's home directory: HOME, else the password database.
    var homeDirectory: String? {
        if let home = self["HOME"] { return home }
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    /// Expands a leading `~` the way the SDKs do for file paths in the environment.
    func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = homeDirectory else { return path }
        return home + path.dropFirst()
    }
}
