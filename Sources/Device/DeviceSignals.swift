import Synchronization

/// Facts that parts other than the device services own, handed in where the daemon is wired: whether the first-boot
/// setup is still to be done (the web's setup wizard) and whether an update is being installed (OTA). The status
/// LEDs read them; a fact nobody provides reads false.
public final class DeviceSignals: Sendable {
    private let providers = Mutex<(setupNeeded: (@Sendable () async -> Bool)?, updating: (@Sendable () async -> Bool)?)>((nil, nil))

    public init() {}

    /// From now on, `isSetupNeeded()` asks `provider`.
    public func provideSetupNeeded(_ provider: @escaping @Sendable () async -> Bool) {
        providers.withLock { $0.setupNeeded = provider }
    }

    /// From now on, `isUpdating()` asks `provider`.
    public func provideUpdating(_ provider: @escaping @Sendable () async -> Bool) {
        providers.withLock { $0.updating = provider }
    }

    public func isSetupNeeded() async -> Bool {
        guard let provider = providers.withLock({ $0.setupNeeded }) else { return false }
        return await provider()
    }

    public func isUpdating() async -> Bool {
        guard let provider = providers.withLock({ $0.updating }) else { return false }
        return await provider()
    }
}
