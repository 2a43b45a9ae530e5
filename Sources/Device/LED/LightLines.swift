#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CGpiod
import Synchronization

/// Output lines that light the status LEDs: each can be set lit or dark, nothing more (blinking is played in software
/// by `PatternPlayer`).
public protocol LightLines: Sendable {
    /// The LEDs these lines drive.
    var lights: [StatusLight] { get }
    func set(_ light: StatusLight, lit: Bool) throws(LEDError)
    /// Releases the lines (they keep their last value only as long as the driver does).
    func close()
}

/// GPIO lines through libgpiod 1.6 (the v1 API): the chip by name, number, label or path
/// (`gpiod_chip_open_lookup`), each LED's line requested as an output by consumer `rill-status`. `activeLow` makes
/// libgpiod invert the line, so "lit" is always lit.
public final class GpiodLines: LightLines {
    public let chipName: String
    public let lights: [StatusLight]
    private let state: Mutex<(chip: OpaquePointer?, lines: [StatusLight: OpaquePointer])>

    public init(chip chipName: String, green: Int?, red: Int?, activeLow: Bool) throws(LEDError) {
        guard green != nil || red != nil else { throw LEDError("GPIO LEDs", "no line configured (led_gpio_green_line, led_gpio_red_line)") }
        guard let chip = gpiod_chip_open_lookup(chipName) else {
            throw LEDError("GPIO chip \"\(chipName)\"", "cannot open: \(String(cString: strerror(errno))) (is it in /dev?)")
        }
        var lines: [StatusLight: OpaquePointer] = [:]
        for (light, offset) in [(StatusLight.green, green), (.red, red)] {
            guard let offset else { continue }
            guard let line = gpiod_chip_get_line(chip, UInt32(offset)) else {
                let reason = String(cString: strerror(errno))
                gpiod_chip_close(chip)
                throw LEDError("GPIO line \(offset) of \"\(chipName)\"", "no such line: \(reason)")
            }
            let flags = activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
            guard gpiod_line_request_output_flags(line, "rill-status", flags, 0) == 0 else {
                let reason = String(cString: strerror(errno))
                gpiod_chip_close(chip)
                throw LEDError("GPIO line \(offset) of \"\(chipName)\"", "cannot request it as an output: \(reason)")
            }
            lines[light] = line
        }
        self.chipName = chipName
        self.lights = StatusLight.allCases.filter { lines[$0] != nil }
        self.state = Mutex((chip, lines))
    }

    deinit { close() }

    public func set(_ light: StatusLight, lit: Bool) throws(LEDError) {
        let failure: Int32? = state.withLock { state in
            guard let line = state.lines[light] else { return nil }
            return gpiod_line_set_value(line, lit ? 1 : 0) == 0 ? nil : errno
        }
        if let failure { throw LEDError("GPIO \(light.rawValue) LED on \"\(chipName)\"", String(cString: strerror(failure))) }
    }

    public func close() {
        state.withLock { state in
            for line in state.lines.values { gpiod_line_release(line) }
            state.lines.removeAll()
            if let chip = state.chip { gpiod_chip_close(chip) }
            state.chip = nil
        }
    }
}
