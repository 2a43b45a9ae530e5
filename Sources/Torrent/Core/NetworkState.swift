import Synchronization

/// Whether the engine may use the network, and how. Netguard's kill switch sets it from the VPN interface's
/// state; without a VPN the engine is online with ``NetworkBinding/unbound``.
public enum NetworkState: Sendable, CustomStringConvertible {
    /// Every socket the engine opens obeys `binding`; host names go to `resolver` (never libc's).
    case online(NetworkBinding, resolver: any HostResolver)
    /// Nothing is sent and nothing accepted; `reason` is for people ("wg0 is down").
    case offline(reason: String)

    /// The binding while online, `nil` while offline.
    public var binding: NetworkBinding? {
        if case .online(let binding, _) = self { binding } else { nil }
    }

    public var isOnline: Bool { binding != nil }

    /// Why the engine is offline, or `nil` while online.
    public var offlineReason: String? {
        if case .offline(let reason) = self { reason } else { nil }
    }

    public var description: String {
        switch self {
        case .online(let binding, _):
            "online via \(binding.interfaceName ?? "any interface")\(binding.sourceAddress.map { " from \($0)" } ?? "")"
                + (binding.ipv6SourceAddress.map { " and \($0)" } ?? "")
        case .offline(let reason): "offline: \(reason)"
        }
    }
}

/// The engine's current ``NetworkState``, readable from any thread: the event loop reads it before dialling or
/// admitting a peer, announcers before every announce, trackers through ``resolve(host:)``.
///
/// Contract: ``resolve(host:)`` forwards to the current state's resolver and fails at once while offline, so
/// the trackers (which keep one resolver for the engine's life) follow the VPN as it comes and goes.
final class EngineNetwork: HostResolver, Sendable {
    private let state: Mutex<NetworkState>

    init(_ state: NetworkState) {
        self.state = Mutex(state)
    }

    var current: NetworkState { state.withLock { $0 } }

    var binding: NetworkBinding? { current.binding }

    var isOnline: Bool { current.isOnline }

    /// Replaces the state and returns the one before.
    func replace(with new: NetworkState) -> NetworkState {
        state.withLock { state in
            defer { state = new }
            return state
        }
    }

    func resolve(host: String) async throws -> [[UInt8]] {
        switch current {
        case .online(_, let resolver): return try await resolver.resolve(host: host)
        case .offline(let reason): throw HostResolutionError(host: host, reason: "the engine is offline (\(reason))")
        }
    }
}
