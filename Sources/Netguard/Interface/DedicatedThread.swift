#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain POSIX thread for a loop that blocks in `poll` (the netlink reader): it must not sit on Swift's
/// cooperative pool or a NIO event loop.
final class DedicatedThread: Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let handle: pthread_t

    /// Starts `body` on a new thread.
    init(body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        let argument = Unmanaged.passRetained(Body(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, nil, { raw in
            guard let raw = DedicatedThread.optional(raw) else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, argument)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(argument).release()
            throw SystemCallError("pthread_create", code: result)
        }
        #if canImport(Glibc)
        handle = thread
        #else
        guard let thread else { throw SystemCallError("pthread_create", code: EAGAIN) }
        handle = thread
        #endif
    }

    /// Whether the caller is this thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

    /// Waits for the thread to end. Call once.
    func join() { _ = pthread_join(handle, nil) }

    /// Lets the thread's resources go when it ends, for threads nobody joins. Call once, instead of `join()`.
    func detach() { _ = pthread_detach(handle) }

    private static func optional(_ pointer: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? { pointer }
}
