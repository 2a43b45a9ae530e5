/// Limits and tuning of streaming. Defaults suit a 512 MiB Pi (DESIGN.md: RAM piece cache 32 MiB).
public struct StreamConfiguration: Sendable {
    /// The RAM piece cache's budget in bytes; never exceeded (readers wait instead).
    public var ramCacheBytes = 32 << 20
    /// Of that, the most kept of chunks no reader holds now (the page cache has the file anyway).
    public var ramCacheRetainBytes = 4 << 20
    /// The unit the cache holds and readers copy out: a slice of one piece.
    public var chunkBytes = 256 << 10
    /// Right after a reader opens (a new request: a start or a seek) its window is the piece under it plus this
    /// many bytes (none by default)…
    public var seekReadaheadBytes = 0
    /// …and it earns read-ahead by reading: the window grows by twice what the reader has read past this many
    /// bytes, up to the full window below. A player that skips around, or probes a file with short reads, then does
    /// not set the swarm fetching pieces it never plays, and the peers keep their upload quota for the next seek
    /// (anacrolix/torrent grows its readahead the same way). A reader that goes on playing passes this within the
    /// first piece or two.
    public var readaheadEarnedAfterBytes = 1 << 20
    /// How long a reader that has not yet earned read-ahead waits for its client to leave before a piece it
    /// reaches is asked for. Browsers and players drop a connection after a short read on every seek, and
    /// scrubbing sends many such requests; the bytes already in the socket carry each reader into its next piece,
    /// which the swarm would then fetch for nobody (and spend the upload quota the next seek needs). A client that
    /// stays pays this once per request.
    public var probePause: Duration = .milliseconds(40)
    /// The full read-ahead window: at least this many bytes past a reader's position…
    public var minReadaheadBytes = 8 << 20
    /// …at most this many…
    public var maxReadaheadBytes = 64 << 20
    /// …and otherwise this many seconds of playback at the reader's measured rate, plus two seconds of what the
    /// swarm delivers.
    public var readaheadSeconds = 20.0
    /// Of a video file in use, the first and last bytes fetched early and kept in the disk cache (MP4 `moov`,
    /// MKV cues and seek heads live there).
    public var headBytes = 4 << 20
    public var tailBytes = 2 << 20
    /// Longest a reader waits for one piece before the response ends with an error.
    public var pieceWaitTimeout: Duration = .seconds(120)
    /// Longest a reader of a magnet waits for its metadata.
    public var metadataTimeout: Duration = .seconds(60)
    /// Longest a reader waits for room in the RAM cache.
    public var cacheWaitTimeout: Duration = .seconds(30)
    /// How often the deadlines of torrents with readers are refreshed (rates change).
    public var refreshInterval: Duration = .seconds(1)

    public init() {}
}
