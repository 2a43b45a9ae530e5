import Foundation
import TestSupport
import Testing
import Torrent
@testable import Netguard

/// A real WireGuard tunnel (Debian's wireguard-go) between two namespaces joined by a veth "LAN", configured from
/// files `WireGuardConfig` parsed and emitted: `wg setconf` accepts them, the peers shake hands, the watch reports
/// the client's wg interface through its life, and DNS asked over a socket bound to it goes through the tunnel.
@Suite struct WireGuardTunnelTests {
    typealias S = WireGuardSamples

    static let unavailableReason: String? = NetworkNamespace.unavailableReason
        ?? (Command.find("wireguard-go") == nil ? "wireguard-go is not installed (Debian wireguard-go, in ci/deps)" : nil)
        ?? (Command.find("wg") == nil ? "wg is not installed (Debian wireguard-tools, in ci/deps)" : nil)
        ?? Dnsmasq.unavailableReason

    static let serverFile = """
        [Interface]
        PrivateKey = \(S.privateA)
        Address = 10.213.0.1/24
        ListenPort = 51820

        [Peer]
        PublicKey = \(S.publicB)
        PresharedKey = \(S.preshared)
        AllowedIPs = 10.213.0.2/32
        """

    /// Shaped like a provider's file: /32 address, DNS inside the tunnel, all traffic, a hook that is never run.
    static let clientFile = """
        [Interface]
        PrivateKey = \(S.privateB)
        Address = 10.213.0.2/32
        DNS = 10.213.0.1
        MTU = 1380
        PostUp = touch /tmp/rill-netguard-hook-ran

        [Peer]
        PublicKey = \(S.publicA)
        PresharedKey = \(S.preshared)
        Endpoint = 192.168.213.1:51820
        AllowedIPs = 0.0.0.0/0, ::/0
        PersistentKeepalive = 1
        """

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func tunnelBetweenTwoNamespaces() async throws {
        let server = try NetworkNamespace("wgs")
        defer { server.remove() }
        let client = try NetworkNamespace("wgc")
        defer { client.remove() }
        let directory = try TemporaryDirectory()
        let serverInterface = "rwg\(getpid())s"
        let clientInterface = "rwg\(getpid())c"
        let clientNamespace = client.name

        // The LAN.
        try server.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan1", "netns", client.name)
        try server.ip("addr", "add", "192.168.213.1/24", "dev", "lan0")
        try client.ip("addr", "add", "192.168.213.2/24", "dev", "lan1")
        try server.ip("link", "set", "lan0", "up")
        try client.ip("link", "set", "lan1", "up")

        // The watch runs in the client namespace from before the tunnel exists.
        let watch = try InterfaceWatch(interfaceName: clientInterface, socket: client.run { try NetlinkRouteSocket() })
        defer { watch.stop() }
        let recorder = StateRecorder(watch)
        await recorder.ready()
        #expect(watch.state.unusableReason == "\(clientInterface) does not exist")

        let wireguardGo = ["env", "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1", "wireguard-go", "-f"]
        let serverDaemon = try ChildProcess(server.exec(wireguardGo + [serverInterface]), logPath: directory.path + "/server.log")
        defer { serverDaemon.stop() }
        var mark = ContinuousClock.now
        let clientDaemon = try ChildProcess(client.exec(wireguardGo + [clientInterface]), logPath: directory.path + "/client.log")
        defer { clientDaemon.stop() }
        let appeared = await recorder.latency(since: mark) { $0.exists }
        #expect(appeared != nil, "wireguard-go made no interface: \(clientDaemon.log)")
        #expect(watch.state.unusableReason == "\(clientInterface) is down")
        try await waitFor("the server's wg interface") { (try? server.ip("link", "show", serverInterface)) != nil }

        // Both ends configured from parsed files: `wg setconf` gets the emitted form, `ip` the rest.
        let serverConfig = try WireGuardConfig(parsing: Self.serverFile, options: .init(fileName: "server.conf"))
        let clientConfig = try WireGuardConfig(parsing: Self.clientFile, options: .init(fileName: "client.conf"))
        #expect(clientConfig.warnings.map(\.key) == ["PostUp"])
        func bringUp(_ config: WireGuardConfig, _ namespace: NetworkNamespace, _ interface: String) throws {
            try directory.write("\(interface).conf", Array(config.setconfText().revealed.utf8))  // 0600
            try Command.run(namespace.exec(["wg", "setconf", interface, "\(directory.path)/\(interface).conf"]))
            for address in config.interface.addresses { try namespace.ip("addr", "add", "\(address)", "dev", interface) }
            if let mtu = config.interface.mtu { try namespace.ip("link", "set", "mtu", "\(mtu)", "dev", interface) }
            try namespace.ip("link", "set", interface, "up")
        }
        try bringUp(serverConfig, server, serverInterface)
        mark = .now
        try bringUp(clientConfig, client, clientInterface)
        let usable = await recorder.latency(since: mark) { $0.isUsable }
        #expect(usable != nil && usable! < .seconds(1), "\(watch.state)")
        let state = watch.state
        #expect(state.isUp && state.isRunning && state.operState == .unknown && state.mtu == 1380)
        #expect(state.binding == NetworkBinding(interfaceName: clientInterface, sourceAddress: "10.213.0.2", allowsIPv6: false))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/rill-netguard-hook-ran"))

        // What wg made of the emitted file.
        func wg(_ arguments: String...) throws -> String {
            try Command.run(client.exec(["wg", "show", clientInterface] + arguments)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try wg("public-key") == clientConfig.interface.publicKey.base64)
        #expect(try wg("endpoints") == "\(S.publicA)\t192.168.213.1:51820")
        #expect(try wg("allowed-ips") == "\(S.publicA)\t0.0.0.0/0 ::/0")
        #expect(try wg("preshared-keys") == "\(S.publicA)\t\(S.preshared)")
        #expect(try wg("persistent-keepalive") == "\(S.publicA)\t1")
        try await waitFor("a handshake", timeout: .seconds(10)) {
            let line = (try? wg("latest-handshakes")) ?? ""
            return !line.hasSuffix("\t0") && line.contains("\t")
        }

        // DNS through the tunnel: dnsmasq in the server namespace on its tunnel and LAN addresses; the resolver's
        // sockets are opened in the client namespace and bound to the client's wg interface.
        let dnsmasq = try Dnsmasq(addresses: ["10.213.0.1", "192.168.213.1"], port: 53, namespace: server)
        let opener: @Sendable (Int32) -> Int32 = { family in
            (try? NetworkNamespace.run(in: clientNamespace) { socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }) ?? -1
        }
        let resolver = TunnelDNSResolver(servers: clientConfig.interface.dnsServers.map { DNSServer(address: $0) }, binding: state.binding)
        resolver.setSocketOpener(opener)
        #expect(try await resolver.addresses(of: "tracker.test").map(\.description) == ["10.1.2.3"])
        #expect(dnsmasq.queryLog.contains("query[A] tracker.test from 10.213.0.2"))
        // Even a server on the LAN, one hop away on lan1, is asked through the tunnel by a bound socket.
        let lanResolver = TunnelDNSResolver(servers: [DNSServer(address: IPAddress(text: "192.168.213.1")!)], binding: state.binding)
        lanResolver.setSocketOpener(opener)
        #expect(try await lanResolver.addresses(of: "alias.test").map(\.description) == ["10.1.2.4"])
        #expect(dnsmasq.queryLog.contains("query[A] alias.test from 10.213.0.2"))
        #expect(!dnsmasq.queryLog.contains("from 192.168.213.2"))

        // The kill switch's inputs, each within a second; the resolver follows the binding and fails closed.
        func step(_ label: String, _ commands: [[String]], until predicate: (InterfaceState) -> Bool) async throws {
            let start = ContinuousClock.now
            for command in commands { try client.ip(command) }
            let latency = await recorder.latency(since: start, predicate)
            #expect(latency != nil && latency! < .seconds(1), "\(label): \(latency.map { "\($0)" } ?? "not reported") — \(watch.state)")
            print("InterfaceWatch on wireguard-go: \(label) reported after \(latency.map { "\($0)" } ?? "never")")
            resolver.update(binding: watch.state.binding)
        }
        try await step("down", [["link", "set", clientInterface, "down"]]) { $0.unusableReason == "\(clientInterface) is down" }
        let failure: DNSFailure?
        do { _ = try await resolver.addresses(of: "other.test"); failure = nil } catch { failure = error }
        #expect(failure == .offline)
        try await step("up", [["link", "set", clientInterface, "up"]]) { $0.isUsable }
        #expect(try await resolver.addresses(of: "dual.test").map(\.description) == ["10.1.2.4"])
        try await step("address removed", [["addr", "del", "10.213.0.2/32", "dev", clientInterface]]) {
            $0.unusableReason == "\(clientInterface) has no address"
        }
        try await step("address back", [["addr", "add", "10.213.0.2/32", "dev", clientInterface]]) { $0.isUsable }
        let binding = watch.state.binding
        try await step("deleted", [["link", "del", clientInterface]]) { $0.unusableReason == "\(clientInterface) does not exist" }
        // A socket bound to the deleted interface cannot be made: the stale binding fails too, at once.
        let stale = TunnelDNSResolver(servers: [DNSServer(address: IPAddress(text: "10.213.0.1")!)], binding: binding)
        stale.setSocketOpener(opener)
        do { _ = try await stale.addresses(of: "tracker.test"); Issue.record("resolved over a deleted interface") } catch {
            guard case .interfaceUnavailable(let error) = error else { Issue.record("\(error)"); return }
            #expect(error.code == ENODEV)
        }
        try await waitFor("wireguard-go to exit with its interface") { !clientDaemon.isRunning }
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes (then records an issue).
    private func waitFor(_ what: String, timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
    }
}
