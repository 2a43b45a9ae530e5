/// What the kill switch last did, for the status API.
public struct KillSwitchStatus: Sendable, Equatable, Codable {
    /// Whether the engine may use the network now.
    public var online: Bool
    /// Why it may not ("wg0 is down", "no VPN is configured"), or `nil` while online.
    public var reason: String?
    /// CLOCK_MONOTONIC seconds when the engine last switched (compare with `/proc/uptime`-style clocks).
    public var changedAt: Double?
    /// Milliseconds from the interface change reaching the kill switch to the engine having switched.
    public var lastSwitchMilliseconds: Double?
    /// Engine switches so far.
    public var switches: Int

    public init(online: Bool, reason: String?, changedAt: Double? = nil, lastSwitchMilliseconds: Double? = nil, switches: Int = 0) {
        self.online = online
        self.reason = reason
        self.changedAt = changedAt
        self.lastSwitchMilliseconds = lastSwitchMilliseconds
        self.switches = switches
    }

    enum CodingKeys: String, CodingKey {
        case online, reason, changedAt = "changed_at_monotonic", lastSwitchMilliseconds = "last_switch_ms", switches
    }
}
