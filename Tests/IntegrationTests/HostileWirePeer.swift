#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A blocking TCP peer that says exactly what a test scripts on the BitTorrent wire: a valid handshake followed by
/// garbage, lies and floods. It never reads unless told to, so it also plays the peer that stops reading.
final class HostileWirePeer {
    private let socket: Int32

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks the kernel's receive buffer (a slow reader).
    init?(port: Int, receiveBuffer: Int32? = nil) {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        if var size = receiveBuffer {
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            close(socket)
            return nil
        }
    }

    deinit { close(socket) }

    /// Sends as much of `bytes` as the peer takes before it closes or stops reading; returns whether all went.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    // MARK: - Messages

    /// The BEP 3 handshake with the extension (BEP 10) and fast (BEP 6) bits set.
    static func handshake(infoHash: [UInt8], peerID: [UInt8]) -> [UInt8] {
        [19] + Array("BitTorrent protocol".utf8) + [0, 0, 0, 0, 0, 0x10, 0, 0x04] + infoHash + peerID
    }

    /// A length-prefixed message: `id` and `payload`.
    static func message(_ id: UInt8, _ payload: [UInt8] = []) -> [UInt8] {
        bigEndian(UInt32(payload.count + 1)) + [id] + payload
    }

    /// `request` (id 6) for `length` bytes at `begin` of `piece`.
    static func request(piece: UInt32, begin: UInt32, length: UInt32) -> [UInt8] {
        message(6, bigEndian(piece) + bigEndian(begin) + bigEndian(length))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
