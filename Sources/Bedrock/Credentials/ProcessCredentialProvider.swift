import Glibc

/// `credential_process` in a profile: runs the command (split like a shell would, but no
/// shell runs it) and reads credentials from its stdout, as botocore's `ProcessProvider`:
///
///     {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
///      "SessionToken": "...", "Expiration": "2026-11-25T10:00:00Z"}
///
/// With an Expiration the credentials are refreshed by running the command again. A
/// non-zero exit is an error carrying the command's stderr (botocore shows it too); stdout
/// is never quoted, since it may hold the secret.
struct ProcessCredentialProvider: CredentialProvider {
    /// The only output format the SDKs define.
    static let supportedVersion: Int64 = 1
    /// Far more than any credential document; a command that writes more is killed.
    static let maxOutputBytes = 64 << 10
    /// How much of stderr an error message quotes.
    static let maxQuotedStderr = 512

    let profileName: String
    let files: SharedConfigFiles
    let environment: Environment

    var name: String { "credential_process (profile \"\(profileName)\")" }

    func credentials() throws(BedrockError) -> Credentials? {
        guard let command = files.profile(profileName)?["credential_process"] else { return nil }
        let arguments: [String]
        do {
            arguments = try ShellWords.split(command)
        } catch {
            throw BedrockError(.credentials, "\(name): the command \(error.message)")
        }
        guard let program = arguments.first else { throw BedrockError(.credentials, "\(name): the command is empty") }

        var output: ChildProcess.Output
        do throws(ChildProcess.Failure) {
            output = try ChildProcess.run(arguments, environment: environment.variables, maxOutputBytes: Self.maxOutputBytes)
        } catch {
            switch error {
            case .cannotStart(let code):
                throw BedrockError(.credentials, "\(name): cannot run \"\(program)\": \(String(cString: strerror(code)))")
            case .tooMuchOutput:
                throw BedrockError(.credentials, "\(name): \"\(program)\" wrote more than \(Self.maxOutputBytes) bytes and was stopped")
            case .system(let code):
                throw BedrockError(.credentials, "\(name): running \"\(program)\" failed: \(String(cString: strerror(code)))")
            }
        }
        defer { wipe(&output.stdout) }

        switch output.status {
        case .exited(0):
            break
        case .exited(let code):
            throw Self.secrets(inOutput: output.stdout).redact(BedrockError(
                .credentials, "\(name): \"\(program)\" exited with status \(code)\(Self.quoted(stderr: output.stderr))"))
        case .signalled(let signal):
            throw Self.secrets(inOutput: output.stdout).redact(BedrockError(
                .credentials, "\(name): \"\(program)\" was killed by signal \(signal)\(Self.quoted(stderr: output.stderr))"))
        }
        return try Self.parse(output: output.stdout, source: name)
    }

    /// Reads the command's stdout.
    static func parse(output: [UInt8], source: String) throws(BedrockError) -> Credentials {
        let document = try CredentialDocument(output, source: source, what: "output")
        guard let version = document.object["Version"] else {
            throw BedrockError(.credentials, "\(source): output has no Version (expected \(supportedVersion))")
        }
        guard version.int64Value == supportedVersion else {
            throw BedrockError(.credentials, "\(source): output has an unsupported Version; the supported version is \(supportedVersion)")
        }
        let expiration: Int64? = switch try document.optionalString("Expiration") {
        case let text?: try CredentialDocument.expiration(text, key: "Expiration", source: source, what: "output")
        case nil: nil
        }
        return Credentials(accessKeyId: try document.string("AccessKeyId"),
                           secretAccessKey: try document.string("SecretAccessKey"),
                           sessionToken: try document.optionalString("SessionToken"),
                           expiration: expiration)
    }

    /// The secrets a failed command's stdout holds, if it is a credential document: its stderr
    /// is quoted in the error and may repeat them.
    private static func secrets(inOutput stdout: [UInt8]) -> SecretRedactor {
        var secrets = SecretRedactor()
        guard let document = try? JSON.parse(stdout, field: "output") else { return secrets }
        secrets.add(document["SecretAccessKey"]?.stringValue)
        secrets.add(document["SessionToken"]?.stringValue)
        return secrets
    }

    /// ": <stderr>" trimmed and shortened, or "" when the command wrote nothing there.
    private static func quoted(stderr: [UInt8]) -> String {
        let text = String(decoding: stderr.prefix(maxQuotedStderr), as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? "" : ": \(text)"
    }
}
