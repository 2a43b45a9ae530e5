import Logging
import NIOCore

/// The engine's network switch, driven by Netguard's kill switch (or left online, unbound, without a VPN).
extension Engine {
    /// Where the engine may send right now.
    public var networkState: NetworkState { network.current }

    /// Switches the engine between online and offline. Returns once the switch is done on the event loop.
    ///
    /// - Offline: from the moment this is called no peer is dialled or admitted and no announce or tracker
    ///   look-up starts (they all read the state first); then the peer listener closes, every peer connection
    ///   is closed and every torrent's announcer is stopped without a `stopped` announce.
    /// - Online: the binding and resolver apply to every socket opened from now on. The listener (if
    ///   ``listen()`` was called) opens again on the binding's interface and address and the port it had;
    ///   every running torrent announces (`started`) and dials its known peers again.
    /// - Online with a different binding than before (the tunnel's address changed) goes through offline
    ///   first, so no connection made under the old binding survives. The same binding again changes nothing
    ///   but the resolver.
    ///
    /// Calls must not overlap (the kill switch makes them from one task).
    public func setNetwork(_ state: NetworkState) async {
        let previous = network.replace(with: state)
        switch (previous, state) {
        case (.offline, .offline):
            return
        case (.online, .offline(let reason)):
            await goOffline(reason: reason)
        case (.offline, .online(let binding, _)):
            await goOnline(binding)
        case (.online(let old, _), .online(let new, _)):
            guard old != new else { return }
            await goOffline(reason: "the network binding changed")
            await goOnline(new)
        }
        logger.notice("engine network: \(state)")
    }

    private func goOffline(reason: String) async {
        await listener.close()
        let directory = directory
        try? await loop.submit {
            for session in directory.value.sessions.values { session.networkWentOffline(reason: reason) }
        }.get()
    }

    private func goOnline(_ binding: NetworkBinding) async {
        let directory = directory
        if listener.isWanted {
            do {
                _ = try await listener.open(binding: binding)
            } catch {
                logger.error("cannot listen for peers on the new network", metadata: ["error": "\(error)"])
            }
        }
        try? await loop.submit {
            for session in directory.value.sessions.values { session.networkCameOnline() }
        }.get()
    }
}
