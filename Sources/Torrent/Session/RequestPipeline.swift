/// How many block requests to keep in flight to one peer: enough of its rate to ride out the round trip, and
/// for a torrent that readers are streaming, no more than that.
///
/// A peer answers requests in the order they came. What is queued on it when a reader seeks — often already read
/// from its disk into its send buffer, where a cancel no longer reaches it — delays the piece the reader needs
/// now. So while a torrent has pieces with deadlines, a peer is kept only about a quarter second of its rate
/// ahead (more when its round trip is longer: `2.5 × RTT`), and bulk downloads keep the usual two seconds.
enum RequestPipeline {
    /// Seconds of a peer's rate kept requested for a bulk download.
    static let bulkSeconds = 2.0
    /// The least a streaming torrent keeps requested, in seconds of the peer's rate.
    static let streamingSeconds = 0.25
    /// The round trip assumed before one is measured.
    static let assumedRoundTrip = 0.5

    /// The depth, in blocks, for a peer sending `rate` bytes per second with round trip `roundTrip` (seconds),
    /// within `minimum…maximum`. A peer whose rate is not known yet gets `initial`.
    static func depth(
        rate: Double, roundTrip: Double?, streaming: Bool, initial: Int, minimum: Int, maximum: Int
    ) -> Int {
        let seconds = streaming ? max(streamingSeconds, 2.5 * (roundTrip ?? assumedRoundTrip)) : bulkSeconds
        let byRate = Int(rate * seconds / Double(BlockRequest.standardLength))
        let floor = streaming ? minimum : initial / 2
        return max(minimum, min(maximum, max(byRate, floor)))
    }
}
