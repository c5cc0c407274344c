import CCurl
import CLinux
import Glibc

/// curl_global_init is not safe to race, so it runs once, the first time an engine is made.
let curlGlobalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// Idle engines of one client, each with the connections it keeps alive. A blocking call (or a
/// credential fetch) takes one, drives it on its own thread, and gives it back, so its
/// connections serve the next call; concurrent calls take an engine each.
final class EnginePool: Sendable {
    /// Idle engines beyond this many are closed rather than kept.
    static let maxIdle = 16

    private let idle = Locked<[MultiEngine]>([])
    private let settings: MultiEngine.Settings

    init(settings: MultiEngine.Settings = .init()) {
        self.settings = settings
    }

    func checkout() throws(BedrockError) -> MultiEngine {
        if let engine = idle.withLock({ $0.popLast() }) { return engine }
        return try MultiEngine(settings: settings)
    }

    func checkin(_ engine: MultiEngine) {
        idle.withLock { engines in
            if engines.count < Self.maxIdle { engines.append(engine) }
        }
    }
}

/// The host loop's side of socket mode: which fds to watch and when to call back
/// (bedrock_multi_use_loop). The values are those of `BEDROCK_POLL_*`.
struct HostLoop {
    static let pollIn: Int32 = 1
    static let pollOut: Int32 = 2
    static let pollRemove: Int32 = 4

    /// Watch `fd` for `what`; `fdData` is what the host attached with bedrock_multi_assign.
    var watch: (_ fd: Int32, _ what: Int32, _ fdData: UnsafeMutableRawPointer?) -> Void
    /// Call back after `timeoutMs` (-1: no timer); each call replaces the last.
    var setTimer: (_ timeoutMs: Int) -> Void
}

/// curl's multi interface, driven by socket events the way event loops drive it
/// (`curl_multi_socket_action`). curl says which sockets to watch and when its timer is due;
/// the engine passes that on to the host's loop (socket mode), or keeps it in an epoll set of
/// its own that the host polls through one fd (simple mode). A wakeup eventfd and a timerfd are
/// in that set too, so the one fd is readable for socket I/O, a due timer or a wakeup.
///
/// Connections live in the multi handle, so every transfer on it shares them: HTTP/1.1
/// keep-alive, or HTTP/2 streams multiplexed on one connection. One thread drives the engine;
/// only `wakeup` may be called from others.
final class MultiEngine: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    /// The fd the host polls in simple mode (bedrock_multi_fd).
    let pollFD: Int32
    private let wakeFD: Int32
    private let timerFD: Int32
    /// When curl's own timer is due, on the monotonic clock in milliseconds.
    private(set) var curlDeadline: UInt64?
    /// Set in socket mode: curl's socket requests go to the host instead of the epoll set.
    private var hostLoop: HostLoop?
    /// The host's data for each fd (bedrock_multi_assign), passed back with socket requests.
    private var fdData: [Int32: UnsafeMutableRawPointer] = [:]
    /// The sockets curl watches now, and for what (HostLoop.pollIn | pollOut), whichever mode
    /// holds them, so that a change of mode can hand them over.
    private var watched: [Int32: Int32] = [:]
    /// The deadline last given to the timerfd or the host, so an unchanged one is not re-armed.
    private var armedDeadline: UInt64?? = .none
    /// Idle easy handles, reused so that each call does not allocate one.
    private var idleEasy: [UnsafeMutableRawPointer] = []
    private static let maxIdleEasy = 64
    /// Sockets handled in one turn; more ready ones wait for the next, which is due at once.
    private static let epollBatch = 32
    /// epoll_wait's output, kept to spare an allocation each turn.
    private var readyEvents = [epoll_event](repeating: epoll_event(), count: MultiEngine.epollBatch)

    struct Settings {
        var maxConnections = 0
        var maxConcurrentStreams = 0
    }

    init(settings: Settings) throws(BedrockError) {
        guard curlGlobalInitResult == CURLE_OK else {
            throw BedrockError(.internal, "curl_global_init failed with code \(curlGlobalInitResult.rawValue)")
        }
        guard let multi = curl_multi_init() else { throw BedrockError(.internal, "curl_multi_init failed") }
        let pollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        let timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard pollFD >= 0, wakeFD >= 0, timerFD >= 0 else {
            let reason = String(cString: strerror(errno))
            for fd in [pollFD, wakeFD, timerFD] where fd >= 0 { close(fd) }
            curl_multi_cleanup(multi)
            throw BedrockError(.internal, "cannot create the multi handle's event fds: \(reason)")
        }
        self.multi = multi
        self.pollFD = pollFD
        self.wakeFD = wakeFD
        self.timerFD = timerFD
        Self.epollWatch(pollFD, wakeFD, events: EPOLLIN.rawValue, add: true)
        Self.epollWatch(pollFD, timerFD, events: EPOLLIN.rawValue, add: true)
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = bedrock_curl_multi_setopt_socket_fn(multi, engineSocketCallback)
        _ = bedrock_curl_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, context)
        _ = bedrock_curl_multi_setopt_timer_fn(multi, engineTimerCallback)
        _ = bedrock_curl_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, context)
        _ = bedrock_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        if settings.maxConnections > 0 {
            _ = bedrock_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings.maxConnections)
            _ = bedrock_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings.maxConnections)
        }
        if settings.maxConcurrentStreams > 0 {
            _ = bedrock_curl_multi_setopt_long(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams)
        }
    }

    deinit {
        for easy in idleEasy { curl_easy_cleanup(easy) }
        curl_multi_cleanup(multi)
        close(pollFD)
        close(wakeFD)
        close(timerFD)
    }

    // MARK: - Transfers

    /// A transfer for `request` on an idle easy handle, or a new one. When setting it up fails,
    /// the handle is kept for the next transfer.
    func makeTransfer(_ request: HTTPRequest, options: TransportOptions,
                      httpVersion: Int = Int(CURL_HTTP_VERSION_1_1)) throws(BedrockError) -> CurlTransfer {
        guard let easy = idleEasy.popLast() ?? curl_easy_init() else {
            throw BedrockError(.internal, "curl_easy_init failed")
        }
        do {
            return try CurlTransfer(easy: easy, request: request, options: options, httpVersion: httpVersion)
        } catch {
            keep(easy)
            throw error
        }
    }

    /// Adds `transfer` to the multi handle; when curl refuses it, its handle is kept for the next.
    func start(_ transfer: CurlTransfer) throws(BedrockError) {
        let added = curl_multi_add_handle(multi, transfer.easy)
        guard added == CURLM_OK else {
            transfer.detach()
            keep(transfer.easy)
            throw BedrockError(.internal, "curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(added)))")
        }
    }

    /// Takes a transfer off the multi handle (mid-response, curl closes its connection) and
    /// keeps its easy handle for the next one.
    func finish(_ transfer: CurlTransfer) {
        curl_multi_remove_handle(multi, transfer.easy)
        transfer.detach()
        keep(transfer.easy)
    }

    /// Keeps a reset easy handle for reuse, up to `maxIdleEasy`, and frees the rest.
    private func keep(_ easy: UnsafeMutableRawPointer) {
        if idleEasy.count < Self.maxIdleEasy {
            idleEasy.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    /// The transfers that ended since the last call, with curl's result for each.
    func completed() -> [(CurlTransfer, CURLcode)] {
        var done: [(CurlTransfer, CURLcode)] = []
        var pending: Int32 = 0
        while let message = curl_multi_info_read(multi, &pending) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            var context: UnsafeMutableRawPointer?
            guard bedrock_curl_getinfo_voidp(easy, CURLINFO_PRIVATE, &context) == CURLE_OK, let context else { continue }
            done.append((Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue(), message.pointee.data.result))
        }
        return done
    }

    // MARK: - Driving

    /// Any thread: makes the poll fd readable (simple mode) or the wakeup fd (socket mode).
    func wakeup() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, MemoryLayout<UInt64>.size)
    }

    /// Simple mode: waits up to `waitMs` for the epoll set, then hands ready sockets to curl.
    /// Those still ready when `budgetMs` has passed are left to the next call: epoll reports
    /// them again, so the poll fd stays readable. No budget hands them all over. Returns true
    /// when a wakeup arrived.
    func waitAndAct(waitMs: Int32, budgetMs: UInt64? = nil) -> Bool {
        let count = epoll_wait(pollFD, &readyEvents, Int32(Self.epollBatch), waitMs)
        let events = readyEvents
        var woken = false
        let deadline = budgetMs.map { monotonicMilliseconds() + $0 }
        for (index, event) in events.prefix(Int(max(count, 0))).enumerated() {
            if let deadline, index > 0, monotonicMilliseconds() >= deadline { break }
            let fd = event.data.fd
            if fd == wakeFD {
                drain(wakeFD)
                woken = true
            } else if fd == timerFD {
                drain(timerFD)
            } else {
                var mask: Int32 = 0
                if event.events & (EPOLLIN.rawValue | EPOLLHUP.rawValue) != 0 { mask |= CURL_CSELECT_IN }
                if event.events & EPOLLOUT.rawValue != 0 { mask |= CURL_CSELECT_OUT }
                if event.events & EPOLLERR.rawValue != 0 { mask |= CURL_CSELECT_ERR }
                socketAction(fd, mask: mask)
            }
        }
        return woken
    }

    /// Socket mode: the host saw `fd` ready. Returns true when it was the wakeup fd.
    func hostSocketReady(_ fd: Int32, events: Int32) -> Bool {
        if fd == wakeFD {
            drain(wakeFD)
            return true
        }
        var mask: Int32 = 0
        if events & HostLoop.pollIn != 0 { mask |= CURL_CSELECT_IN }
        if events & HostLoop.pollOut != 0 { mask |= CURL_CSELECT_OUT }
        socketAction(fd, mask: mask)
        return false
    }

    func socketAction(_ fd: Int32, mask: Int32) {
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, fd, mask, &running)
    }

    /// Runs curl's timer if it is due.
    func runDueTimer(now: UInt64) {
        guard let deadline = curlDeadline, deadline <= now else { return }
        curlDeadline = nil
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
    }

    /// Points the timerfd (simple mode) or the host's timer (socket mode) at `deadline`.
    func armTimer(_ deadline: UInt64?, now: UInt64) {
        // The same future deadline needs no new timer; a due one is re-armed to fire again.
        if case .some(deadline) = armedDeadline, deadline.map({ $0 > now }) ?? true { return }
        armedDeadline = .some(deadline)
        if let hostLoop {
            hostLoop.setTimer(deadline.map { Int($0 > now ? $0 - now : 0) } ?? -1)
            return
        }
        var spec = itimerspec()
        if let deadline {
            // A zero it_value disarms the timer, so a due deadline becomes 1 ns from now.
            let wait = deadline > now ? deadline - now : 0
            spec.it_value.tv_sec = Int(wait / 1_000)
            spec.it_value.tv_nsec = wait == 0 ? 1 : Int(wait % 1_000) * 1_000_000
        }
        _ = timerfd_settime(timerFD, 0, &spec, nil)
    }

    /// Runs one transfer to its end on the calling thread (a credential fetch): waits in
    /// epoll, so the thread sleeps between bytes. Returns curl's result for it.
    func run(_ transfer: CurlTransfer, readTimeoutMs: Int) throws(BedrockError) -> CURLcode {
        try start(transfer)
        defer { finish(transfer) }
        while true {
            let now = monotonicMilliseconds()
            runDueTimer(now: now)
            if let (_, code) = completed().first(where: { $0.0 === transfer }) { return code }
            if readTimeoutMs > 0, now > transfer.lastActivity, now - transfer.lastActivity >= UInt64(readTimeoutMs) {
                throw BedrockError(.timeout, "no data received for \(readTimeoutMs) ms (read_timeout_ms)")
            }
            var wait = Self.runSliceMs
            if let deadline = curlDeadline { wait = min(wait, deadline > now ? Int32(clamping: deadline - now) : 0) }
            _ = waitAndAct(waitMs: wait)
        }
    }

    /// The longest `run` sleeps before it looks at the clock again.
    private static let runSliceMs: Int32 = 100

    // MARK: - Socket mode

    /// Hands socket and timer requests to `loop` from now on (socket mode), the sockets curl
    /// watches already included, starting with the wakeup fd; or, with nil, takes them back
    /// into the epoll set (simple mode), telling the host to stop watching each.
    func use(_ loop: HostLoop?) {
        if hostLoop == nil, loop == nil { return }
        if let old = hostLoop {
            for (fd, _) in watched { old.watch(fd, HostLoop.pollRemove, fdData[fd]) }
            old.watch(wakeFD, HostLoop.pollRemove, nil)
            old.setTimer(-1)
        } else {
            for (fd, _) in watched { Self.epollUnwatch(pollFD, fd) }
        }
        hostLoop = loop
        armedDeadline = .none
        if let loop {
            loop.watch(wakeFD, HostLoop.pollIn, nil)
            for (fd, what) in watched { loop.watch(fd, what, fdData[fd]) }
        } else {
            for (fd, what) in watched { Self.epollWatch(pollFD, fd, events: Self.epollEvents(what), add: true) }
        }
    }

    func assign(_ fd: Int32, data: UnsafeMutableRawPointer?) {
        fdData[fd] = data
    }

    // MARK: - curl's requests

    fileprivate func watchSocket(_ fd: Int32, what: Int32) {
        if what == CURL_POLL_REMOVE {
            watched[fd] = nil
            if let hostLoop {
                hostLoop.watch(fd, HostLoop.pollRemove, fdData[fd])
            } else {
                Self.epollUnwatch(pollFD, fd)
            }
            fdData[fd] = nil
            return
        }
        var wanted: Int32 = 0
        if what == CURL_POLL_IN || what == CURL_POLL_INOUT { wanted |= HostLoop.pollIn }
        if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { wanted |= HostLoop.pollOut }
        let known = watched[fd] != nil
        watched[fd] = wanted
        if let hostLoop {
            hostLoop.watch(fd, wanted, fdData[fd])
            return
        }
        // curl asks again for a socket it already watches when the direction changes.
        Self.epollWatch(pollFD, fd, events: Self.epollEvents(wanted), add: !known)
    }

    private static func epollEvents(_ wanted: Int32) -> UInt32 {
        var events: UInt32 = 0
        if wanted & HostLoop.pollIn != 0 { events |= EPOLLIN.rawValue }
        if wanted & HostLoop.pollOut != 0 { events |= EPOLLOUT.rawValue }
        return events
    }

    private static func epollUnwatch(_ pollFD: Int32, _ fd: Int32) {
        var unused = epoll_event()
        _ = epoll_ctl(pollFD, EPOLL_CTL_DEL, fd, &unused)
    }

    fileprivate func setCurlTimer(_ timeoutMs: Int) {
        curlDeadline = timeoutMs < 0 ? nil : monotonicMilliseconds() + UInt64(timeoutMs)
    }

    @discardableResult
    private static func epollWatch(_ pollFD: Int32, _ fd: Int32, events: UInt32, add: Bool) -> Bool {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        return epoll_ctl(pollFD, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event) == 0
    }

    private func drain(_ fd: Int32) {
        var value: UInt64 = 0
        _ = read(fd, &value, MemoryLayout<UInt64>.size)
    }
}

private func engineSocketCallback(_ easy: UnsafeMutableRawPointer?, _ fd: curl_socket_t, _ what: Int32,
                                  _ context: UnsafeMutableRawPointer?, _ socketData: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return -1 }
    Unmanaged<MultiEngine>.fromOpaque(context).takeUnretainedValue().watchSocket(fd, what: what)
    return 0
}

private func engineTimerCallback(_ multi: UnsafeMutableRawPointer?, _ timeoutMs: Int, _ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return -1 }
    Unmanaged<MultiEngine>.fromOpaque(context).takeUnretainedValue().setCurlTimer(timeoutMs)
    return 0
}
