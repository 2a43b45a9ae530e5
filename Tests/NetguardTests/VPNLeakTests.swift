import Foundation
import TestSupport
import Testing

/// Issue 5's "done when", end to end with the real daemon: two namespaces joined by a veth "LAN"; in the server
/// one a WireGuard endpoint (wireguard-go), opentracker, libtorrent seeders and a DNS server, all on the tunnel
/// address only; in the client one `rill run`, which makes its own tunnel (kernel WireGuard missing here, so
/// wireguard-go) from a file PUT to its API from the LAN. tcpdump on the LAN side sees every frame the client
/// sends while the daemon starts without a tunnel, downloads two torrents through it (HTTP tracker found through
/// the tunnel's DNS, UDP tracker, peers both ways), and the tunnel goes down, loses its address, is deleted and
/// comes back each time: nothing may leave but WireGuard's own UDP and the API's answers.
@Suite(.serialized) struct VPNLeakTests {
    typealias S = WireGuardSamples

    static let unavailableReason: String? = WireGuardTunnelTests.unavailableReason ?? PacketCapture.unavailableReason
        ?? RillDaemon.unavailableReason
        ?? (Command.find("curl") == nil ? "curl is not installed" : nil)
        ?? (Command.find("opentracker") == nil ? "opentracker is not installed (ci/deps)" : nil)
        ?? (FileManager.default.fileExists(atPath: "/usr/bin/python3") ? nil : "python3-libtorrent is not installed (ci/deps)")

    static let httpPort = 18080
    static let trackerHost = "tracker.vpn.test"

    static let serverFile = """
        [Interface]
        PrivateKey = \(S.privateA)
        Address = 10.214.0.1/24
        ListenPort = 51820

        [Peer]
        PublicKey = \(S.publicB)
        AllowedIPs = 10.214.0.2/32
        """

    /// What a provider hands out: a /32, DNS inside the tunnel, everything through it, a hook (never run).
    static let clientFile = """
        [Interface]
        PrivateKey = \(S.privateB)
        Address = 10.214.0.2/32
        DNS = 10.214.0.1
        PostUp = iptables -A OUTPUT -j ACCEPT

        [Peer]
        PublicKey = \(S.publicA)
        Endpoint = 192.168.214.1:51820
        AllowedIPs = 0.0.0.0/0, ::/0
        PersistentKeepalive = 25
        """

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"), .timeLimit(.minutes(3)))
    func engineTrafficLeavesOnlyThroughTheTunnel() async throws {
        let lab = try VPNLab()
        defer { lab.tearDown() }
        try await lab.setUp()
        let api = lab.api

        // 1. Fail closed: no WireGuard file yet and `vpn.mode = "required"`.
        var vpn = try await api.waitFor("/api/v1/vpn") { $0["configured"] as? Bool == false }
        #expect(vpn?["message"] as? String == "VPN down — downloads paused")
        #expect((vpn?["kill_switch"] as? [String: Any])?["reason"] as? String == "no VPN is configured")
        let status = try await api.waitFor("/api/v1/status") {
            (($0["subsystems"] as? [String: Any])?["vpn"] as? [String: Any])?["phase"] as? String == "degraded"
        }
        #expect(status != nil, "/api/v1/status does not report the VPN as degraded")
        for payload: Payload in [lab.throttled, lab.fast] {
            let added = try api.request("POST", "/api/v1/torrents", bodyFile: payload.torrent, contentType: "application/x-bittorrent")
            #expect(added.status == 201, "\(added.body)")
        }
        // A broken file: 400 with the line, and no key quoted back.
        let bad = lab.directory + "/bad.conf"
        try Self.clientFile.replacingOccurrences(of: "Endpoint = 192.168.214.1:51820", with: "Endpoint = 192.168.214.1:99999")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try api.request("PUT", "/api/v1/vpn", bodyFile: bad, contentType: "text/plain")
        #expect(refused.status == 400)
        #expect(refused.json["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "invalid_vpn_config")
        #expect(refused.body.contains("wireguard.conf:9: Endpoint"), "\(refused.body)")
        #expect(!refused.body.contains(S.privateB))
        try await Task.sleep(for: .seconds(2))
        let beforeTunnel = try lab.leaks()
        #expect(beforeTunnel.isEmpty, "sent without a tunnel: \(beforeTunnel.prefix(10))")

        // 2. The file goes in through the API; the daemon makes the tunnel and the engine goes online in it.
        let good = lab.directory + "/client.conf"
        try Self.clientFile.write(toFile: good, atomically: true, encoding: .utf8)
        let putAt = Clocks.monotonic()
        let put = try api.request("PUT", "/api/v1/vpn", bodyFile: good, contentType: "text/plain")
        #expect(put.status == 200, "\(put.body)")
        #expect(!put.body.contains(S.privateB) && !put.body.contains("PrivateKey"))
        #expect(put.json["implementation"] as? String == "userspace")
        vpn = try await api.waitFor("/api/v1/vpn") { ($0["kill_switch"] as? [String: Any])?["online"] as? Bool == true }
        #expect(vpn?["message"] as? String == "VPN up")
        let mode = try FileManager.default.attributesOfItem(atPath: lab.rill.dataDirectory + "/vpn/wireguard.conf")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let probe = try api.request("POST", "/api/v1/vpn/test?seconds=5")
        #expect(probe.json["ok"] as? Bool == true, "\(probe.body)")

        // The fast torrent (UDP tracker, unthrottled seeder) measures the tunnel.
        let fastDone = try await lab.waitUntilComplete(lab.fast, timeout: .seconds(60))
        let fastSeconds = fastDone - putAt
        let throttledStarted = try await api.waitFor("/api/v1/torrents/\(lab.throttled.infoHash)", timeout: .seconds(30)) {
            (($0["torrent"] as? [String: Any])?["verified_bytes"] as? Int ?? 0) > 0
        }
        #expect(throttledStarted != nil, "the throttled torrent got nothing: \(lab.rill.log.suffix(3000))")

        // 3. The kill switch's inputs, while the throttled download runs.
        var results: [(String, Double?, Double)] = []
        func step(_ label: String, online: Bool, _ command: [String]) async throws {
            let before = try api.get("/api/v1/vpn").json
            let switches = (before["kill_switch"] as? [String: Any])?["switches"] as? Int ?? 0
            let startMono = Clocks.monotonic(), startReal = Clocks.realtime()
            if !command.isEmpty {
                do { try lab.client.ip(command) } catch { Issue.record("\(label): \(error)\n\(lab.rill.log.suffix(3000))"); throw error }
            }
            let after = try await api.waitFor("/api/v1/vpn", timeout: .seconds(online && command.isEmpty ? 15 : 5)) {
                let killSwitch = $0["kill_switch"] as? [String: Any]
                return killSwitch?["online"] as? Bool == online && (killSwitch?["switches"] as? Int ?? 0) > switches
            }
            let changedAt = (after?["kill_switch"] as? [String: Any])?["changed_at_monotonic"] as? Double
            let latency = changedAt.map { ($0 - startMono) * 1000 }
            results.append((label, latency, startReal))
            print("VPN leak test: \(label): engine \(online ? "online" : "offline") after \(latency.map { String(format: "%.1f ms", $0) } ?? "never")")
            #expect(after != nil, "\(label): the engine did not go \(online ? "online" : "offline")")
            if !online { #expect((latency ?? 9999) < 1000, "\(label): \(latency ?? -1) ms") }
        }
        let wg = lab.clientInterface
        try await step("link down", online: false, ["link", "set", wg, "down"])
        try await step("link up", online: true, ["link", "set", wg, "up"])
        try await step("address removed", online: false, ["address", "del", "10.214.0.2/32", "dev", wg])
        try await step("address back", online: true, ["address", "add", "10.214.0.2/32", "dev", wg])
        try await step("deleted", online: false, ["link", "del", wg])
        try await step("made again by rill", online: true, [])

        // 4. The web server answers the LAN, never the tunnel (checked after rill made the interface again, so
        // with a new interface index for the listener's filter).
        try await lab.checkWebServerIgnoresTheTunnel()

        // 5. The throttled download finishes through the tunnel that came back; both payloads are verified.
        _ = try await lab.waitUntilComplete(lab.throttled, timeout: .seconds(90))
        try lab.throttled.verify(in: lab.downloads)
        try lab.fast.verify(in: lab.downloads)

        // The UI kept answering on the LAN, and it still does with the tunnel gone for good.
        try lab.client.ip("link", "set", wg, "down")
        #expect(try api.get("/api/v1/status").status == 200)
        try await Task.sleep(for: .seconds(2))
        lab.rill.stop()

        await lab.shutDownSwarm()

        // 6. What the LAN saw from the client.
        let leaks = try lab.leaks()
        let frames = try lab.lan.packets(matching: "ether src \(lab.clientMAC)")
        let wireguard = try lab.lan.packets(matching: "ether src \(lab.clientMAC) and udp port 51820")
        let answers = try lab.lan.packets(matching: "ether src \(lab.clientMAC) and tcp src port \(Self.httpPort)")
        let kernel = try lab.kernelFrames()
        let mdns = try lab.lan.packets(matching: "ether src \(lab.clientMAC) and (\(VPNLab.mDNS) or igmp)").count
        print("VPN leak test: LAN frames from the client: \(frames.count) (WireGuard \(wireguard.count), API answers \(answers.count), kernel ARP/ND/MLD/ICMP-for-WireGuard \(kernel), mDNS and IGMP \(mdns)), leaks \(leaks.count)")
        #expect(leaks.isEmpty, "engine traffic outside the tunnel:\n\(leaks.prefix(20).map(\.description).joined(separator: "\n"))")
        let daemonInTunnel = try lab.nonEngineInTunnel()
        #expect(daemonInTunnel.isEmpty, "mDNS or the web port inside the tunnel:\n\(daemonInTunnel.prefix(10).map(\.description).joined(separator: "\n"))")
        print("VPN leak test: fast torrent (\(lab.fast.name), \(lab.fastSize >> 20) MiB) complete \(String(format: "%.2f", fastSeconds)) s after the PUT: \(String(format: "%.1f", Double(lab.fastSize) / fastSeconds / 1_048_576)) MiB/s through wireguard-go")
        // Inside the tunnel: the last frame from the client's tunnel address after each offline step.
        let inner = try lab.tunnel.packets(matching: "src host 10.214.0.2")
        for (label, _, at) in results where ["link down", "address removed", "deleted"].contains(label) {
            let next = results.first { $0.2 > at && $0.0 != label }?.2 ?? .infinity
            let before = inner.filter { $0.time < at }.map(\.time).max()
            let during = inner.filter { $0.time >= at && $0.time < next }
            print("VPN leak test: \(label): last client packet inside the tunnel \(before.map { String(format: "%.1f ms", (at - $0) * 1000) } ?? "-") before the change, \(during.count) while offline\(during.last.map { String(format: " (last %.1f ms after)", ($0.time - at) * 1000) } ?? "")")
        }
    }

    /// A stored file whose tunnel cannot be made (here: an interface name Linux refuses, so neither kernel
    /// WireGuard nor wireguard-go can make it): the engine stays offline and the status says why.
    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"))
    func aStoredTunnelThatCannotBeMadeKeepsTheEngineOfflineAndSaysWhy() async throws {
        let namespace = try NetworkNamespace("vf")
        defer { namespace.remove() }
        let scratch = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: scratch.path + "/data/vpn", withIntermediateDirectories: true)
        try Self.clientFile.write(toFile: scratch.path + "/data/vpn/wireguard.conf", atomically: true, encoding: .utf8)
        let rill = try RillDaemon(config: """
            [data]
            directory = "\(scratch.path)/data"
            [http]
            host = "127.0.0.1"
            port = 18081
            [vpn]
            interface = "rwg-name-far-too-long"
            """, directory: scratch.path, namespace: namespace)
        defer { rill.stop() }
        let api = RillAPI(namespace: namespace, base: "http://127.0.0.1:18081")
        let vpn = try await api.waitFor("/api/v1/vpn", timeout: .seconds(20)) { $0["error"] is String }
        #expect(vpn != nil, "no bring-up error reported: \(rill.log.suffix(2000))")
        #expect(vpn?["configured"] as? Bool == true)
        #expect(vpn?["message"] as? String == "VPN down — downloads paused")
        let reason = (vpn?["kill_switch"] as? [String: Any])?["reason"] as? String ?? ""
        #expect(reason.hasPrefix("the tunnel could not be brought up"), "\(reason)")
        let status = try api.get("/api/v1/status").json
        let detail = ((status["subsystems"] as? [String: Any])?["vpn"] as? [String: Any])?["detail"] as? String ?? ""
        #expect(detail.hasPrefix("VPN down — downloads paused"), "\(detail)")
    }
}
