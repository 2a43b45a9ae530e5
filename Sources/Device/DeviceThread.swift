#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain POSIX thread for a loop that must not depend on Swift's task pool or a NIO event loop: the watchdog's
/// feeder (it has to keep its own time while those are being judged) and the mDNS socket loop (it blocks in `poll`).
final class DeviceThread: Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let handle: pthread_t

    /// Starts `body` on a new thread; nil when the system has no thread to give (errno-style code in `failure`).
    init?(body: @escaping @Sendable () -> Void) {
        let argument = Unmanaged.passRetained(Body(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, nil, { raw in
            guard let raw = DeviceThread.optional(raw) else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, argument)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(argument).release()
            return nil
        }
        #if canImport(Glibc)
        handle = thread
        #else
        guard let thread else { return nil }
        handle = thread
        #endif
    }

    /// Waits for the thread to end. Call once.
    func join() { _ = pthread_join(handle, nil) }

    private static func optional(_ pointer: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? { pointer }
}

/// A pipe one thread sleeps on (`wait(seconds:)`) and another wakes it through (`signal()`): the stop and wake-up
/// signal of `DeviceThread` loops. Once signalled it stays signalled until `drain()`.
final class WakeupPipe: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32

    init?() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        readEnd = ends[0]
        writeEnd = ends[1]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// The descriptor to poll for readability alongside others.
    var descriptor: Int32 { readEnd }

    /// Wakes every waiter, now and later.
    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe, so the next `wait` sleeps again.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Sleeps up to `seconds`; true when signalled.
    func wait(seconds: Double) -> Bool {
        var entry = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(seconds * 1000, 3_600_000)).rounded(.up))
        let result = poll(&entry, 1, milliseconds)
        return result > 0 && entry.revents & Int16(POLLIN) != 0
    }
}
