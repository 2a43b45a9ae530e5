import Logging
import Synchronization
import TestSupport
import Testing

@testable import Device

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The LED state model, the sysfs backend against a directory tree shaped like /sys/class/leds (the exact writes per
/// state), the software pattern player through a recording `LightLines`, and libgpiod failing clearly on a missing
/// chip (no gpio-sim in this kernel).
@Suite struct StatusLightTests {
    @Test("the state is the most important fact that holds; idle when none does")
    func priorities() {
        #expect(DeviceState.current(DeviceFacts()) == .idle)
        #expect(DeviceState.current(DeviceFacts(downloading: true)) == .downloading)
        #expect(DeviceState.current(DeviceFacts(vpnDown: true, downloading: true)) == .vpnDown)
        #expect(DeviceState.current(DeviceFacts(setupNeeded: true, vpnDown: true)) == .setupNeeded)
        #expect(DeviceState.current(DeviceFacts(booting: true, setupNeeded: true)) == .booting)
        #expect(DeviceState.current(DeviceFacts(updating: true, booting: true)) == .updating)
        #expect(DeviceState.current(DeviceFacts(error: true, updating: true, booting: true, setupNeeded: true, vpnDown: true, downloading: true)) == .error)
        #expect(DeviceState.allCases.sorted() == [.error, .updating, .booting, .setupNeeded, .vpnDown, .downloading, .idle])
        // Every state looks different on the green LED alone (boards with one LED).
        #expect(Set(DeviceState.allCases.map { "\($0.scheme.green)" }).count == DeviceState.allCases.count)
    }

    @Test("patterns: lit or dark at each instant, and when the next change comes")
    func patterns() {
        let blink = LightPattern.blink(onMilliseconds: 100, offMilliseconds: 300)
        #expect(blink.isLit(atMilliseconds: 0))
        #expect(blink.isLit(atMilliseconds: 99))
        #expect(!blink.isLit(atMilliseconds: 100))
        #expect(!blink.isLit(atMilliseconds: 399))
        #expect(blink.isLit(atMilliseconds: 400))
        #expect(blink.nextChange(afterMilliseconds: 0) == 100)
        #expect(blink.nextChange(afterMilliseconds: 100) == 400)
        #expect(blink.nextChange(afterMilliseconds: 399) == 400)
        #expect(blink.nextChange(afterMilliseconds: 1234) == 1300)
        #expect(LightPattern.on.nextChange(afterMilliseconds: 5) == nil)
        let beats = (0..<1000).filter { LightPattern.heartbeat.isLit(atMilliseconds: $0) }
        #expect(beats.count == 140)
        #expect(LightPattern.heartbeat.nextChange(afterMilliseconds: 0) == 70)
        #expect(LightPattern.heartbeat.nextChange(afterMilliseconds: 400) == 1000)
        #expect(blink.inverted == .blink(onMilliseconds: 300, offMilliseconds: 100))
        #expect(LightPattern.on.inverted == .off)
    }

    /// /sys/class/leds/{ACT,PWR} as files: the attributes the kernel has (delay_on/off and invert exist here from
    /// the start; the kernel makes them when the trigger is set).
    static func ledTree(maxBrightness: String = "255") throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for led in ["ACT", "PWR"] {
            let folder = directory.path + "/" + led
            mkdir(folder, 0o755)
            let trigger = led == "ACT" ? "none rc-feedback [mmc0] timer heartbeat default-on\n" : "none timer heartbeat [default-on]\n"
            for (name, value) in [("trigger", trigger), ("brightness", "255\n"), ("max_brightness", maxBrightness + "\n"),
                                  ("delay_on", "-\n"), ("delay_off", "-\n"), ("invert", "-\n")] {
                try directory.write(led + "/" + name, Array(value.utf8))
            }
        }
        return directory
    }

    static func attributes(_ directory: TemporaryDirectory, _ led: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in ["trigger", "brightness", "delay_on", "delay_off", "invert"] {
            result[name] = String(decoding: try directory.read(directory.path + "/" + led + "/" + name), as: UTF8.self)
        }
        return result
    }

    @Test("sysfs: the exact attribute values written for each state, only changed LEDs rewritten, the original triggers restored")
    func sysfsWrites() throws {
        let tree = try Self.ledTree()
        let leds = try #require(SysfsLEDs(directory: tree.path, actInverted: false))
        #expect(leds.name == "sysfs (ACT, PWR)")
        let untouched = "-\n"

        try leds.show(DeviceState.booting.scheme, for: .booting)
        var act = try Self.attributes(tree, "ACT"), pwr = try Self.attributes(tree, "PWR")
        #expect(act == ["trigger": "heartbeat\n", "brightness": "255\n", "delay_on": untouched, "delay_off": untouched, "invert": "0\n"])
        #expect(pwr == ["trigger": "none\n", "brightness": "255\n", "delay_on": untouched, "delay_off": untouched, "invert": untouched])

        try leds.show(DeviceState.setupNeeded.scheme, for: .setupNeeded)
        act = try Self.attributes(tree, "ACT")
        pwr = try Self.attributes(tree, "PWR")
        #expect(act["trigger"] == "timer\n" && act["delay_on"] == "1000\n" && act["delay_off"] == "1000\n")
        #expect(pwr["trigger"] == "none\n" && pwr["brightness"] == "0\n")

        try leds.show(DeviceState.idle.scheme, for: .idle)
        act = try Self.attributes(tree, "ACT")
        #expect(act["trigger"] == "none\n" && act["brightness"] == "255\n")

        try leds.show(DeviceState.downloading.scheme, for: .downloading)
        act = try Self.attributes(tree, "ACT")
        #expect(act["trigger"] == "timer\n" && act["delay_on"] == "150\n" && act["delay_off"] == "150\n")

        // Red stays off from idle to downloading: PWR is not written again (mark it and see the mark survive).
        try tree.write("PWR/brightness", Array("mark\n".utf8))
        try leds.show(DeviceState.idle.scheme, for: .idle)
        #expect(try Self.attributes(tree, "PWR")["brightness"] == "mark\n")

        try leds.show(DeviceState.vpnDown.scheme, for: .vpnDown)
        act = try Self.attributes(tree, "ACT")
        pwr = try Self.attributes(tree, "PWR")
        #expect(act["trigger"] == "timer\n" && act["delay_on"] == "100\n" && act["delay_off"] == "1900\n")
        #expect(pwr["trigger"] == "timer\n" && pwr["delay_on"] == "500\n" && pwr["delay_off"] == "500\n")

        try leds.show(DeviceState.updating.scheme, for: .updating)
        act = try Self.attributes(tree, "ACT")
        pwr = try Self.attributes(tree, "PWR")
        #expect(act["trigger"] == "timer\n" && act["delay_on"] == "50\n" && act["delay_off"] == "50\n")
        #expect(pwr["trigger"] == "none\n" && pwr["brightness"] == "255\n")

        try leds.show(DeviceState.error.scheme, for: .error)
        act = try Self.attributes(tree, "ACT")
        pwr = try Self.attributes(tree, "PWR")
        #expect(act["trigger"] == "none\n" && act["brightness"] == "0\n")
        #expect(pwr["trigger"] == "timer\n" && pwr["delay_on"] == "100\n" && pwr["delay_off"] == "100\n")

        leds.restore()
        #expect(try Self.attributes(tree, "ACT")["trigger"] == "mmc0\n")
        #expect(try Self.attributes(tree, "PWR")["trigger"] == "default-on\n")
    }

    @Test("sysfs: an inverted ACT (Pi Zero) gets dark for on, swapped blink times and an inverted heartbeat; max_brightness is used")
    func sysfsInverted() throws {
        let tree = try Self.ledTree(maxBrightness: "1")
        let leds = try #require(SysfsLEDs(directory: tree.path, actInverted: true))
        try leds.show(DeviceState.idle.scheme, for: .idle)
        #expect(try Self.attributes(tree, "ACT")["brightness"] == "0\n")
        try leds.show(DeviceState.error.scheme, for: .error)
        #expect(try Self.attributes(tree, "ACT")["brightness"] == "1\n")
        try leds.show(DeviceState.vpnDown.scheme, for: .vpnDown)
        let act = try Self.attributes(tree, "ACT")
        #expect(act["delay_on"] == "1900\n" && act["delay_off"] == "100\n")
        try leds.show(DeviceState.booting.scheme, for: .booting)
        #expect(try Self.attributes(tree, "ACT")["invert"] == "1\n")
        #expect(try Self.attributes(tree, "PWR")["brightness"] == "1\n")
    }

    @Test("sysfs: only the LEDs that exist are used; none at all is no backend; a write that fails is an error naming the file")
    func sysfsMissing() throws {
        let tree = try Self.ledTree()
        #expect(SysfsLEDs(directory: tree.path + "/nothing", actInverted: false) == nil)
        unlink(tree.path + "/PWR/trigger")
        let leds = try #require(SysfsLEDs(directory: tree.path, actInverted: false))
        #expect(leds.name == "sysfs (ACT)")
        unlink(tree.path + "/ACT/delay_on")
        do {
            try leds.show(DeviceState.downloading.scheme, for: .downloading)
            Issue.record("a write to a missing attribute succeeded")
        } catch {
            #expect(error.what == tree.path + "/ACT/delay_on")
        }
    }

    @Test("StatusLights draws only on a change of state and reports a failing backend")
    func model() throws {
        let tree = try Self.ledTree()
        let backend = try #require(SysfsLEDs(directory: tree.path, actInverted: false))
        let lights = StatusLights(backend: backend, logger: Logger(label: "led-test"))
        #expect(lights.update(DeviceFacts(booting: true)) == .booting)
        #expect(lights.current == .booting)
        try tree.write("ACT/trigger", Array("mark\n".utf8))
        #expect(lights.update(DeviceFacts(booting: true)) == .booting)
        #expect(try Self.attributes(tree, "ACT")["trigger"] == "mark\n")
        #expect(lights.update(DeviceFacts()) == .idle)
        #expect(try Self.attributes(tree, "ACT")["trigger"] == "none\n")
        unlink(tree.path + "/ACT/delay_on")
        lights.update(DeviceFacts(downloading: true))
        #expect(lights.failure?.what.hasSuffix("ACT/delay_on") == true)
        #expect(lights.current == .idle)
    }

    @Test("DeviceSignals: facts nobody provides read false; providers are asked each time")
    func signals() async {
        let signals = DeviceSignals()
        #expect(await signals.isSetupNeeded() == false)
        #expect(await signals.isUpdating() == false)
        let setupDone = Flag()
        signals.provideSetupNeeded { !setupDone.value.withLock { $0 } }
        signals.provideUpdating { true }
        #expect(await signals.isSetupNeeded())
        setupDone.value.withLock { $0 = true }
        #expect(await signals.isSetupNeeded() == false)
        #expect(await signals.isUpdating())
    }

    @Test("the pattern player sets each line at its edges and says when the next edge is")
    func player() throws {
        let lines = RecordingLines()
        let player = PatternPlayer(lines: lines)
        var next = try player.play(DeviceState.vpnDown.scheme, at: 1000)
        #expect(lines.take() == ["green on", "red on"])
        #expect(next == 1100)
        next = try player.advance(to: 1100)
        #expect(lines.take() == ["green off"])
        #expect(next == 1500)
        next = try player.advance(to: 1500)
        #expect(lines.take() == ["red off"])
        #expect(next == 2000)
        next = try player.advance(to: 2000)
        #expect(lines.take() == ["red on"])
        next = try player.advance(to: 3000)
        #expect(lines.take() == ["green on"])
        next = try player.play(DeviceState.idle.scheme, at: 3050)
        #expect(lines.take() == ["red off"])
        #expect(next == nil)
        try player.advance(to: 9000)
        #expect(lines.take() == [])
    }

    @Test("GPIO LEDs: a missing chip fails with an error naming it; the real lines are not reachable here")
    func gpioMissingChip() {
        do {
            _ = try GpiodLines(chip: "gpiochip-rill-missing", green: 17, red: nil, activeLow: false)
            Issue.record("a missing GPIO chip opened")
        } catch {
            #expect(error.what == "GPIO chip \"gpiochip-rill-missing\"")
            #expect(error.reason.hasPrefix("cannot open"))
        }
        #expect(throws: LEDError.self) { try GpiodLines(chip: "gpiochip0", green: nil, red: nil, activeLow: false) }
    }

    @Test("GPIO LEDs play patterns on their own thread, in real time")
    func gpioThread() async throws {
        let lines = RecordingLines()
        let leds = try GPIOLEDs(lines: lines, name: "recording")
        try leds.show(DeviceState.downloading.scheme, for: .downloading)
        try await Task.sleep(for: .milliseconds(1000))
        let seen = lines.take()
        // 150/150 ms: about 6 edges a second; generous for a loaded machine, but it must blink.
        #expect(seen.count >= 3, "\(seen)")
        #expect(seen.first == "green on")
        try leds.show(DeviceState.idle.scheme, for: .idle)
        try await Task.sleep(for: .milliseconds(200))
        _ = lines.take()
        try await Task.sleep(for: .milliseconds(600))
        #expect(lines.take() == [])
        leds.restore()
        #expect(lines.take() == ["green off", "red off"])
        #expect(lines.closed.withLock { $0 })
    }
}

/// A flag a `@Sendable` closure can read.
final class Flag: Sendable {
    let value = Mutex(false)
}

/// `LightLines` that record what they are told: the interface the GPIO backend drives (no gpio-sim here).
final class RecordingLines: LightLines {
    let lights: [StatusLight] = [.green, .red]
    private let log = Mutex<[String]>([])
    let closed = Mutex(false)

    func set(_ light: StatusLight, lit: Bool) throws(LEDError) {
        log.withLock { $0.append("\(light.rawValue) \(lit ? "on" : "off")") }
    }

    func close() { closed.withLock { $0 = true } }

    /// What was set since the last call.
    func take() -> [String] {
        log.withLock { entries in
            defer { entries.removeAll() }
            return entries
        }
    }
}
