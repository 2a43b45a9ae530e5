/// Why an announce to one tracker failed, and which tracker it was.
///
/// Contract: every failure of ``HTTPTracker``, ``UDPTracker`` and ``TrackerClients`` is one of these; nothing
/// else escapes them. ``url`` is the announce URL as the torrent gave it (or as a redirect rewrote it), so a log
/// line or an API status names the tracker. Texts that came from the network (failure reasons, curl messages)
/// are cut to ``maxMessageLength`` bytes.
public struct TrackerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Error, Sendable, Hashable {
        /// The tracker answered with a refusal: `failure reason` (HTTP) or the error action (UDP, BEP 15).
        case failure(String)
        /// The answer could not be understood: `what` was wrong, `offset` is the byte where it was found
        /// (when there is one).
        case malformedResponse(what: String, offset: Int?)
        /// The answer was longer than the configured limit, in bytes.
        case responseTooLarge(limit: Int)
        /// An HTTP status other than 200 without a bencoded failure reason.
        case httpStatus(Int)
        /// The transfer failed below HTTP/BEP 15: connection refused, TLS, the bound interface missing, a
        /// socket error. The text is curl's message or the socket error.
        case network(String)
        /// No answer within the time allowed, in seconds.
        case timeout(seconds: Double)
        /// The URL's scheme is not `http`, `https` or `udp`.
        case unsupportedScheme(String)
        /// The URL cannot be parsed, or names a host no tracker client would dare to hand to libcurl.
        case invalidURL(String)
        /// The host name could not be turned into an address the binding allows.
        case resolution(host: String, reason: String)
        /// No network binding is available (the VPN is down): the announce was not attempted.
        case offline
        /// The announce was cancelled (the torrent stopped).
        case cancelled
    }

    /// The tracker's announce URL.
    public let url: String
    /// What went wrong.
    public let reason: Reason

    /// Texts from the network are cut to this many bytes.
    public static let maxMessageLength = 512

    public init(url: String, reason: Reason) {
        self.url = url
        self.reason = reason
    }

    /// For example `tracker http://t.example/announce: failure "unregistered torrent"`.
    public var description: String { "tracker \(url): \(reason.summary)" }
}

extension TrackerError.Reason {
    /// One line for logs and the API status, without the URL.
    public var summary: String {
        switch self {
        case .failure(let text): "failure \"\(text)\""
        case .malformedResponse(let what, let offset?): "malformed response: \(what) at byte \(offset)"
        case .malformedResponse(let what, nil): "malformed response: \(what)"
        case .responseTooLarge(let limit): "response larger than \(limit) bytes"
        case .httpStatus(let status): "HTTP status \(status)"
        case .network(let text): "network error: \(text)"
        case .timeout(let seconds): "no answer within \(seconds) s"
        case .unsupportedScheme(let scheme): "unsupported scheme \"\(scheme)\""
        case .invalidURL(let why): "invalid URL: \(why)"
        case .resolution(let host, let why): "cannot resolve \(host): \(why)"
        case .offline: "no network binding (VPN down)"
        case .cancelled: "cancelled"
        }
    }

    /// Text from the network as a bounded, printable string (invalid UTF-8 repaired, control characters dropped).
    static func networkText(_ bytes: some Collection<UInt8>) -> String {
        let cut = Array(bytes.prefix(TrackerError.maxMessageLength))
        let text = String(decoding: cut, as: UTF8.self)
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }
}
