import Synchronization

/// The state one part of the daemon reports about itself, shown by `/api/v1/status` and, later, the LEDs and UI.
public struct SubsystemState: Sendable, Equatable, Codable {
    /// `starting`, `running`, `degraded`, `stopping`, `stopped` or `failed`.
    public enum Phase: String, Sendable, Codable {
        case starting, running, degraded, stopping, stopped, failed
    }

    public var phase: Phase
    /// Why the subsystem is not simply running, or what a person should know (a database that was set aside).
    public var detail: String?

    public init(_ phase: Phase, detail: String? = nil) {
        self.phase = phase
        self.detail = detail
    }
}

/// Where subsystems publish their state. Thread-safe; reading is a copy of a small dictionary.
public final class SubsystemStates: Sendable {
    private let states = Mutex<[String: SubsystemState]>([:])

    public init() {}

    /// Records the state of subsystem `name` (`store`, `http`, ...).
    public func set(_ name: String, _ state: SubsystemState) {
        states.withLock { $0[name] = state }
    }

    /// Every subsystem's latest state.
    public var snapshot: [String: SubsystemState] {
        states.withLock { $0 }
    }
}
