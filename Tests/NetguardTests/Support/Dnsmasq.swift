import Foundation
import TestSupport

/// A real DNS server for the resolver tests: dnsmasq answering only from its command line (no upstream, no
/// /etc/hosts), logging every query it receives to a file the test can read.
final class Dnsmasq {
    static let unavailableReason: String? =
        Command.find("dnsmasq") == nil ? "dnsmasq is not installed (Debian dnsmasq-base, listed in ci/deps)" : nil

    /// Names under `.test` it knows; anything else under `.test` is NXDOMAIN.
    static let records = [
        "--local=/test/", "--address=/tracker.test/10.1.2.3", "--host-record=dual.test,10.1.2.4,fd00::4",
        "--cname=alias.test,dual.test", "--local-ttl=60",
    ]

    let port: UInt16
    private let directory: TemporaryDirectory
    private let child: ChildProcess

    /// Starts it listening on `addresses`:`port` (a free port on 127.0.0.1 by default), inside `namespace` if given,
    /// with `extraRecords` (dnsmasq options such as `--address=/name/1.2.3.4`) besides `records`.
    init(addresses: [String] = ["127.0.0.1"], port: UInt16? = nil, namespace: NetworkNamespace? = nil,
         extraRecords: [String] = []) throws {
        directory = try TemporaryDirectory()
        self.port = try port ?? Self.freeUDPPort()
        let arguments = [
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-hosts", "--no-resolv", "--bind-interfaces",
            "--port=\(self.port)", "--user=root", "--pid-file=\(directory.path)/pid",
            "--log-queries", "--log-facility=\(directory.path)/queries.log",
        ] + addresses.map { "--listen-address=\($0)" } + Self.records + extraRecords
        child = try ChildProcess(namespace?.exec(arguments) ?? arguments, logPath: directory.path + "/stderr.log")
        let deadline = Date().addingTimeInterval(5)
        while !queryLog.contains("started"), Date() < deadline {
            guard child.isRunning else { throw CommandError.failed("dnsmasq", 1, child.log) }
            usleep(10_000)
        }
    }

    deinit { child.stop() }

    /// Every line dnsmasq logged: `query[A] tracker.test from 127.0.0.1`, …
    var queryLog: String { (try? String(contentsOfFile: directory.path + "/queries.log", encoding: .utf8)) ?? "" }

    func stop() { child.stop() }

    /// A UDP port nothing on 127.0.0.1 is using right now.
    static func freeUDPPort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(descriptor, $0, length) == 0, getsockname(descriptor, $0, &length) == 0 else {
                    throw CommandError.failed("bind", errno, "")
                }
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
