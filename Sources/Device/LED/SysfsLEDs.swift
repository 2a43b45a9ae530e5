#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// The board's own LEDs through the kernel's LED class (`/sys/class/leds/<name>/`): green is `ACT`, red is `PWR`
/// (their names on Raspberry Pi OS bookworm kernels). A pattern becomes a trigger and its attributes:
///
/// | pattern | writes |
/// |---|---|
/// | off | `trigger` = `none`, `brightness` = `0` |
/// | on | `trigger` = `none`, `brightness` = `max_brightness` |
/// | blink | `trigger` = `timer`, `delay_on`, `delay_off` (milliseconds) |
/// | heartbeat | `trigger` = `heartbeat`, `invert` = `0` (or `1` on an inverted LED) |
///
/// An inverted LED (the Pi Zero's ACT lights at brightness 0) gets `LightPattern.inverted`. Only LEDs whose folder
/// exists are used; an LED whose pattern did not change is not written again. The trigger and brightness found at
/// start are put back by `restore()`.
public final class SysfsLEDs: StatusLightBackend {
    struct LED: Sendable {
        let light: StatusLight
        let folder: String
        let inverted: Bool
        let maxBrightness: String
        let originalTrigger: String?
        let originalBrightness: String?
    }

    public let name: String
    let leds: [LED]
    private let shown = Mutex<[StatusLight: LightPattern]>([:])

    /// The LEDs found under `directory` (`/sys/class/leds`); nil when neither `ACT` nor `PWR` is there.
    public init?(directory: String, actInverted: Bool) {
        var leds: [LED] = []
        for (light, file, inverted) in [(StatusLight.green, "ACT", actInverted), (.red, "PWR", false)] {
            let folder = directory + "/" + file
            guard access(folder + "/trigger", W_OK) == 0 else { continue }
            let max = Self.read(folder + "/max_brightness").flatMap { Int($0) }.map(String.init) ?? "1"
            leds.append(LED(
                light: light, folder: folder, inverted: inverted, maxBrightness: max,
                originalTrigger: Self.read(folder + "/trigger").flatMap(Self.activeTrigger),
                originalBrightness: Self.read(folder + "/brightness")
            ))
        }
        guard !leds.isEmpty else { return nil }
        self.leds = leds
        self.name = "sysfs (" + leds.map { $0.folder.split(separator: "/").last.map(String.init) ?? $0.folder }.joined(separator: ", ") + ")"
    }

    public func show(_ scheme: LightScheme, for state: DeviceState) throws(LEDError) {
        for led in leds {
            let pattern = led.light == .green ? scheme.green : scheme.red
            guard shown.withLock({ $0[led.light] }) != pattern else { continue }
            try draw(pattern, on: led)
            shown.withLock { $0[led.light] = pattern }
        }
    }

    public func restore() {
        for led in leds {
            if let trigger = led.originalTrigger { try? Self.put(trigger, to: led.folder + "/trigger") }
            if led.originalTrigger == "none", let brightness = led.originalBrightness {
                try? Self.put(brightness, to: led.folder + "/brightness")
            }
        }
        shown.withLock { $0.removeAll() }
    }

    private func draw(_ pattern: LightPattern, on led: LED) throws(LEDError) {
        let drawn = led.inverted ? pattern.inverted : pattern
        switch drawn {
        case .off:
            try Self.put("none", to: led.folder + "/trigger")
            try Self.put("0", to: led.folder + "/brightness")
        case .on:
            try Self.put("none", to: led.folder + "/trigger")
            try Self.put(led.maxBrightness, to: led.folder + "/brightness")
        case .blink(let on, let off):
            // Setting the trigger makes the kernel create delay_on and delay_off.
            try Self.put("timer", to: led.folder + "/trigger")
            try Self.put(String(on), to: led.folder + "/delay_on")
            try Self.put(String(off), to: led.folder + "/delay_off")
        case .heartbeat:
            try Self.put("heartbeat", to: led.folder + "/trigger")
            try Self.put(led.inverted ? "1" : "0", to: led.folder + "/invert")
        }
    }

    /// The active trigger of a `trigger` file's list: the one in brackets (`none [mmc0] timer` → `mmc0`).
    static func activeTrigger(_ list: String) -> String? {
        for word in list.split(separator: " ") where word.hasPrefix("[") && word.hasSuffix("]") {
            return String(word.dropFirst().dropLast())
        }
        return nil
    }

    /// A small attribute file's text without its trailing newline; nil when unreadable.
    static func read(_ path: String) -> String? {
        SystemFacts.readSmallFile(path)?.trimmingSuffix { $0 == "\n" || $0 == " " }
    }

    /// Writes one attribute as `echo` would, in one write call (sysfs takes one value per write).
    static func put(_ value: String, to path: String) throws(LEDError) {
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else { throw LEDError(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array((value + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw LEDError(path, "cannot write \"\(value)\": \(String(cString: strerror(errno)))")
        }
    }
}
