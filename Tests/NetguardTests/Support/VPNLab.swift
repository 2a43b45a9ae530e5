import Foundation
import TestSupport
import Testing
@testable import Netguard

/// The world of the VPN leak test: a server namespace (WireGuard endpoint 10.214.0.1, opentracker, libtorrent
/// seeders, dnsmasq, all on the tunnel address), a client namespace with the rill daemon, a veth "LAN" between
/// them (192.168.214.0/24 and fd14:214::/64, the client's default routes point at the server), and tcpdump on the
/// LAN (server side) and inside the tunnel (server's wg interface).
///
/// `setUp()` builds it; `tearDown()` removes everything it made, whatever state `setUp()` or the test reached:
/// the daemon (SIGTERM: it deletes its tunnel), the client's wg interface (which ends that wireguard-go), every
/// child, the namespaces and their /etc/netns folders.
final class VPNLab {
    typealias S = WireGuardSamples

    let clientInterface = "rwg\(getpid())v"
    let serverInterface = "rwg\(getpid())t"
    let directory: String
    /// The IPv6 lab: the server's tunnel end also has fd15:214::1/64 (and 10.214.1.1–100, the big record set's
    /// addresses); the swarm is `startIPv6Swarm()`'s.
    let ipv6: Bool
    private(set) var payload6: Payload!
    private(set) var payload4: Payload!
    /// The recording tracker's log: one line per announce, `<client address> <info-hash> <event>`.
    var announceLog: String { directory + "/announces.log" }

    private(set) var server: NetworkNamespace!
    private(set) var client: NetworkNamespace!
    private(set) var swarm: Swarm!
    private(set) var throttled: Payload!
    private(set) var fast: Payload!
    private(set) var rill: RillDaemon!
    private(set) var lan: PacketCapture!
    private(set) var tunnel: PacketCapture!
    private(set) var clientMAC = ""
    private var serverWireGuard: ChildProcess?
    private var dnsmasq: Dnsmasq?
    private let scratch: TemporaryDirectory

    let fastSize = 32 << 20
    let throttledSize = 6 << 20
    /// Bytes per second each of the two throttled seeders sends.
    let throttledRate = 192 << 10

    var api: RillAPI { RillAPI(namespace: server, base: "http://192.168.214.2:\(VPNLeakTests.httpPort)") }
    var downloads: String { directory + "/downloads" }

    init(ipv6: Bool = false) throws {
        scratch = try TemporaryDirectory()
        directory = scratch.path
        self.ipv6 = ipv6
    }

    func setUp() async throws {
        server = try NetworkNamespace("vs")
        client = try NetworkNamespace("vc")
        // No reverse-path filter in the client (many routers and Pis run without one, or loose): a packet from
        // the tunnel's side for the LAN address then reaches the sockets, which is what the web check needs.
        try Command.run(client.exec(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"]))
        try makeLAN()
        try await makeServerTunnel()
        if ipv6 {
            dnsmasq = try Dnsmasq(addresses: ["10.214.0.1", "fd15:214::1"], port: 53, namespace: server,
                                  extraRecords: VPNLeakTests.ipv6Records)
            try await startIPv6Swarm()
        } else {
            dnsmasq = try Dnsmasq(addresses: ["10.214.0.1"], port: 53, namespace: server,
                                  extraRecords: ["--address=/\(VPNLeakTests.trackerHost)/10.214.0.1"])
            try server.setHosts(["127.0.0.1 localhost", "10.214.0.1 \(VPNLeakTests.trackerHost)"])
            try await startSwarm()
        }
        lan = try PacketCapture(interface: "lan0", namespace: server, path: directory + "/lan.pcap")
        tunnel = try PacketCapture(interface: serverInterface, namespace: server, path: directory + "/tunnel.pcap")
        rill = try RillDaemon(config: rillConfig, directory: directory, namespace: client)
        let answering = try await api.waitFor("/api/v1/status", timeout: .seconds(20)) { _ in true }
        if answering == nil { throw CommandError.failed("rill run", 1, rill.log) }
    }

    func tearDown() {
        rill?.stop()
        if let rill { try? rill.log.write(toFile: "/tmp/rill-vpn-leak-last.log", atomically: true, encoding: .utf8) }
        if let client { _ = try? Command.run(["ip", "-n", client.name, "link", "del", clientInterface], allowFailure: true) }
        lan?.stop()
        tunnel?.stop()
        serverWireGuard?.stop()
        dnsmasq?.stop()
        swarm = nil  // its processes are SIGKILLed with it
        client?.remove()
        server?.remove()
    }

    /// Stops the swarm's processes cleanly (SIGTERM first); `tearDown()` kills whatever is left otherwise.
    func shutDownSwarm() async { await swarm?.shutdown() }

    /// The plain HTTP server `checkWebServerIgnoresTheTunnel()` runs beside the daemon as its control.
    static let controlHTTPPort = VPNLeakTests.httpPort + 10

    /// Frames from the client on the LAN that are neither WireGuard's UDP nor the API's answers (nor the control
    /// HTTP server's, which answers the tunnel's side by the LAN on purpose; nor the daemon's mDNS responder on the
    /// LAN's multicast group and the kernel's IGMP reports for it; nor ARP, nor the
    /// kernel's link-local IPv6 neighbour discovery and multicast listener reports, nor its ICMP answers to
    /// WireGuard datagrams): engine traffic that left outside the tunnel. (The engine binds to the tunnel's
    /// address; it never sends from a link-local one.)
    func leaks() throws -> [PacketCapture.Packet] {
        try lan.packets(matching: "ether src \(clientMAC) and not arp and not (ip6 and src net fe80::/10) and not icmp6 and not \(Self.multicastListenerReport) "
            + "and not (udp port 51820) and not (tcp src port \(VPNLeakTests.httpPort)) and not (tcp src port \(Self.controlHTTPPort)) "
            + "and not \(Self.mDNS) and not igmp and not \(Self.wireGuardUnreachable)")
    }

    /// The kernel's IPv6 multicast listener reports (MLD): ICMPv6 behind a hop-by-hop header, which the `icmp6`
    /// primitive does not see, sent to a link-scope group, from `::` while the address is still tentative.
    static let multicastListenerReport = "(ip6 and ip6[6] == 0 and ip6[40] == 58 and dst net ff02::/16)"

    /// The daemon's mDNS responder (LAN only: it leaves point-to-point interfaces such as the tunnel alone).
    static let mDNS = "(udp port 5353 and (dst host 224.0.0.251 or dst host ff02::fb))"

    /// What the daemon sent into the tunnel that is not the engine's: its mDNS, or its web port answering.
    func nonEngineInTunnel() throws -> [PacketCapture.Packet] {
        try tunnel.packets(matching: "src host 10.214.0.2 and (udp port 5353 or tcp src port \(VPNLeakTests.httpPort))")
    }

    /// The client kernel's "port unreachable" for WireGuard datagrams that reach a deleted interface's old port
    /// (the quoted datagram came from port 51820): WireGuard's traffic, answered by the kernel, not the engine's.
    static let wireGuardUnreachable = "(icmp and icmp[0] == 3 and icmp[28:2] == 51820)"

    /// Frames of the kind `leaks()` ignores as the kernel's, counted for the report.
    func kernelFrames() throws -> Int {
        try lan.packets(matching: "ether src \(clientMAC) and (arp or (ip6 and src net fe80::/10) or icmp6 or \(Self.multicastListenerReport) or \(Self.wireGuardUnreachable))").count
    }

    /// Polls the API until `payload`'s torrent is seeding; returns CLOCK_MONOTONIC then.
    func waitUntilComplete(_ payload: Payload, timeout: Duration) async throws -> Double {
        let done = try await api.waitFor("/api/v1/torrents/\(payload.infoHash)", timeout: timeout) {
            ($0["torrent"] as? [String: Any])?["state"] as? String == "seeding"
        }
        guard done != nil else {
            throw CommandError.failed("download of \(payload.name)", 1, "\(try api.get("/api/v1/torrents/\(payload.infoHash)").body)\n\(rill.log.suffix(4000))")
        }
        return Clocks.monotonic()
    }

    /// From the VPN server's side, the daemon's web port through the tunnel: for the tunnel address (the SYN
    /// reaches the client on its wg interface) and for the client's LAN address sent into the tunnel (what a VPN
    /// provider could do: the answer would go out by the LAN's routes). Neither gets an answer, while the LAN
    /// keeps getting them. The control is a plain HTTP server on all interfaces beside the daemon, which the same
    /// requests do reach. Captures: no segment from the web port inside the tunnel nor towards the tunnel's
    /// network on the LAN.
    func checkWebServerIgnoresTheTunnel() async throws {
        let port = VPNLeakTests.httpPort, controlPort = Self.controlHTTPPort
        let control = try ChildProcess(client.exec(["/usr/bin/python3", "-m", "http.server", "\(controlPort)", "--bind", "0.0.0.0"]),
                                       logPath: directory + "/control-http.log")
        defer { control.stop() }
        func status(_ url: String, through interface: String? = nil) throws -> String {
            let bind = interface.map { ["--interface", $0] } ?? []
            return try Command.run(server.exec(["curl", "-s", "-o", "/dev/null", "-m", "3", "--connect-timeout", "2",
                                                "-w", "%{http_code}"] + bind + [url]), allowFailure: true)
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while try status("http://192.168.214.2:\(controlPort)/") != "200", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        // The tunnel's peer may send to the client's LAN address too (the client accepts any source from it).
        let publicB = S.publicB
        try Command.run(server.exec(["wg", "set", serverInterface, "peer", publicB, "allowed-ips", "10.214.0.2/32,192.168.214.2/32"]))
        defer { _ = try? Command.run(server.exec(["wg", "set", serverInterface, "peer", publicB, "allowed-ips", "10.214.0.2/32"])) }

        #expect(try status("http://10.214.0.2:\(controlPort)/") == "200", "control: the tunnel does carry HTTP")
        #expect(try status("http://10.214.0.2:\(port)/api/v1/status") == "000", "rill answered through the tunnel")
        #expect(try status("http://192.168.214.2:\(port)/api/v1/status", through: serverInterface) == "000",
                "rill answered its LAN address through the tunnel")
        #expect(try status("http://192.168.214.2:\(port)/api/v1/status") == "200", "the LAN lost the UI")
        let controlViaTunnel = try status("http://192.168.214.2:\(controlPort)/", through: serverInterface)
        try await Task.sleep(for: .milliseconds(300))  // tcpdump writes packet-buffered; let the last frames land

        let synsInTunnel = try tunnel.packets(matching: "dst host 10.214.0.2 and tcp dst port \(port) and tcp[tcpflags] & tcp-syn != 0")
        let lanSyns = try tunnel.packets(matching: "dst host 192.168.214.2 and tcp dst port \(port) and tcp[tcpflags] & tcp-syn != 0")
        let answersInTunnel = try tunnel.packets(matching: "tcp src port \(port)")
        let answersTowardsTunnel = try lan.packets(matching: "ether src \(clientMAC) and tcp src port \(port) and dst net 10.214.0.0/24")
        let controlAnswers = try lan.packets(matching: "ether src \(clientMAC) and tcp src port \(controlPort) and dst net 10.214.0.0/24")
        print("VPN leak test: web port through the tunnel: \(synsInTunnel.count) SYNs to the tunnel address, \(lanSyns.count) to the LAN address, answers inside the tunnel \(answersInTunnel.count), towards the tunnel on the LAN \(answersTowardsTunnel.count); control server: \(controlViaTunnel), \(controlAnswers.count) answers on the LAN")
        #expect(!synsInTunnel.isEmpty && !lanSyns.isEmpty, "the requests did not go through the tunnel")
        #expect(answersInTunnel.isEmpty, "the web port answered inside the tunnel:\n\(answersInTunnel.prefix(5).map(\.description).joined(separator: "\n"))")
        #expect(answersTowardsTunnel.isEmpty, "the web port answered the tunnel's side by the LAN:\n\(answersTowardsTunnel.prefix(5).map(\.description).joined(separator: "\n"))")
        #expect(!controlAnswers.isEmpty, "control: a server without the guard answers a LAN-address SYN from the tunnel by the LAN")
    }

    // MARK: - Building

    private func makeLAN() throws {
        try server.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan1", "netns", client.name)
        try server.ip("addr", "add", "192.168.214.1/24", "dev", "lan0")
        try client.ip("addr", "add", "192.168.214.2/24", "dev", "lan1")
        try server.ip("-6", "addr", "add", "fd14:214::1/64", "dev", "lan0", "nodad")
        try client.ip("-6", "addr", "add", "fd14:214::2/64", "dev", "lan1", "nodad")
        try server.ip("link", "set", "lan0", "up")
        try client.ip("link", "set", "lan1", "up")
        // The home router: everything not local goes to the server side, IPv4 and IPv6 (leaks would find a way).
        try client.ip("route", "add", "default", "via", "192.168.214.1")
        try client.ip("-6", "route", "add", "default", "via", "fd14:214::1")
        let link = try client.ip("link", "show", "lan1")
        clientMAC = link.split(separator: " ").drop { $0 != "link/ether" }.dropFirst().first.map(String.init) ?? ""
    }

    private func makeServerTunnel() async throws {
        let wireguardGo = ["env", "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1", "wireguard-go", "-f", serverInterface]
        serverWireGuard = try ChildProcess(server.exec(wireguardGo), logPath: directory + "/wg-server.log")
        let deadline = ContinuousClock.now + .seconds(5)
        while (try? server.ip("link", "show", serverInterface)) == nil {
            guard ContinuousClock.now < deadline else { throw CommandError.failed("wireguard-go", 1, serverWireGuard?.log ?? "") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let config = try WireGuardConfig(parsing: ipv6 ? VPNLeakTests.serverFileIPv6 : VPNLeakTests.serverFile,
                                         options: .init(fileName: "server.conf"))
        let file = directory + "/server-setconf.conf"
        try Array(config.setconfText().revealed.utf8).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: file)) }
        chmod(file, 0o600)
        try Command.run(server.exec(["wg", "setconf", serverInterface, file]))
        try server.ip("addr", "add", "10.214.0.1/24", "dev", serverInterface)
        if ipv6 {
            let batch = directory + "/server-addresses.ip"
            try ((["address add fd15:214::1/64 dev \(serverInterface) nodad"]
                  + (1...100).map { "address add 10.214.1.\($0)/32 dev \(serverInterface)" }).joined(separator: "\n") + "\n")
                .write(toFile: batch, atomically: true, encoding: .utf8)
            try server.ip("-batch", batch)
        }
        try server.ip("link", "set", serverInterface, "up")
    }

    /// The IPv6 lab's swarm: a recording tracker on every address (port 6969); `payload6` announced to a tracker
    /// name with only an IPv6 address and seeded only on [fd15:214::1]:6884; `payload4` announced to a name with
    /// 100 IPv4 addresses (a truncated UDP answer) and one IPv6 one, seeded on 10.214.0.1:6885 and — offered in
    /// `peers6`, never to be dialled without IPv6 in the tunnel — on [fd15:214::1]:6886.
    private func startIPv6Swarm() async throws {
        swarm = try Swarm()
        payload6 = try await Payload(in: swarm, name: "six", size: 4 << 20, pieceSize: 65536,
                                     announce: ["http://\(VPNLeakTests.tracker6Host):6969/announce"])
        payload4 = try await Payload(in: swarm, name: "four", size: 4 << 20, pieceSize: 65536,
                                     announce: ["http://\(VPNLeakTests.dualHost):6969/announce"])
        let ip = Command.find("ip") ?? "/usr/sbin/ip"
        func inServer(_ name: String, _ script: String, _ arguments: [String]) throws -> ManagedProcess {
            try swarm.start(name, executable: ip, arguments: ["netns", "exec", server.name, Swarm.scripts + "/" + script] + arguments)
        }
        let tracker = try inServer("tracker", "recording-tracker", [
            "--port", "6969", "--log", announceLog,
            "--peers", "\(payload6.infoHash)=[fd15:214::1]:6884",
            "--peers", "\(payload4.infoHash)=10.214.0.1:6885,[fd15:214::1]:6886",
        ])
        try await tracker.waitForLine(startingWith: "ready", timeout: .seconds(10))
        let seeders = [
            try inServer("seed-six", "seed-libtorrent", ["--host", "fd15:214::1", "--port", "6884", payload6.torrent, payload6.directory]),
            try inServer("seed-four", "seed-libtorrent", ["--host", "10.214.0.1", "--port", "6885", payload4.torrent, payload4.directory]),
            try inServer("seed-four-v6", "seed-libtorrent", ["--host", "fd15:214::1", "--port", "6886", payload4.torrent, payload4.directory]),
        ]
        for seeder in seeders { try await seeder.waitForLine(startingWith: "ready", timeout: .seconds(60)) }
    }

    private func startSwarm() async throws {
        swarm = try Swarm()
        throttled = try await Payload(in: swarm, name: "throttled", size: throttledSize, pieceSize: 65536,
                                      announce: ["http://\(VPNLeakTests.trackerHost):6969/announce"])
        fast = try await Payload(in: swarm, name: "fast", size: fastSize, pieceSize: 262_144,
                                 announce: ["udp://10.214.0.1:6970/announce"])
        let ip = Command.find("ip") ?? "/usr/sbin/ip"
        func inServer(_ name: String, _ script: String, _ arguments: [String]) throws -> ManagedProcess {
            try swarm.start(name, executable: ip, arguments: ["netns", "exec", server.name, Swarm.scripts + "/" + script] + arguments)
        }
        let tracker = try inServer("tracker", "tracker", [
            "--host", "10.214.0.1", "--port", "6969", "--udp-port", "6970", "--dir", try swarm.makeDirectory("tracker"),
            throttled.infoHash, fast.infoHash,
        ])
        try await tracker.waitForLine(startingWith: "ready", timeout: .seconds(10))
        var seeders: [ManagedProcess] = []
        for (index, port) in [6881, 6882].enumerated() {
            seeders.append(try inServer("seed-throttled-\(index)", "seed-libtorrent", [
                "--host", "10.214.0.1", "--port", "\(port)", "--rate", "\(throttledRate)", throttled.torrent, throttled.directory,
            ]))
        }
        seeders.append(try inServer("seed-fast", "seed-libtorrent", ["--host", "10.214.0.1", "--port", "6883", fast.torrent, fast.directory]))
        for seeder in seeders { try await seeder.waitForLine(startingWith: "ready", timeout: .seconds(60)) }
    }

    private var rillConfig: String {
        """
        [data]
        directory = "\(directory)/data"

        [log]
        level = "info"

        [http]
        host = "0.0.0.0"
        port = \(VPNLeakTests.httpPort)

        [engine]
        download_directory = "\(downloads)"
        listen_port = 51413

        [vpn]
        interface = "\(clientInterface)"
        mode = "required"
        """
    }
}
