/// Announces to HTTP and HTTPS trackers (BEP 3, BEP 23, BEP 7) through a ``BoundHTTPClient``.
///
/// Contract: the announce query is built by ``HTTPAnnounceQuery``; resolution, binding, redirects, the body cap
/// and threading are the client's (see ``BoundHTTPClient``). A 200 answer is parsed with the configured
/// ``HTTPAnnounceResponseParser``; another status gives the tracker's bencoded failure reason when it sent
/// one, else ``TrackerError/Reason/httpStatus(_:)``. Give trackers a client on their own small thread pool
/// rather than the disk-I/O pool: a slow tracker then delays other announces, never piece writes.
public final class HTTPTracker: TrackerClient {
    private let client: BoundHTTPClient
    private let parser: HTTPAnnounceResponseParser

    public init(client: BoundHTTPClient, parser: HTTPAnnounceResponseParser = HTTPAnnounceResponseParser()) {
        self.client = client
        self.parser = parser
    }

    public func announce(
        _ request: AnnounceRequest, to url: TrackerURL, binding: NetworkBinding, timeout: Duration
    ) async throws(TrackerError) -> AnnounceResponse {
        let target = HTTPAnnounceQuery.url(for: request, tracker: url)
        let response = try await client.get(
            url, target: target, binding: binding, timeout: timeout, maxBodySize: parser.maxBodySize
        )
        return try interpret(response, url: url)
    }

    /// Success on 200; otherwise the tracker's bencoded failure reason when it sent one, else the status.
    private func interpret(_ response: BoundHTTPClient.Response, url: TrackerURL) throws(TrackerError) -> AnnounceResponse {
        do throws(TrackerError.Reason) {
            let parsed = try parser.parse(response.body)
            guard response.status == 200 else { throw TrackerError.Reason.httpStatus(response.status) }
            return parsed
        } catch let reason {
            if response.status != 200, case .malformedResponse = reason {
                throw TrackerError(url: url.text, reason: .httpStatus(response.status))
            }
            throw TrackerError(url: url.text, reason: reason)
        }
    }
}
