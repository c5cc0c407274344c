import Glibc

/// Runs a program (no shell) and collects its stdout and stderr, for `credential_process`.
/// stdin is inherited, as botocore's `Popen` inherits it, so a helper may prompt on a terminal.
enum ChildProcess {
    struct Output {
        var status: Termination
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    enum Termination: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    enum Failure: Error, Equatable {
        /// posix_spawnp failed: errno value (ENOENT when the program is not found).
        case cannotStart(Int32)
        /// The program wrote more than the limit to stdout or stderr; it was killed.
        case tooMuchOutput
        /// A pipe or wait failed: errno value.
        case system(Int32)
    }

    /// Runs `arguments[0]` (looked up on PATH) with `arguments`, in `environment`, and waits
    /// for it. Output beyond `maxOutputBytes` on either stream kills the program.
    static func run(_ arguments: [String], environment: [String: String],
                    maxOutputBytes: Int) throws(Failure) -> Output {
        guard let program = arguments.first else { throw .cannotStart(ENOENT) }
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdoutPipe) == 0 else { throw .system(errno) }
        guard pipe(&stderrPipe) == 0 else {
            let error = errno
            close(stdoutPipe[0]); close(stdoutPipe[1])
            throw .system(error)
        }
        // Close-on-exec, so that a program another thread starts does not inherit our pipe
        // ends (our reads would then wait for it to exit). pipe2(O_CLOEXEC) would close the
        // short window between pipe and fcntl, but Swift's Glibc module hides it (_GNU_SOURCE).
        for fd in stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], STDERR_FILENO)

        // The host may ignore SIGPIPE (Python does) or block signals; the program should
        // start with the defaults, as Python's subprocess gives it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdoutPipe[0]); close(stderrPipe[0])
            throw .cannotStart(spawned)
        }

        var output = Output(status: .exited(0), stdout: [], stderr: [])
        // Room for any credential document, so the buffer holding it is not reallocated
        // (leaving an unwiped copy behind) while it fills.
        output.stdout.reserveCapacity(16 << 10)
        let drained = drain(stdout: stdoutPipe[0], stderr: stderrPipe[0], into: &output, limit: maxOutputBytes)
        close(stdoutPipe[0])
        close(stderrPipe[0])
        if !drained { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw .system(errno) }
        }
        guard drained else { throw .tooMuchOutput }
        // The <sys/wait.h> macros do not import: low 7 bits are the signal, 0 for an exit,
        // whose code is the next byte.
        let signal = status & 0x7F
        output.status = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        return output
    }

    /// Reads both pipes until both close; false when a stream passed `limit`.
    private static func drain(stdout: Int32, stderr: Int32, into output: inout Output, limit: Int) -> Bool {
        var open = [stdout: true, stderr: true]
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        defer { wipe(&chunk) }
        while open.values.contains(true) {
            var fds = [stdout, stderr].filter { open[$0] == true }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready == -1 {
                if errno == EINTR { continue }
                return false
            }
            for entry in fds where entry.revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if entry.fd == stdout {
                        output.stdout.append(contentsOf: chunk[0..<count])
                        if output.stdout.count > limit { return false }
                    } else {
                        output.stderr.append(contentsOf: chunk[0..<count])
                        if output.stderr.count > limit { return false }
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[entry.fd] = false
                }
            }
        }
        return true
    }
}
