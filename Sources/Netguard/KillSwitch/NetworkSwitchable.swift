import Torrent

/// What the kill switch drives: the engine (``Torrent/Engine/setNetwork(_:)``), or a recorder in tests.
public protocol NetworkSwitchable: Sendable {
    /// Switches online or offline; returns when the switch is done. Calls do not overlap.
    func setNetwork(_ state: NetworkState) async
}

extension Engine: NetworkSwitchable {}
