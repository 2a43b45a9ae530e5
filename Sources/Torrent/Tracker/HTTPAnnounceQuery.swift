/// Builds the GET URL of an HTTP announce (BEP 3, BEP 23).
///
/// Contract: the parameters are appended to the tracker URL's own query (private trackers keep a passkey
/// there) with `&`, or start one with `?`. Binary values (`info_hash`, `peer_id`, `trackerid`) are
/// percent-encoded byte by byte: RFC 3986 unreserved characters stay, every other byte becomes `%XX`.
/// `compact=1` is always sent; `event` only when it is not ``AnnounceEvent/none``; `trackerid` only when the
/// request has one. No address parameter is ever sent.
enum HTTPAnnounceQuery {
    static func url(for request: AnnounceRequest, tracker: TrackerURL) -> String {
        var parameters: [(String, String)] = [
            ("info_hash", PercentEncoding.encode(bytes: request.infoHash.bytes)),
            ("peer_id", PercentEncoding.encode(bytes: request.peerID.bytes)),
            ("port", String(request.port)),
            ("uploaded", String(max(0, request.uploaded))),
            ("downloaded", String(max(0, request.downloaded))),
            ("left", String(max(0, request.left))),
            ("compact", "1"),
        ]
        if let event = request.event.queryValue { parameters.append(("event", event)) }
        if request.numWant >= 0 { parameters.append(("numwant", String(request.numWant))) }
        parameters.append(("key", hex8(request.key)))
        if let trackerID = request.trackerID { parameters.append(("trackerid", PercentEncoding.encode(bytes: trackerID))) }

        let query = parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let base = tracker.requestURL
        let separator = tracker.pathAndQuery.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + query
    }

    /// Eight upper-case hex digits, as libtorrent sends `key`.
    static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
