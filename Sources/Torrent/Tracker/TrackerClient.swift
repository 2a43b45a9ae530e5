/// Something that can announce to a tracker: ``HTTPTracker``, ``UDPTracker``, or ``TrackerClients`` choosing
/// between them by scheme.
///
/// Contract: one call is one announce to one tracker, bounded by `timeout` in total (resolution, retransmits and
/// redirects included). Every socket it opens obeys `binding`. Failures and cancellation are
/// ``TrackerError``s naming the URL.
public protocol TrackerClient: Sendable {
    func announce(
        _ request: AnnounceRequest, to url: TrackerURL, binding: NetworkBinding, timeout: Duration
    ) async throws(TrackerError) -> AnnounceResponse
}

/// Routes each announce to the client for its URL's scheme: `http`/`https` to an ``HTTPTracker``, `udp` to a
/// ``UDPTracker``. A scheme without a client throws ``TrackerError/Reason/unsupportedScheme(_:)``.
public struct TrackerClients: TrackerClient {
    public let http: HTTPTracker?
    public let udp: UDPTracker?

    public init(http: HTTPTracker?, udp: UDPTracker?) {
        self.http = http
        self.udp = udp
    }

    public func announce(
        _ request: AnnounceRequest, to url: TrackerURL, binding: NetworkBinding, timeout: Duration
    ) async throws(TrackerError) -> AnnounceResponse {
        switch url.scheme {
        case .http, .https:
            guard let http else { throw TrackerError(url: url.text, reason: .unsupportedScheme(url.scheme.rawValue)) }
            return try await http.announce(request, to: url, binding: binding, timeout: timeout)
        case .udp:
            guard let udp else { throw TrackerError(url: url.text, reason: .unsupportedScheme(url.scheme.rawValue)) }
            return try await udp.announce(request, to: url, binding: binding, timeout: timeout)
        }
    }
}
