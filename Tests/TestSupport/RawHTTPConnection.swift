#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A blocking TCP connection to a local HTTP server that sends exactly the bytes a test gives it, so tests can
/// send what no polite client would: oversized headers, half a request, a body that never ends.
public final class RawHTTPConnection: @unchecked Sendable {
    private let socket: Int32
    private var buffered: [UInt8] = []

    /// A parsed response: status code, header fields (names lower-cased) and body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: String
    }

    public init(port: Int, timeoutSeconds: Int = 10) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw FileError.failed("socket") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(socket)
            throw FileError.failed("connect to port \(port): errno \(errno)")
        }
    }

    deinit { close(socket) }

    /// Sends all of `text`; returns false when the server has closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        send(Array(text.utf8))
    }

    /// Sends all of `bytes`; returns false when the server has closed the connection.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Reads one response (status line, headers, `Content-Length` body); nil when the connection closed first.
    public func readResponse() -> Response? {
        guard let headEnd = fill(until: { $0.firstRange(of: [13, 10, 13, 10]) }) else { return nil }
        let head = String(decoding: buffered[..<headEnd.lowerBound], as: UTF8.self)
        buffered.removeSubrange(..<headEnd.upperBound)
        var lines = head.split(separator: "\r\n").makeIterator()
        guard let statusLine = lines.next(), let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            return nil
        }
        var headers: [String: String] = [:]
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingPrefix(" ").description
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        guard fill(until: { $0.count >= length ? 0..<length : nil }) != nil else { return nil }
        let body = String(decoding: buffered.prefix(length), as: UTF8.self)
        buffered.removeFirst(length)
        return Response(status: status, headers: headers, body: body)
    }

    /// Everything received up to and including the first `marker` after the response head (for streamed
    /// bodies such as server-sent events); nil when the connection closes or times out first.
    public func readUntil(_ marker: String) -> String? {
        let headEnd: [UInt8] = [13, 10, 13, 10]
        let needle = Array(marker.utf8)
        guard let range = fill(until: { bytes in
            guard let head = bytes.firstRange(of: headEnd) else { return nil }
            return bytes[head.upperBound...].firstRange(of: needle)
        }) else { return nil }
        let text = String(decoding: buffered[..<range.upperBound], as: UTF8.self)
        buffered.removeSubrange(..<range.upperBound)
        return text
    }

    /// True when the server closes the connection (reads end) within the receive timeout.
    public func isClosedByServer() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func fill(until found: ([UInt8]) -> Range<Int>?) -> Range<Int>? {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            if let range = found(buffered) { return range }
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffered.append(contentsOf: chunk[0..<count])
        }
    }
}

extension RawHTTPConnection {
    /// ``readResponse()`` on a thread of its own (see ``offPool(_:)``): for async tests.
    public func response() async -> Response? {
        await offPool { self.readResponse() }
    }

    /// ``isClosedByServer()`` on a thread of its own (see ``offPool(_:)``): for async tests.
    public func closedByServer() async -> Bool {
        await offPool { self.isClosedByServer() }
    }
}
