import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization

/// How the daemon's own ffmpeg and ffprobe read a file that is still downloading: through the stream URL on
/// loopback, with a secret that is not a user credential.
///
/// Contract: the token is 32 random bytes made when the process starts, held only in memory, sent by the tools in
/// the ``headerName`` header (never in a URL, so neither the access log, ffmpeg's messages nor the session info
/// shows it). ``AuthMiddleware`` accepts it only for `GET`/`HEAD /stream/…` on a connection from a loopback address;
/// anything else with the header is treated as if it were absent.
public final class SidecarAccess: Sendable {
    public static let headerName = "X-Rill-Sidecar"
    let token: String
    private let address = Mutex<(host: String, port: Int)?>(nil)

    public init() {
        token = SecureRandom.token()
    }

    /// Where the web server listens (from `onListening`); wildcard addresses are reached on 127.0.0.1.
    public func listening(host: String, port: Int) {
        let loopback = host == "0.0.0.0" || host == "::" || host.isEmpty || host == "localhost" ? "127.0.0.1" : host
        address.withLock { $0 = (loopback, port) }
    }

    /// `http://127.0.0.1:PORT/stream/{hash}/{index}/{name}`, or nil before the server listens.
    func streamURL(path: String) -> String? {
        guard let (host, port) = address.withLock({ $0 }) else { return nil }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return "http://\(authority)\(path)"
    }

    /// The header the tools send (name, value): for the daemon's own children, and tests; never log it.
    public var requestHeader: (name: String, value: String) { (Self.headerName, token) }

    /// True when `request` carries the token, asks for a stream, and comes from loopback.
    func admits(_ request: Request, channel: any Channel) -> Bool {
        guard let supplied = request.headers[HTTPField.Name(Self.headerName)!] else { return false }
        guard request.method == .get || request.method == .head, request.uri.path.hasPrefix("/stream/") else { return false }
        guard Self.isLoopback(channel.remoteAddress) else { return false }
        return ConstantTime.equal(supplied, token)
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let address, let ip = address.ipAddress else { return false }
        switch address.protocol {
        case .inet: return ip.hasPrefix("127.")
        case .inet6: return ip == "::1" || ip.hasPrefix("::ffff:127.")
        default: return false
        }
    }
}
