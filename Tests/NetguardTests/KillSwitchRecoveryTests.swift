#if canImport(Glibc)
import Glibc
#endif
import Logging
@testable import Netguard
import Testing
import Torrent

/// The kill switch when its netlink socket breaks, with the real engine: the watch on a veth in a namespace of its
/// own follows the interface; then the socket is broken and the engine must go offline ("cannot watch …") at
/// once and stay there until the watch has made a new socket and read the state again; after that the new socket
/// drives the engine (down → offline, up → online).
///
/// How the socket is broken: its descriptor is replaced with /dev/null (`dup2`, atomic, so no other file can take
/// the number meanwhile) and an interface change wakes the reader, whose next `recvfrom` then fails with ENOTSOCK —
/// the path any read error of a broken socket takes. Nothing of the engine or the kill switch is replaced.
@Suite(.serialized) struct KillSwitchRecoveryTests {
    @Test(.enabled(if: NetworkNamespace.unavailableReason == nil, "\(NetworkNamespace.unavailableReason ?? "")"))
    func aBrokenNetlinkSocketHoldsTheEngineOfflineUntilANewOneFollowsTheInterface() async throws {
        let namespace = try NetworkNamespace("ks")
        defer { namespace.remove() }
        try namespace.ip("link", "add", "ksv0", "type", "veth", "peer", "name", "ksv1")
        try namespace.ip("addr", "add", "10.78.0.1/24", "dev", "ksv0")
        try namespace.ip("link", "set", "ksv1", "up")
        try namespace.ip("link", "set", "ksv0", "up")
        let name = namespace.name
        let logger = Logger(label: "test.killswitch")
        let watch = try InterfaceWatch(
            interfaceName: "ksv0", socket: try namespace.run { try NetlinkRouteSocket() },
            reopen: { try NetworkNamespace.run(in: name) { try NetlinkRouteSocket() } },
            retryDelay: .milliseconds(500), logger: logger)
        defer { watch.stop() }
        let engine = Engine(configuration: EngineConfiguration(), logger: logger)
        let killSwitch = KillSwitch(engine: engine, resolver: TunnelDNSResolver(servers: [], binding: nil), logger: logger)
        await killSwitch.start(offline: "the test is starting")
        let follower = Task { await killSwitch.run(watch: watch) }
        defer { follower.cancel() }
        killSwitch.release()
        #expect(await Self.waitFor { engine.networkState.binding?.sourceAddress == "10.78.0.1" }, "\(engine.networkState)")

        // Break the socket; the next netlink message wakes the reader.
        let broken = watch.currentDescriptor
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        #expect(dup2(null, broken) == broken)
        close(null)
        let brokeAt = ContinuousClock.now
        try namespace.ip("addr", "add", "10.78.0.9/24", "dev", "ksv1")
        #expect(await Self.waitFor(.seconds(1)) { !engine.networkState.isOnline })
        let offlineAfter = ContinuousClock.now - brokeAt
        let reason = engine.networkState.offlineReason ?? ""
        #expect(reason.hasPrefix("cannot watch ksv0:") && reason.contains("recvfrom"), "\(reason)")

        // A new socket after the retry delay; the state read again lets the engine out.
        #expect(await Self.waitFor(.seconds(5)) { engine.networkState.isOnline }, "\(engine.networkState)")
        let onlineAfter = ContinuousClock.now - brokeAt
        #expect(onlineAfter >= .milliseconds(500), "online again before the retry delay: \(onlineAfter)")
        #expect(watch.failures == 1)
        #expect(watch.currentDescriptor != broken || watch.state.watchFailure == nil)
        print("KillSwitchRecovery: offline \(offlineAfter) after the socket broke, online again after \(onlineAfter)")

        // The new socket is the one that drives the engine now.
        try namespace.ip("link", "set", "ksv0", "down")
        // "down", then (the carrier follows) "not running": either says the new socket saw it.
        #expect(await Self.waitFor(.seconds(1)) { ["ksv0 is down", "ksv0 is not running"].contains(engine.networkState.offlineReason ?? "") },
                "\(engine.networkState)")
        try namespace.ip("link", "set", "ksv0", "up")
        #expect(await Self.waitFor(.seconds(1)) { engine.networkState.isOnline }, "\(engine.networkState)")
        await engine.shutdown()
    }

    static func waitFor(_ timeout: Duration = .seconds(3), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }
}
