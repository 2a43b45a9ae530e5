#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CFuse3
import Synchronization

/// A watchdog device for tests where no watchdog driver can be loaded (no softdog, no CUSE in this kernel): a FUSE
/// file system, served by this process, whose one file `watchdog` behaves like the kernel's watchdog core
/// (`drivers/watchdog/watchdog_dev.c`) towards its user. The code under test reaches it through real system calls —
/// `open`, `write`, `ioctl(WDIOC_*)` (FUSE passes "restricted" ioctls whose size is encoded in the number),
/// `close` — so it cannot tell it from `/dev/watchdog`, except that nothing resets: the fake records when the timer
/// ran out (`expiries`) instead.
///
/// Semantics copied from the watchdog core: one opener at a time (`EBUSY`); opening starts the timer; every write and
/// `WDIOC_KEEPALIVE` restarts it; a write containing `V` arms the magic close, and only a close after that stops the
/// timer (any other close leaves it running: "watchdog did not stop!"); `WDIOC_SETTIMEOUT` outside 1…`maxTimeout`
/// is `EINVAL`.
public final class FakeWatchdog: Sendable {
    /// One thing the device saw, at `SystemFacts`-style monotonic seconds.
    public struct Event: Sendable, Equatable {
        public enum Kind: String, Sendable { case open, close, keepalive, write, magicWrite, setTimeout, refusedOpen }
        public let kind: Kind
        public let at: Double
    }

    /// The device's state.
    public struct State: Sendable {
        public var timeoutSeconds: Int
        public var isOpen = false
        /// The timer runs (opened, and not closed after a magic write).
        public var running = false
        public var expectClose = false
        public var lastPing: Double = 0
        public var events: [Event] = []
        /// When the timer ran out while running (the board would have reset then); checked on each event and on
        /// every read of `state`.
        public var expiries: [Double] = []

        /// The times of keepalives and writes (feeds), in order.
        public var feeds: [Double] { events.filter { $0.kind == .keepalive || $0.kind == .write || $0.kind == .magicWrite }.map(\.at) }
    }

    public let mountPoint: String
    /// The path the code under test opens.
    public var path: String { mountPoint + "/watchdog" }
    public let maxTimeout: Int
    let shared: Mutex<State>
    private let box: FakeWatchdogBox
    /// The `struct fuse *`, as an address (pointers are not `Sendable`).
    private let fuseAddress: UInt
    private var fuse: OpaquePointer { OpaquePointer(bitPattern: fuseAddress)! }
    private let thread: Mutex<pthread_t?> = Mutex(nil)

    /// Mounts the file system on `mountPoint` (an empty directory) and serves it from a thread of its own.
    public init(mountPoint: String, defaultTimeout: Int = 60, maxTimeout: Int = 15) throws {
        self.mountPoint = mountPoint
        self.maxTimeout = maxTimeout
        self.shared = Mutex(State(timeoutSeconds: defaultTimeout))
        var operations = fuse_operations()
        operations.getattr = { path, stat, _ in FakeWatchdog.getattr(path, stat) }
        operations.open = { path, info in FakeWatchdog.current?.open(path, info) ?? -EIO }
        operations.write = { _, buffer, size, _, _ in FakeWatchdog.current?.write(buffer, size) ?? -EIO }
        operations.ioctl = { _, command, _, _, _, data in FakeWatchdog.current?.ioctl(UInt32(bitPattern: command), data) ?? -EIO }
        operations.release = { _, _ in FakeWatchdog.current?.release() ?? 0 }
        // Each mount's callbacks find their own device through the FUSE context's private data (a box that is
        // filled once `self` exists), so fakes in tests that run in parallel do not mix.
        operations.truncate = { _, _, _ in 0 }
        var arguments = fuse_args(argc: 0, argv: nil, allocated: 0)
        _ = fuse_opt_add_arg(&arguments, "rill-fake-watchdog")
        defer { fuse_opt_free_args(&arguments) }
        let box = FakeWatchdogBox()
        self.box = box
        guard let fuse = fuse_new(&arguments, &operations, MemoryLayout<fuse_operations>.size, Unmanaged.passUnretained(box).toOpaque()) else {
            throw FakeWatchdogError("fuse_new failed")
        }
        self.fuseAddress = UInt(bitPattern: Int(bitPattern: UnsafeMutableRawPointer(fuse)))
        guard fuse_mount(fuse, mountPoint) == 0 else {
            fuse_destroy(fuse)
            throw FakeWatchdogError("cannot mount FUSE on \(mountPoint) (needs /dev/fuse and root)")
        }
        box.device.withLock { $0 = self }
        let raw = fuseAddress
        var handle = pthread_t()
        let started = pthread_create(&handle, nil, { argument in
            guard let argument else { return nil }
            _ = fuse_loop(OpaquePointer(argument))
            return nil
        }, UnsafeMutableRawPointer(bitPattern: raw))
        guard started == 0 else {
            umount2(mountPoint, Int32(MNT_DETACH))
            fuse_destroy(fuse)
            throw FakeWatchdogError("pthread_create failed")
        }
        thread.withLock { $0 = handle }
    }

    /// Unmounts and ends the serving thread. Call once, after the code under test closed the device.
    public func stop() {
        guard let handle = thread.withLock({ thread -> pthread_t? in defer { thread = nil }; return thread }) else { return }
        fuse_exit(fuse)
        umount2(mountPoint, Int32(MNT_DETACH))
        pthread_join(handle, nil)
        fuse_destroy(fuse)
        box.device.withLock { $0 = nil }
    }

    deinit { stop() }

    /// The state now (expiries brought up to date).
    public var state: State {
        shared.withLock { state in
            Self.checkExpiry(&state, now: Self.now())
            return state
        }
    }

    /// Waits (up to `seconds`) until the device is closed and returns the state: FUSE delivers the final close
    /// (`release`) after `close(2)` has returned, as the kernel does for every file system.
    public func stateAfterClose(seconds: Double = 5) -> State {
        let deadline = Self.now() + seconds
        while shared.withLock({ $0.isOpen }), Self.now() < deadline { usleep(10_000) }
        return state
    }

    /// Whether this kernel and process can mount the fake: nil when they can, else why not.
    public static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "not root: mounting FUSE needs root" }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else { return "no /dev/fuse" }
        return nil
    }()

    // MARK: the file system

    /// The device whose mount made the current FUSE callback.
    fileprivate static var current: FakeWatchdog? {
        guard let data = fuse_get_context()?.pointee.private_data else { return nil }
        return Unmanaged<FakeWatchdogBox>.fromOpaque(data).takeUnretainedValue().device.withLock { $0 }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func checkExpiry(_ state: inout State, now: Double) {
        guard state.running else { return }
        let deadline = state.lastPing + Double(state.timeoutSeconds)
        if now > deadline, state.expiries.last.map({ $0 < state.lastPing }) ?? true {
            state.expiries.append(deadline)
        }
    }

    private static func getattr(_ path: UnsafePointer<CChar>?, _ attributes: UnsafeMutablePointer<stat>?) -> Int32 {
        guard let path, let attributes else { return -EINVAL }
        memset(attributes, 0, MemoryLayout<stat>.size)
        switch String(cString: path) {
        case "/":
            attributes.pointee.st_mode = S_IFDIR | 0o755
            attributes.pointee.st_nlink = 2
        case "/watchdog":
            attributes.pointee.st_mode = S_IFREG | 0o600
            attributes.pointee.st_nlink = 1
        default:
            return -ENOENT
        }
        return 0
    }

    private func record(_ kind: Event.Kind, _ state: inout State, now: Double) {
        Self.checkExpiry(&state, now: now)
        state.events.append(Event(kind: kind, at: now))
    }

    private func open(_ path: UnsafePointer<CChar>?, _ info: UnsafeMutablePointer<fuse_file_info>?) -> Int32 {
        guard let path, String(cString: path) == "/watchdog" else { return -ENOENT }
        info?.pointee.direct_io = 1
        info?.pointee.nonseekable = 1
        let now = Self.now()
        return shared.withLock { state in
            guard !state.isOpen else {
                record(.refusedOpen, &state, now: now)
                return -EBUSY
            }
            record(.open, &state, now: now)
            state.isOpen = true
            state.running = true
            state.expectClose = false
            state.lastPing = now
            return 0
        }
    }

    private func write(_ buffer: UnsafePointer<CChar>?, _ size: Int) -> Int32 {
        guard let buffer else { return -EINVAL }
        let magic = UnsafeBufferPointer(start: buffer, count: size).contains(CChar(UInt8(ascii: "V")))
        let now = Self.now()
        shared.withLock { state in
            record(magic ? .magicWrite : .write, &state, now: now)
            state.expectClose = magic
            state.lastPing = now
        }
        return Int32(size)
    }

    private func ioctl(_ command: UInt32, _ data: UnsafeMutableRawPointer?) -> Int32 {
        let now = Self.now()
        return shared.withLock { state in
            switch command {
            case 0x8004_5705:  // WDIOC_KEEPALIVE
                record(.keepalive, &state, now: now)
                state.lastPing = now
                return 0
            case 0xC004_5706:  // WDIOC_SETTIMEOUT
                guard let data else { return -EFAULT }
                let asked = Int(data.load(as: Int32.self))
                guard (1...maxTimeout).contains(asked) else { return -EINVAL }
                record(.setTimeout, &state, now: now)
                state.timeoutSeconds = asked
                state.lastPing = now  // the core pings after a new timeout
                data.storeBytes(of: Int32(asked), as: Int32.self)
                return 0
            case 0x8004_5707:  // WDIOC_GETTIMEOUT
                guard let data else { return -EFAULT }
                data.storeBytes(of: Int32(state.timeoutSeconds), as: Int32.self)
                return 0
            default:
                return -ENOTTY
            }
        }
    }

    private func release() -> Int32 {
        let now = Self.now()
        shared.withLock { state in
            record(.close, &state, now: now)
            state.isOpen = false
            if state.expectClose { state.running = false }
            state.expectClose = false
        }
        return 0
    }
}

/// Where FUSE callbacks (plain C functions, no captures) find the device they serve: the mount's private data.
/// It holds the device until `stop()`.
private final class FakeWatchdogBox: Sendable {
    let device = Mutex<FakeWatchdog?>(nil)
}

public struct FakeWatchdogError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
