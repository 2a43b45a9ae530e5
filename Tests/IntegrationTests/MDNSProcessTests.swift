import Foundation
import Testing
import TestSupport

/// The mDNS responder in the real binary, asked by real clients: python3-zeroconf (browse, resolve, goodbye) and
/// dig (unicast queries to port 5353), from a second network namespace joined to rill's by a veth pair ("the LAN").
/// rill's namespace also has a `wg0` link (a veth standing in for the WireGuard tunnel: this kernel has no dummy or
/// wireguard module) that must never be answered on or announced.
@Suite("mDNS with real clients", .serialized, .enabled(if: MDNSLab.unavailableReason == nil, "\(MDNSLab.unavailableReason ?? "")"))
struct MDNSProcessTests {
    /// Browses `_http._tcp`, resolves the first service found, prints it as JSON; with `wait-removed`, then waits for
    /// the service's goodbye and prints whether it came.
    static let browser = #"""
    import sys, json, time, threading
    from zeroconf import Zeroconf, ServiceBrowser, ServiceStateChange, IPVersion
    zc = Zeroconf(interfaces=[sys.argv[1]], ip_version=IPVersion.V4Only)
    events, found, removed = [], threading.Event(), threading.Event()
    t0 = time.monotonic()
    def handler(zeroconf, service_type, name, state_change):
        events.append((round((time.monotonic() - t0) * 1000), str(state_change), name))
        if state_change is ServiceStateChange.Added: found.set()
        if state_change is ServiceStateChange.Removed: removed.set()
    browser = ServiceBrowser(zc, "_http._tcp.local.", handlers=[handler])
    result = {"found": found.wait(10)}
    if result["found"]:
        name = [e[2] for e in events if "Added" in e[1]][0]
        t1 = time.monotonic()
        info = zc.get_service_info("_http._tcp.local.", name, timeout=3000)
        result.update(name=name, browse_ms=events[0][0], resolve_ms=round((time.monotonic() - t1) * 1000))
        if info:
            result.update(server=info.server, port=info.port, addresses=info.parsed_addresses(),
                          properties={k.decode(): (v.decode() if v else None) for k, v in info.properties.items()})
    print(json.dumps(result), flush=True)
    if len(sys.argv) > 2:
        print(json.dumps({"removed": removed.wait(20)}), flush=True)
    zc.close()
    """#

    /// Registers a service whose host is `argv[2]` (claiming that name with this host's address) for `argv[3]` s.
    static let squatter = #"""
    import sys, socket, time, json
    from zeroconf import Zeroconf, ServiceInfo, IPVersion
    zc = Zeroconf(interfaces=[sys.argv[1]], ip_version=IPVersion.V4Only)
    info = ServiceInfo("_squat._tcp.local.", "Squatter._squat._tcp.local.", port=9,
                       addresses=[socket.inet_aton(sys.argv[1])], server=sys.argv[2])
    zc.register_service(info)
    print(json.dumps({"registered": sys.argv[2]}), flush=True)
    time.sleep(float(sys.argv[3]))
    zc.unregister_service(info)
    zc.close()
    """#

    func startRill(_ lab: MDNSLab, _ directory: TemporaryDirectory) throws -> (rill: RillProcess, port: Int, suffix: String) {
        let rill = try RillProcess(environment: [
            "RILL_HTTP_HOST": "0.0.0.0", "RILL_HTTP_PORT": "0", "RILL_ENGINE_LISTEN_PORT": "0",
            "RILL_DATA_DIRECTORY": directory.path + "/data", "RILL_DEVICE_MDNS": "auto",
        ], workingDirectory: directory.path, launcher: lab.exec(in: lab.device))
        let listening = try rill.waitForLog(#"listening on http://0\.0\.0\.0:\d+"#)
        let port = Int(listening.split(separator: ":").last ?? "") ?? 0
        try rill.waitForLog(#"\[Device\] mDNS names announced"#)
        let id = try String(contentsOfFile: directory.path + "/data/device/id", encoding: .utf8)
        return (rill, port, String(id.prefix(4)))
    }

    @Test("rill.local and rill-XXXX.local answer with the LAN address, never the tunnel's; zeroconf browses and resolves the web UI; the goodbye removes it")
    func namesServiceAndGoodbye() throws {
        let lab = try MDNSLab()
        let directory = try TemporaryDirectory()
        let (rill, port, suffix) = try startRill(lab, directory)
        defer { if rill.process.isRunning { _ = rill.stop(with: SIGKILL) } }

        let a = try lab.dig("rill.local", "A")
        #expect(a.answers == ["192.168.77.1"], "\(a.output)")
        let unique = try lab.dig("rill-\(suffix).local", "A")
        #expect(unique.answers == ["192.168.77.1"], "\(unique.output)")
        let aaaa = try lab.dig("RILL-\(suffix).local", "AAAA")
        #expect(aaaa.answers.count == 1 && aaaa.answers[0].hasPrefix("fe80::"), "\(aaaa.output)")
        // Over the tunnel's link nothing answers (the link works: the web UI answers there).
        #expect(try curlGetInNamespace(lab, "http://10.99.0.1:\(port)/healthz") == "ok\n")
        let tunnel = try lab.dig("rill.local", "A", server: "10.99.0.1")
        #expect(tunnel.answers.isEmpty && tunnel.milliseconds == nil, "\(tunnel.output)")

        let status = try #require(try curlGetInNamespace(lab, "http://192.168.77.1:\(port)/api/v1/status"))
        #expect(status.contains("rill.local, rill-\(suffix).local (answering) on mdns0 (192.168.77.1"), "\(status)")
        #expect(!status.contains("10.99.0.1"))

        let browsing = try lab.spawn(["/usr/bin/python3", "-c", Self.browser, "192.168.77.2", "wait-removed"], in: lab.client)
        let first = try browsing.waitForLine(containing: "\"found\"", seconds: 20)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(json["found"] as? Bool == true, "\(first)")
        #expect(json["name"] as? String == "Rill rill-\(suffix)._http._tcp.local.")
        #expect(json["server"] as? String == "rill-\(suffix).local.")
        #expect(json["port"] as? Int == port)
        #expect((json["addresses"] as? [String])?.contains("192.168.77.1") == true)
        #expect((json["addresses"] as? [String])?.contains("10.99.0.1") == false)
        #expect((json["properties"] as? [String: String?])?["path"] == "/")
        print("mDNS latency: zeroconf browse \(json["browse_ms"] ?? "?") ms, resolve \(json["resolve_ms"] ?? "?") ms; dig A \(a.milliseconds ?? -1) ms, AAAA \(aaaa.milliseconds ?? -1) ms")

        #expect(rill.stop(with: SIGTERM).status == 0)
        let removed = try browsing.waitForLine(containing: "\"removed\"", seconds: 25)
        #expect(removed.contains("true"), "no goodbye seen: \(removed)")
    }

    @Test("a host that takes rill.local on the LAN makes rill rename itself rill-2.local, which then answers")
    func conflict() throws {
        let lab = try MDNSLab()
        let directory = try TemporaryDirectory()
        let (rill, _, _) = try startRill(lab, directory)
        defer { if rill.process.isRunning { _ = rill.stop(with: SIGKILL) } }
        let squatter = try lab.spawn(["/usr/bin/python3", "-c", Self.squatter, "192.168.77.2", "rill.local.", "30"], in: lab.client)
        _ = try squatter.waitForLine(containing: "registered", seconds: 20)
        try rill.waitForLog(#"names=rill-2\.local\., rill-[0-9a-f]{4}\.local\. service=.*\[Device\] mDNS names announced"#, timeout: 20)
        #expect(try lab.dig("rill-2.local", "A").answers == ["192.168.77.1"])
        #expect(rill.stop(with: SIGTERM).status == 0)
    }

    /// GET through curl run inside the client namespace (the web UI listens on rill's LAN address).
    func curlGetInNamespace(_ lab: MDNSLab, _ url: String) throws -> String? {
        let result = try lab.run(["curl", "-s", "-m", "5", url], in: lab.client)
        return result.status == 0 ? result.output : nil
    }
}

/// Two network namespaces joined by a veth pair, 192.168.77.1 (rill's, `mdns0`) and .2 (the client's, `mdns1`),
/// plus a `wg0` link in rill's namespace (10.99.0.1, its peer 10.99.0.2 in the client's). Removed on release;
/// leftovers of test processes that died are removed first.
final class MDNSLab {
    static let prefix = "rillmd-"
    let device: String
    let client: String

    static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "not root: network namespaces need root" }
        for tool in ["/usr/sbin/ip", "/usr/bin/dig", "/usr/bin/curl"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing"
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        probe.arguments = ["-c", "import zeroconf"]
        guard (try? probe.run()) != nil else { return "no /usr/bin/python3" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? nil : "python3-zeroconf is not installed"
    }()

    init() throws {
        Self.removeStale()
        device = "\(Self.prefix)\(getpid())-a"
        client = "\(Self.prefix)\(getpid())-b"
        for name in [device, client] {
            _ = try? run(["/usr/sbin/ip", "netns", "del", name])
            try check(["/usr/sbin/ip", "netns", "add", name])
            try check(exec(in: name) + ["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"])
            try check(["/usr/sbin/ip", "-n", name, "link", "set", "lo", "up"])
        }
        try check(["/usr/sbin/ip", "link", "add", "mdns0", "netns", device, "type", "veth", "peer", "name", "mdns1", "netns", client])
        try check(["/usr/sbin/ip", "link", "add", "wg0", "netns", device, "type", "veth", "peer", "name", "wgpeer", "netns", client])
        for (namespace, link, address) in [(device, "mdns0", "192.168.77.1/24"), (client, "mdns1", "192.168.77.2/24"),
                                           (device, "wg0", "10.99.0.1/24"), (client, "wgpeer", "10.99.0.2/24")] {
            try check(["/usr/sbin/ip", "-n", namespace, "addr", "add", address, "dev", link])
            try check(["/usr/sbin/ip", "-n", namespace, "link", "set", link, "up"])
        }
        try check(["/usr/sbin/ip", "-n", client, "route", "add", "224.0.0.0/4", "dev", "mdns1"])
    }

    deinit {
        for name in [device, client] { _ = try? run(["/usr/sbin/ip", "netns", "del", name]) }
    }

    func exec(in namespace: String) -> [String] { ["/usr/sbin/ip", "netns", "exec", namespace] }

    /// Runs a command to its end; its status and output (stdout and stderr).
    @discardableResult
    func run(_ arguments: [String], in namespace: String? = nil) throws -> (status: Int32, output: String) {
        let full = (namespace.map { exec(in: $0) } ?? []) + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: full[0].hasPrefix("/") ? full[0] : "/usr/bin/env")
        process.arguments = full[0].hasPrefix("/") ? Array(full.dropFirst()) : full
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func check(_ arguments: [String]) throws {
        let result = try run(arguments)
        guard result.status == 0 else { throw MDNSLabError.failed(arguments.joined(separator: " "), result.output) }
    }

    /// `dig` from the client's namespace to `server` port 5353 (a legacy unicast query: rill answers it like a
    /// multicast one, TTL 10): the answer section's data, and the query time dig measured (nil without an answer).
    func dig(_ name: String, _ type: String, server: String = "192.168.77.1") throws -> (answers: [String], milliseconds: Int?, output: String) {
        let result = try run(["/usr/bin/dig", "@\(server)", "-p", "5353", name, type, "+time=2", "+tries=1", "+noall", "+answer", "+stats"], in: client)
        let answers = result.output.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.isEmpty }
            .compactMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init) }
        let time = result.output.split(separator: "\n").first { $0.contains("Query time:") }
            .flatMap { Int($0.split(separator: " ").dropFirst(3).first ?? "") }
        return (answers, time, result.output)
    }

    /// Starts a long-running command in `namespace` with its output collected for `waitForLine`.
    func spawn(_ arguments: [String], in namespace: String) throws -> LabProcess {
        try LabProcess(exec(in: namespace) + arguments)
    }

    static func removeStale() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).split(separator: "-").first ?? ""),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "del", name]
            try? process.run()
            process.waitUntilExit()
        }
    }
}

/// A command running in the background whose output lines can be waited for; killed when released.
final class LabProcess {
    let process = Process()
    private let output = Pipe()
    private var buffer = ""

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits up to `seconds` for a line containing `text` and returns it.
    func waitForLine(containing text: String, seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        let handle = output.fileHandleForReading
        while Date() < deadline {
            if let line = buffer.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 200) > 0 {
                let data = handle.availableData
                if data.isEmpty { break }
                buffer += String(decoding: data, as: UTF8.self)
            }
        }
        if let line = buffer.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
        throw MDNSLabError.failed("waiting for \"\(text)\"", buffer)
    }
}

enum MDNSLabError: Error {
    case failed(String, String)
}
