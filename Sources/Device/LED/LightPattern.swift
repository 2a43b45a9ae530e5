/// How one LED behaves over time.
public enum LightPattern: Sendable, Equatable, CustomStringConvertible {
    case off
    case on
    /// On for `onMilliseconds`, off for `offMilliseconds`, repeating (the kernel's `timer` trigger).
    case blink(onMilliseconds: Int, offMilliseconds: Int)
    /// Two short flashes a second (the kernel's `heartbeat` trigger, at its idle pace).
    case heartbeat

    /// The heartbeat's phases in milliseconds: on, off, on, off (the kernel's at low load).
    static let heartbeatPhases = [70, 180, 70, 680]

    public var description: String {
        switch self {
        case .off: "off"
        case .on: "on"
        case .blink(let on, let off): "blinking \(on)/\(off) ms"
        case .heartbeat: "heartbeat"
        }
    }

    /// Whether the LED is lit `milliseconds` after the pattern began.
    public func isLit(atMilliseconds milliseconds: Int) -> Bool {
        switch self {
        case .off: return false
        case .on: return true
        case .blink(let on, let off):
            return milliseconds % max(1, on + off) < on
        case .heartbeat:
            let phases = Self.heartbeatPhases
            var offset = milliseconds % phases.reduce(0, +)
            for (index, length) in phases.enumerated() {
                if offset < length { return index % 2 == 0 }
                offset -= length
            }
            return false
        }
    }

    /// The first time after `milliseconds` at which the LED changes, or nil for a steady pattern.
    public func nextChange(afterMilliseconds milliseconds: Int) -> Int? {
        let phases: [Int]
        switch self {
        case .off, .on: return nil
        case .blink(let on, let off): phases = [on, off]
        case .heartbeat: phases = Self.heartbeatPhases
        }
        let period = max(1, phases.reduce(0, +))
        let start = milliseconds - milliseconds % period
        var edge = start
        for length in phases + phases {
            edge += length
            if edge > milliseconds { return edge }
        }
        return start + period
    }

    /// The same pattern on an LED that lights when told "off" (the Pi Zero's ACT): lit and dark times swap.
    public var inverted: LightPattern {
        switch self {
        case .off: .on
        case .on: .off
        case .blink(let on, let off): .blink(onMilliseconds: off, offMilliseconds: on)
        case .heartbeat: .heartbeat  // the heartbeat trigger inverts itself (`invert` attribute)
        }
    }
}

/// Both status LEDs' patterns.
public struct LightScheme: Sendable, Equatable, CustomStringConvertible {
    public var green: LightPattern
    public var red: LightPattern

    public init(green: LightPattern, red: LightPattern) {
        self.green = green
        self.red = red
    }

    public var description: String { "green \(green), red \(red)" }
}

/// One of the two status LEDs.
public enum StatusLight: String, Sendable, CaseIterable {
    /// The Pi's ACT LED, or the GPIO line `led_gpio_green_line`.
    case green
    /// The Pi's PWR LED, or the GPIO line `led_gpio_red_line`.
    case red
}
