import Logging
import Synchronization

/// The status LEDs' state model: given the daemon's facts, picks the state (`DeviceState.current`) and draws its
/// scheme on the backend when the state changes. A backend that fails is reported once per failure streak; drawing
/// is tried again on the next change.
public final class StatusLights: Sendable {
    public let backend: any StatusLightBackend
    private let logger: Logger
    private let state = Mutex<(shown: DeviceState?, failure: LEDError?)>((nil, nil))

    public init(backend: any StatusLightBackend, logger: Logger) {
        self.backend = backend
        self.logger = logger
    }

    /// The state now shown, nil before the first `update`.
    public var current: DeviceState? { state.withLock { $0.shown } }

    /// The backend's latest failure, nil while it draws fine.
    public var failure: LEDError? { state.withLock { $0.failure } }

    /// Works out the state from `facts` and draws it if it changed. Returns the state.
    @discardableResult
    public func update(_ facts: DeviceFacts) -> DeviceState {
        let next = DeviceState.current(facts)
        guard state.withLock({ $0.shown }) != next else { return next }
        do {
            try backend.show(next.scheme, for: next)
            state.withLock { $0 = (next, nil) }
            logger.debug("status light", metadata: ["state": "\(next.rawValue)", "backend": "\(backend.name)"])
        } catch {
            let first = state.withLock { state -> Bool in
                defer { state.failure = error }
                return state.failure == nil
            }
            if first { logger.error("status light not drawn", metadata: ["backend": "\(backend.name)", "error": "\(error)"]) }
        }
        return next
    }

    /// Gives the LEDs back as they were found.
    public func restore() {
        backend.restore()
        state.withLock { $0.shown = nil }
    }
}
