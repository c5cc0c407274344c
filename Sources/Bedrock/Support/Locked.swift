import Glibc

/// A value that threads share, behind a pthread mutex.
///
/// Swift's `Mutex` locks with a futex of its own, which ThreadSanitizer cannot see: under
/// `scripts/sanitize.sh --thread` every access it guards would read as a race. A pthread mutex
/// costs the same uncontended and is one TSan understands, so a report there is a real race.
/// `Value` should not be empty (`Void`): TSan would place its accesses at another field's
/// address and report them as races.
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Runs `body` only when the lock is free now; nil when another thread holds it.
    func withLockIfAvailable<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
