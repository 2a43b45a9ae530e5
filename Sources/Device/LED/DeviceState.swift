/// What the status LEDs show: one state at a time, the most important of those that hold.
///
/// The cases are in priority order, most important first: an error outranks an update, which outranks booting,
/// and so on down to idle, which holds when nothing else does.
public enum DeviceState: String, Sendable, CaseIterable, Comparable, Encodable {
    /// The health checks fail, or the daemon runs in safe mode after a crash loop.
    case error
    /// An update is being installed.
    case updating
    /// The daemon is starting: the web server is not listening yet, or the engine is still starting.
    case booting
    /// The first-boot setup has not been completed.
    case setupNeeded = "setup_needed"
    /// A VPN is configured or required, and it is down: downloads are paused (kill switch).
    case vpnDown = "vpn_down"
    /// At least one torrent is downloading.
    case downloading
    /// None of the above.
    case idle

    /// 0 for the most important state.
    public var priority: Int { Self.allCases.firstIndex(of: self) ?? Self.allCases.count }

    public static func < (lhs: DeviceState, rhs: DeviceState) -> Bool { lhs.priority < rhs.priority }

    /// The most important state among `facts`.
    public static func current(_ facts: DeviceFacts) -> DeviceState {
        if facts.error { return .error }
        if facts.updating { return .updating }
        if facts.booting { return .booting }
        if facts.setupNeeded { return .setupNeeded }
        if facts.vpnDown { return .vpnDown }
        if facts.downloading { return .downloading }
        return .idle
    }

    /// How the two status LEDs show this state. Green is the Pi's ACT LED, red its PWR LED; each state is told apart
    /// on green alone too, for boards with one LED (the Zero), except that error leaves green dark.
    public var scheme: LightScheme {
        switch self {
        case .booting: LightScheme(green: .heartbeat, red: .on)
        case .setupNeeded: LightScheme(green: .blink(onMilliseconds: 1000, offMilliseconds: 1000), red: .off)
        case .idle: LightScheme(green: .on, red: .off)
        case .downloading: LightScheme(green: .blink(onMilliseconds: 150, offMilliseconds: 150), red: .off)
        case .vpnDown: LightScheme(green: .blink(onMilliseconds: 100, offMilliseconds: 1900), red: .blink(onMilliseconds: 500, offMilliseconds: 500))
        case .updating: LightScheme(green: .blink(onMilliseconds: 50, offMilliseconds: 50), red: .on)
        case .error: LightScheme(green: .off, red: .blink(onMilliseconds: 100, offMilliseconds: 100))
        }
    }
}

/// The facts the LED state is made from, gathered by the daemon each second from its own parts.
public struct DeviceFacts: Sendable, Equatable {
    public var error = false
    public var updating = false
    public var booting = false
    public var setupNeeded = false
    public var vpnDown = false
    public var downloading = false

    public init(
        error: Bool = false, updating: Bool = false, booting: Bool = false, setupNeeded: Bool = false,
        vpnDown: Bool = false, downloading: Bool = false
    ) {
        self.error = error
        self.updating = updating
        self.booting = booting
        self.setupNeeded = setupNeeded
        self.vpnDown = vpnDown
        self.downloading = downloading
    }
}
