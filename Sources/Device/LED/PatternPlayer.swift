import Synchronization

/// Plays a `LightScheme` on `LightLines` in software, for LEDs that have no kernel triggers (GPIO LEDs).
///
/// Time is given in, in milliseconds on any steady clock: `play(_:at:)` starts a scheme, `advance(to:)` sets every
/// line whose level changed since the last call and returns when the next change is due. The caller sleeps until
/// then (`GPIOLEDs` does, on a thread of its own); tests step through time by hand.
public final class PatternPlayer: Sendable {
    private struct State {
        var scheme = LightScheme(green: .off, red: .off)
        var startedAt = 0
        var levels: [StatusLight: Bool] = [:]
    }

    public let lines: any LightLines
    private let state = Mutex(State())

    public init(lines: any LightLines) {
        self.lines = lines
    }

    /// Starts `scheme` at time `milliseconds` and sets the lines for that instant.
    @discardableResult
    public func play(_ scheme: LightScheme, at milliseconds: Int) throws(LEDError) -> Int? {
        state.withLock { state in
            state.scheme = scheme
            state.startedAt = milliseconds
        }
        return try advance(to: milliseconds)
    }

    /// Sets each line to its level at `milliseconds` (only lines whose level changed are written) and returns the
    /// time of the next change, or nil while both patterns are steady.
    @discardableResult
    public func advance(to milliseconds: Int) throws(LEDError) -> Int? {
        let (changes, next) = state.withLock { state -> ([(StatusLight, Bool)], Int?) in
            let elapsed = max(0, milliseconds - state.startedAt)
            var changes: [(StatusLight, Bool)] = []
            var next: Int?
            for light in lines.lights {
                let pattern = light == .green ? state.scheme.green : state.scheme.red
                let lit = pattern.isLit(atMilliseconds: elapsed)
                if state.levels[light] != lit { changes.append((light, lit)) }
                if let edge = pattern.nextChange(afterMilliseconds: elapsed) {
                    next = min(next ?? Int.max, state.startedAt + edge)
                }
            }
            return (changes, next)
        }
        for (light, lit) in changes {
            try lines.set(light, lit: lit)
            state.withLock { $0.levels[light] = lit }
        }
        return next
    }
}
