import Foundation
import TestSupport
import Testing

/// IPv6 end to end, in the leak test's world (same suite: the labs share interface names, so they never run at
/// once): the tunnel carries IPv4 and IPv6 (fd15:214::/64 inside it), the LAN has IPv6 too (fd14:214::/64, the
/// client's default route). First the engine must use the tunnel's IPv6 — the tunnel's DNS over IPv6, an HTTP
/// tracker that has only an IPv6 address, a seeder reachable only over IPv6 — and send no IPv6 by the LAN. Then
/// the tunnel loses its IPv6 address (a provider file without one behaves the same) and the engine must send no
/// IPv6 at all, although the tracker offers an IPv6 peer and its name has an IPv6 address: the "real IPv6
/// announced when the VPN drops" leak. That tracker name has 100 IPv4 addresses, so its answer comes truncated
/// over UDP and is asked again over TCP through the tunnel.
extension VPNLeakTests {
    static let tracker6Host = "tracker6.vpn.test"
    static let dualHost = "dual.vpn.test"

    /// dnsmasq's records for the IPv6 lab.
    static let ipv6Records = ["--host-record=\(tracker6Host),fd15:214::1"]
        + (1...100).map { "--host-record=\(dualHost),10.214.1.\($0)" } + ["--host-record=\(dualHost),fd15:214::1"]

    static let serverFileIPv6 = """
        [Interface]
        PrivateKey = \(S.privateA)
        Address = 10.214.0.1/24, fd15:214::1/64
        ListenPort = 51820

        [Peer]
        PublicKey = \(S.publicB)
        AllowedIPs = 10.214.0.2/32, fd15:214::2/128
        """

    static let clientFileIPv6 = """
        [Interface]
        PrivateKey = \(S.privateB)
        Address = 10.214.0.2/32, fd15:214::2/128
        DNS = fd15:214::1, 10.214.0.1

        [Peer]
        PublicKey = \(S.publicA)
        Endpoint = 192.168.214.1:51820
        AllowedIPs = 0.0.0.0/0, ::/0
        PersistentKeepalive = 25
        """

    @Test(.enabled(if: unavailableReason == nil, "\(unavailableReason ?? "")"), .timeLimit(.minutes(3)))
    func ipv6GoesThroughTheTunnelOnlyAndNotAtAllWithoutIt() async throws {
        let lab = try VPNLab(ipv6: true)
        defer { lab.tearDown() }
        try await lab.setUp()
        let api = lab.api

        // 1. IPv4 and IPv6 in the tunnel.
        let file = lab.directory + "/client6.conf"
        try Self.clientFileIPv6.write(toFile: file, atomically: true, encoding: .utf8)
        let put = try api.request("PUT", "/api/v1/vpn", bodyFile: file, contentType: "text/plain")
        #expect(put.status == 200, "\(put.body)")
        let up = try await api.waitFor("/api/v1/vpn") { ($0["kill_switch"] as? [String: Any])?["online"] as? Bool == true }
        #expect(up != nil, "the engine did not go online: \(lab.rill.log.suffix(3000))")
        let routing = try lab.client.ip("-6", "rule", "show")
        #expect(routing.contains("from fd15:214::2 lookup 51820") && routing.contains("oif \(lab.clientInterface) lookup 51820"), "\(routing)")

        let six = try api.request("POST", "/api/v1/torrents", bodyFile: lab.payload6.torrent, contentType: "application/x-bittorrent")
        #expect(six.status == 201, "\(six.body)")
        _ = try await lab.waitUntilComplete(lab.payload6, timeout: .seconds(60))
        try lab.payload6.verify(in: lab.downloads)

        // 2. The tunnel loses its IPv6 address: the engine switches to an IPv4-only binding.
        let before = (try api.get("/api/v1/vpn").json["kill_switch"] as? [String: Any])?["switches"] as? Int ?? 0
        let droppedAt = Clocks.realtime()
        try lab.client.ip("-6", "address", "del", "fd15:214::2/128", "dev", lab.clientInterface)
        let switched = try await api.waitFor("/api/v1/vpn") {
            let killSwitch = $0["kill_switch"] as? [String: Any]
            return killSwitch?["online"] as? Bool == true && (killSwitch?["switches"] as? Int ?? 0) > before
        }
        #expect(switched != nil, "the engine did not switch to the IPv4-only binding")
        let four = try api.request("POST", "/api/v1/torrents", bodyFile: lab.payload4.torrent, contentType: "application/x-bittorrent")
        #expect(four.status == 201, "\(four.body)")
        _ = try await lab.waitUntilComplete(lab.payload4, timeout: .seconds(60))
        try lab.payload4.verify(in: lab.downloads)
        try await Task.sleep(for: .milliseconds(500))
        lab.rill.stop()
        await lab.shutDownSwarm()

        // What the tracker saw: announces from the tunnel's addresses only, IPv6 while the tunnel had it.
        let announces = ((try? String(contentsOfFile: lab.announceLog, encoding: .utf8)) ?? "").split(separator: "\n")
        let sixFrom = Set(announces.filter { $0.contains(lab.payload6.infoHash) }.map { String($0.split(separator: " ")[0]) })
        let fourFrom = Set(announces.filter { $0.contains(lab.payload4.infoHash) }.map { String($0.split(separator: " ")[0]) })
        print("VPN IPv6 test: announces of the IPv6 torrent from \(sixFrom.sorted()), of the IPv4 one from \(fourFrom.sorted())")
        #expect(sixFrom == ["fd15:214::2"])
        #expect(fourFrom == ["10.214.0.2"])

        // Inside the tunnel: IPv6 DNS, tracker and peer traffic before the drop; no IPv6 from the client after it.
        let client6 = "ip6 and src host fd15:214::2"
        let dns6 = try lab.tunnel.packets(matching: "\(client6) and udp dst port 53")
        let tracker6 = try lab.tunnel.packets(matching: "\(client6) and tcp dst port 6969")
        let peer6 = try lab.tunnel.packets(matching: "\(client6) and tcp dst port 6884")
        // (Frames from link-local sources are the kernel's: wireguard-go's tun interface gets an fe80:: address
        // and solicits routers; the engine never sends from a link-local address.)
        let fromClient6 = try lab.tunnel.packets(matching: "ip6 and not src host fd15:214::1 and not src net fe80::/10")
        // The switch resets the IPv6 connections (one RST each, within the switch); nothing else may follow.
        let after6 = fromClient6.filter { $0.time > droppedAt }
        let late6 = after6.filter { !$0.summary.contains("Flags [R") || $0.time > droppedAt + 0.5 }
        let tcpDNS = try lab.tunnel.packets(matching: "src host 10.214.0.2 and tcp dst port 53")
        let tempter = try lab.tunnel.packets(matching: "tcp dst port 6886")
        print("VPN IPv6 test: in the tunnel before the drop: DNS over IPv6 \(dns6.count), tracker over IPv6 \(tracker6.count), peer over IPv6 \(peer6.count); IPv6 from the client after it: \(after6.count) (resets of its connections within \(after6.map { String(format: "%.1f", ($0.time - droppedAt) * 1000) }.joined(separator: ", ")) ms; anything else: \(late6.count)); DNS over TCP \(tcpDNS.count) packets")
        #expect(!dns6.isEmpty && !tracker6.isEmpty && !peer6.isEmpty, "the engine did not use the tunnel's IPv6")
        #expect(late6.isEmpty, "IPv6 from the client without IPv6 in the tunnel:\n\(late6.prefix(10).map(\.description).joined(separator: "\n"))")
        #expect(tempter.isEmpty, "the IPv6-only peer was dialled: \(tempter.prefix(5))")
        #expect(!tcpDNS.isEmpty, "the truncated answer was not asked again over TCP through the tunnel")

        // On the LAN: nothing but WireGuard, the API and the kernel's own frames; no IPv6 beyond link-local ND/MLD and the
        // mDNS responder's answers (it serves the LAN from the LAN's addresses).
        let leaks = try lab.leaks()
        let lan6 = try lab.lan.packets(matching: "ether src \(lab.clientMAC) and ip6 and not icmp6 and not src net fe80::/10 "
            + "and not \(VPNLab.multicastListenerReport) and not \(VPNLab.mDNS)")
        print("VPN IPv6 test: LAN leaks \(leaks.count), IPv6 frames from the client \(lan6.count)")
        #expect(leaks.isEmpty, "engine traffic outside the tunnel:\n\(leaks.prefix(20).map(\.description).joined(separator: "\n"))")
        #expect(lan6.isEmpty, "IPv6 by the LAN:\n\(lan6.prefix(20).map(\.description).joined(separator: "\n"))")
    }
}
