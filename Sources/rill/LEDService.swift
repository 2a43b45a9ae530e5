import Device
import ServiceLifecycle

/// Draws the status LEDs: once a second it gathers the daemon's facts, lets `StatusLights` pick the state and draw
/// it when it changed, and reports it as the `leds` subsystem. At shutdown the LEDs are given back as they were.
struct LEDService: Service {
    let lights: StatusLights
    let facts: @Sendable () async -> DeviceFacts
    let states: SubsystemStates

    func run() async throws {
        let lights = lights, facts = facts, states = states
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let state = lights.update(await facts())
                if let failure = lights.failure {
                    states.set("leds", SubsystemState(.degraded, detail: "\(lights.backend.name): \(failure)"))
                } else {
                    states.set("leds", SubsystemState(.running, detail: "\(state.rawValue) on \(lights.backend.name)"))
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
        lights.restore()
        states.set("leds", SubsystemState(.stopped, detail: lights.backend.name))
    }
}
