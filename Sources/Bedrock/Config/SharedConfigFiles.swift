/// The shared AWS config and credentials files (`~/.aws/config`, `~/.aws/credentials`),
/// merged into one map of profiles the way botocore merges them: credentials-file values
/// override config-file values for the same profile.
struct SharedConfigFiles: Sendable, Equatable {
    static let defaultProfileName = "default"

    private(set) var profiles: [String: [String: String]] = [:]
    /// Each file's own profiles, unmerged: botocore takes static keys from the credentials
    /// file before `credential_process`, and from the config file after it.
    private(set) var credentialsFileProfiles: [String: [String: String]] = [:]
    private(set) var configFileProfiles: [String: [String: String]] = [:]
    /// `[sso-session NAME]` sections of the config file.
    private(set) var ssoSessions: [String: [String: String]] = [:]

    /// Profiles as if read from the config file.
    init(profiles: [String: [String: String]] = [:]) {
        self.profiles = profiles
        configFileProfiles = profiles
    }

    /// Loads the files the environment points at (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
    /// or their defaults under the home directory). Missing files are simply empty.
    static func load(environment: Environment) throws(BedrockError) -> SharedConfigFiles {
        let home = environment.homeDirectory ?? ""
        let configPath = environment["AWS_CONFIG_FILE"].map(environment.expandingTilde) ?? home + "/.aws/config"
        let credentialsPath = environment["AWS_SHARED_CREDENTIALS_FILE"].map(environment.expandingTilde)
            ?? home + "/.aws/credentials"
        var files = SharedConfigFiles()
        if let bytes = try readFileIfPresent(configPath) {
            files.merge(INIFile(parsing: String(decoding: bytes, as: UTF8.self)), isCredentialsFile: false)
        }
        if let bytes = try readFileIfPresent(credentialsPath) {
            files.merge(INIFile(parsing: String(decoding: bytes, as: UTF8.self)), isCredentialsFile: true)
        }
        return files
    }

    /// The settings of one profile, or nil when no file defines it.
    func profile(_ name: String) -> [String: String]? { profiles[name] }

    /// One file's settings for a profile, or nil when that file does not define it.
    func profile(_ name: String, inCredentialsFile: Bool) -> [String: String]? {
        inCredentialsFile ? credentialsFileProfiles[name] : configFileProfiles[name]
    }

    /// Adds a parsed file. In the config file a profile's section is `[profile NAME]` (or
    /// `[default]`) and `[sso-session NAME]` names an SSO session; other sections
    /// (`services`) are not profiles. In the credentials file every section is a profile.
    mutating func merge(_ file: INIFile, isCredentialsFile: Bool) {
        for section in file.sections {
            let name: String
            if isCredentialsFile || section.name == Self.defaultProfileName {
                name = section.name
            } else if let profile = Self.sectionName(section.name, prefix: "profile") {
                name = profile
            } else if let session = Self.sectionName(section.name, prefix: "sso-session") {
                ssoSessions[session, default: [:]].merge(section.values) { _, new in new }
                continue
            } else {
                continue
            }
            profiles[name, default: [:]].merge(section.values) { _, new in new }
            if isCredentialsFile {
                credentialsFileProfiles[name, default: [:]].merge(section.values) { _, new in new }
            } else {
                configFileProfiles[name, default: [:]].merge(section.values) { _, new in new }
            }
        }
    }

    /// NAME from a section header "PREFIX NAME" (space or tab after the prefix).
    private static func sectionName(_ header: String, prefix: String) -> String? {
        guard header.hasPrefix(prefix + " ") || header.hasPrefix(prefix + "\t") else { return nil }
        return header.dropFirst(prefix.count).trimmingWhitespace()
    }
}

/// An INI file as botocore's configparser reads it: `[section]` headers, `key = value` or
/// `key: value`, `#` and `;` comment lines, lower-cased keys, and indented continuation lines
/// (used for nested settings such as `s3 =`), which are kept as part of the value.
struct INIFile: Equatable {
    struct Section: Equatable {
        var name: String
        var values: [String: String] = [:]
    }

    private(set) var sections: [Section] = []

    init(parsing text: String) {
        var lastKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if let first = line.first, first == " " || first == "\t" {
                if let key = lastKey, !sections.isEmpty {
                    let previous = sections[sections.count - 1].values[key] ?? ""
                    sections[sections.count - 1].values[key] = previous + "\n" + trimmed
                }
                continue
            }
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                sections.append(Section(name: trimmed.dropFirst().dropLast().trimmingWhitespace()))
                lastKey = nil
                continue
            }
            guard !sections.isEmpty, let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                continue
            }
            let key = trimmed[..<separator].trimmingWhitespace().lowercased()
            let value = trimmed[trimmed.index(after: separator)...].trimmingWhitespace()
            sections[sections.count - 1].values[key] = value
            lastKey = key
        }
    }
}
