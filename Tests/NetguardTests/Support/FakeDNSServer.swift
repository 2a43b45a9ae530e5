import Foundation
import Synchronization
@testable import Netguard

/// A UDP "DNS server" on 127.0.0.1 whose replies the test scripts: to check that wrong ids and wrong questions
/// are ignored, that ids and source ports are random, and what happens when nothing ever answers.
final class FakeDNSServer: Sendable {
    let port: UInt16
    private final class Shared: Sendable {
        let stopped = Atomic<Bool>(false)
        let received = Mutex<[(id: UInt16, sourcePort: UInt16, name: String)]>([])
    }

    private let descriptor: Int32
    private let shared = Shared()
    private let thread: DedicatedThread

    /// `reply` gets each query and returns the datagrams to send back, in order.
    init(reply: @escaping @Sendable (_ query: [UInt8]) -> [[UInt8]]) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw CommandError.failed("bind", errno, "") }
        port = UInt16(bigEndian: address.sin_port)
        let shared = shared
        thread = try DedicatedThread {
            var buffer = [UInt8](repeating: 0, count: 2048)
            while !shared.stopped.load(ordering: .relaxed) {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 20) > 0 else { continue }
                var peer = sockaddr_in()
                var peerLength = socklen_t(MemoryLayout<sockaddr_in>.size)
                let count = withUnsafeMutablePointer(to: &peer) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(descriptor, &buffer, buffer.count, 0, $0, &peerLength)
                    }
                }
                guard count >= 12 else { continue }
                let query = Array(buffer[0..<count])
                let name = (try? DNSName.decode(query, at: 12).name) ?? "?"
                shared.received.withLock { $0.append((UInt16(query[0]) << 8 | UInt16(query[1]), UInt16(bigEndian: peer.sin_port), name)) }
                for datagram in reply(query) {
                    _ = withUnsafePointer(to: &peer) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(descriptor, datagram, datagram.count, 0, $0, peerLength)
                        }
                    }
                }
            }
        }
    }

    deinit { stop() }

    /// Queries seen so far: their id, the source port they came from, and the name asked.
    var queries: [(id: UInt16, sourcePort: UInt16, name: String)] { shared.received.withLock { $0 } }

    func stop() {
        guard !shared.stopped.exchange(true, ordering: .relaxed) else { return }
        thread.join()
        close(descriptor)
    }

    /// A reply to `query` (same id and question unless overridden) with one A record.
    static func answer(_ query: [UInt8], id: UInt16? = nil, name: String? = nil, address: [UInt8]) -> [UInt8] {
        guard let (asked, end) = try? DNSName.decode(query, at: 12), end + 4 <= query.count else { return [] }
        let questionName = DNSQuery(id: 0, host: name ?? asked, type: .a)?.wireName ?? []
        let replyID = id ?? (UInt16(query[0]) << 8 | UInt16(query[1]))
        return [UInt8(replyID >> 8), UInt8(replyID & 0xFF), 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]
            + questionName + Array(query[end..<(end + 4)])
            + [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + address
    }
}
