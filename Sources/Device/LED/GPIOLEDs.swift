import Synchronization

/// Status LEDs on GPIO lines (`[device] led_gpio_*`): patterns are played by a `PatternPlayer` on a thread of its
/// own that sleeps until the next edge (steady patterns cost no wake-ups).
public final class GPIOLEDs: StatusLightBackend {
    public let name: String
    private let player: PatternPlayer
    private let wake: WakeupPipe
    private let stopped = Mutex(false)
    private let thread = Mutex<DeviceThread?>(nil)
    private let problem = Mutex<LEDError?>(nil)

    public init(lines: any LightLines, name: String) throws(LEDError) {
        guard let wake = WakeupPipe() else { throw LEDError(name, "no pipe for the pattern thread") }
        self.name = name
        self.player = PatternPlayer(lines: lines)
        self.wake = wake
    }

    public func show(_ scheme: LightScheme, for state: DeviceState) throws(LEDError) {
        try player.play(scheme, at: Self.now())
        if let problem = problem.withLock({ $0 }) { throw problem }
        let running = thread.withLock { $0 != nil }
        if !running {
            guard let started = DeviceThread(body: { [self] in loop() }) else { throw LEDError(name, "no thread for the patterns") }
            thread.withLock { $0 = started }
        } else {
            wake.signal()
        }
    }

    public func restore() {
        stopped.withLock { $0 = true }
        wake.signal()
        thread.withLock { thread in
            thread?.join()
            thread = nil
        }
        for light in player.lines.lights { try? player.lines.set(light, lit: false) }
        player.lines.close()
    }

    private func loop() {
        while !stopped.withLock({ $0 }) {
            let now = Self.now()
            var next: Int?
            do {
                next = try player.advance(to: now)
            } catch {
                problem.withLock { $0 = error }
            }
            let seconds = next.map { Double(max(0, $0 - now)) / 1000 } ?? 3600
            if wake.wait(seconds: seconds) { wake.drain() }
        }
    }

    static func now() -> Int { Int(SystemFacts.monotonicSeconds() * 1000) }
}

/// The log as the status LEDs' backend, where the board has none (the QEMU test board, development): each change
/// of state is one line.
public final class LogLEDs: StatusLightBackend {
    public let name = "log"
    private let say: @Sendable (String) -> Void

    /// `say` receives one line per change (the daemon passes its logger).
    public init(say: @escaping @Sendable (String) -> Void) {
        self.say = say
    }

    public func show(_ scheme: LightScheme, for state: DeviceState) throws(LEDError) {
        say("status light: \(state.rawValue) (\(scheme))")
    }

    public func restore() {}
}
