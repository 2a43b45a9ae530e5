import Foundation

/// tcpdump on one interface of a namespace, writing every frame to a pcap file (packet-buffered, so the file is
/// complete up to the last frame at any moment); `packets(matching:)` reads it back through a filter.
final class PacketCapture {
    static let unavailableReason: String? =
        Command.find("tcpdump") == nil ? "tcpdump is not installed (Debian tcpdump, listed in ci/deps)" : nil

    let path: String
    private let child: ChildProcess

    /// Starts capturing on `interface` in `namespace`; returns once tcpdump listens.
    init(interface: String, namespace: NetworkNamespace, path: String) throws {
        self.path = path
        child = try ChildProcess(
            namespace.exec(["tcpdump", "-i", interface, "-n", "-U", "-s", "256", "-w", path]), logPath: path + ".log"
        )
        let deadline = Date().addingTimeInterval(5)
        while !child.log.contains("listening on"), Date() < deadline {
            guard child.isRunning else { throw CommandError.failed("tcpdump", 1, child.log) }
            usleep(10_000)
        }
    }

    deinit { child.stop() }

    func stop() { child.stop() }

    /// One captured frame: when (Unix seconds) and tcpdump's one-line summary.
    struct Packet: CustomStringConvertible {
        let time: Double
        let summary: String
        var description: String { String(format: "%.6f ", time) + summary }
    }

    /// The frames that match the tcpdump `filter` (an empty filter matches all).
    func packets(matching filter: String) throws -> [Packet] {
        let output = try Command.run(["tcpdump", "-r", path, "-nn", "-tt", "-e"] + (filter.isEmpty ? [] : [filter]))
        return output.split(separator: "\n").compactMap { line in
            guard let space = line.firstIndex(of: " "), let time = Double(line[..<space]) else { return nil }
            return Packet(time: time, summary: String(line[line.index(after: space)...]))
        }
    }
}
