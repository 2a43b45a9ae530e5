#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// An open Linux watchdog device (`/dev/watchdog`), spoken to through the kernel's watchdog API
/// (`Documentation/watchdog/watchdog-api.rst`).
///
/// Opening it starts the timer: from then on the board resets unless `keepAlive()` comes within the timeout.
/// Closing it stops the timer only after `closeDisarmed()` wrote the magic character `V`; any other close (a crash)
/// leaves it running, so the next owner — or the reset — takes over. The kernel lets one process hold it at a time.
public final class WatchdogDevice: Sendable {
    public let path: String
    private let descriptor: Mutex<Int32>

    /// Opens the device, which starts its timer.
    public init(path: String) throws(WatchdogError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw WatchdogError(path: path, operation: "open", errno: errno) }
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        // A device dropped without `closeDisarmed()` stays armed, as after a crash.
        descriptor.withLock { if $0 >= 0 { close($0) } }
    }

    /// Asks for a timeout and returns the one the driver took (it may round, or cap: bcm2835_wdt allows 15 s).
    @discardableResult
    public func setTimeout(seconds: Int) throws(WatchdogError) -> Int {
        var value = Int32(seconds)
        try control(WatchdogIoctl.setTimeout, &value, "WDIOC_SETTIMEOUT")
        return Int(value)
    }

    /// The timeout in force, read back from the driver.
    public func timeout() throws(WatchdogError) -> Int {
        var value: Int32 = 0
        try control(WatchdogIoctl.getTimeout, &value, "WDIOC_GETTIMEOUT")
        return Int(value)
    }

    /// Restarts the timer.
    public func keepAlive() throws(WatchdogError) {
        // _IOR: the kernel may copy an int back, so hand it one (drivers ignore it).
        var unused: Int32 = 0
        try control(WatchdogIoctl.keepAlive, &unused, "WDIOC_KEEPALIVE")
    }

    /// Whether the driver says the last reset was its doing (`WDIOF_CARDRESET` in `WDIOC_GETBOOTSTATUS`); nil when
    /// the driver cannot tell.
    public func lastResetWasWatchdog() -> Bool? {
        var value: Int32 = 0
        guard (try? control(WatchdogIoctl.getBootStatus, &value, "WDIOC_GETBOOTSTATUS")) != nil else { return nil }
        return value & WatchdogIoctl.cardReset != 0
    }

    /// The driver's name for itself (`WDIOC_GETSUPPORT`), e.g. `Broadcom BCM2835 Watchdog timer`; nil when it
    /// does not say.
    public func identity() -> String? {
        // struct watchdog_info { __u32 options; __u32 firmware_version; __u8 identity[32]; }
        var info = [UInt8](repeating: 0, count: 40)
        let result = descriptor.withLock { descriptor in
            info.withUnsafeMutableBytes { ioctl(descriptor, WatchdogIoctl.getSupport, $0.baseAddress!) }
        }
        guard result == 0 else { return nil }
        let name = info[8..<40].prefix { $0 != 0 }
        return name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
    }

    /// Writes the magic character `V`, then closes: the timer stops. Idempotent.
    public func closeDisarmed() throws(WatchdogError) {
        let failure: Int32? = descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return nil }
            var magic = UInt8(ascii: "V")
            let written = write(descriptor, &magic, 1)
            let error = written == 1 ? nil : errno
            close(descriptor)
            descriptor = -1
            return error
        }
        if let failure { throw WatchdogError(path: path, operation: "magic close", errno: failure) }
    }

    /// Closes without the magic character: the timer keeps running (what a crash does). For tests and for giving
    /// up ownership when the daemon cannot shut down cleanly.
    public func closeArmed() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    private func control(_ request: UInt, _ value: inout Int32, _ name: String) throws(WatchdogError) {
        let result: Int32 = descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return EBADF }
            return withUnsafeMutablePointer(to: &value) { ioctl(descriptor, request, $0) } == 0 ? 0 : errno
        }
        if result != 0 { throw WatchdogError(path: path, operation: name, errno: result) }
    }
}

/// The watchdog ioctl numbers of `<linux/watchdog.h>` (the `_IOR`/`_IOWR` macros do not import into Swift):
/// `_IOC(direction, 'W', number, size)` = direction << 30 | size << 16 | 0x57 << 8 | number, the same on x86_64
/// and arm64.
enum WatchdogIoctl {
    static let getSupport: UInt = 0x8028_5700   // _IOR('W', 0, struct watchdog_info), 40 bytes
    static let getBootStatus: UInt = 0x8004_5702  // _IOR('W', 2, int)
    static let keepAlive: UInt = 0x8004_5705    // _IOR('W', 5, int)
    static let setTimeout: UInt = 0xC004_5706   // _IOWR('W', 6, int)
    static let getTimeout: UInt = 0x8004_5707   // _IOR('W', 7, int)
    /// `WDIOF_CARDRESET`: the last reboot was caused by the watchdog.
    static let cardReset: Int32 = 0x0020
}
