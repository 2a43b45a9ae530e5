import Torrent

/// Turns a reader's position into piece deadlines: the piece under it now, a window ahead of it timed by the
/// playback rate, and — for media files — the file's tail, where containers keep their index.
///
/// The full window is `readaheadSeconds` of playback at the reader's measured rate plus two seconds of what the
/// swarm delivers, clamped to `minReadaheadBytes…maxReadaheadBytes` and to the file's end; a reader that has just
/// opened gets the piece under it (plus `seekReadaheadBytes`), growing by twice what it has read past
/// `readaheadEarnedAfterBytes` until it reaches that. Pieces in it get
/// deadlines at the time the reader will reach them at its rate (a nominal 2 MiB/s before the rate is
/// known), so the picker fetches them in order and only a piece that is really late is asked of a second peer.
public struct ReadaheadPolicy: Sendable {
    public let configuration: StreamConfiguration
    /// The rate assumed before a reader's own is measured: about a 16 Mbit/s video.
    public static let nominalRate = 2.0 * 1_048_576

    public init(configuration: StreamConfiguration) {
        self.configuration = configuration
    }

    /// Bytes ahead of a reader that has read `readSoFar` bytes since it opened to fetch.
    public func windowBytes(readRate: Double?, swarmRate: Double, readSoFar: Int64) -> Int64 {
        let wanted = (readRate ?? Self.nominalRate) * configuration.readaheadSeconds + max(0, swarmRate) * 2
        let full = Int64(min(Double(configuration.maxReadaheadBytes), max(Double(configuration.minReadaheadBytes), wanted)))
        let earned = max(0, readSoFar - Int64(configuration.readaheadEarnedAfterBytes))
        let grown = Int64(configuration.seekReadaheadBytes) + 2 * earned
        return min(full, grown)
    }

    /// Whether a reader `readSinceRequest` bytes past where its request began, reaching a piece that is not here,
    /// first gives its client ``StreamConfiguration/probePause`` to leave: only before it has earned read-ahead,
    /// and never for the first piece of a request (that one is what the client asked for).
    public func pausesBeforeFetching(readSinceRequest: Int64) -> Bool {
        readSinceRequest > 0 && readSinceRequest < Int64(configuration.readaheadEarnedAfterBytes)
    }

    /// The deadlines one reader at file position `position`, having read `readSoFar` bytes, needs.
    public func deadlines(
        for file: StreamFile, at position: Int64, readSoFar: Int64, readRate: Double?, swarmRate: Double,
        now: ContinuousClock.Instant
    ) -> [(piece: Int, deadline: ContinuousClock.Instant)] {
        guard file.length > 0 else { return [] }
        let start = min(max(0, position), file.length - 1)
        let window = windowBytes(readRate: readRate, swarmRate: swarmRate, readSoFar: readSoFar)
        let end = min(file.length, start + max(1, window))  // at least the piece under the reader
        let rate = max(64 * 1024, readRate ?? Self.nominalRate)
        var result: [(piece: Int, deadline: ContinuousClock.Instant)] = []
        if let window = file.pieces(covering: start..<end) {
            for piece in window {
                let ahead = max(0, file.position(ofPiece: piece) - start)
                result.append((piece, now + .milliseconds(Int64(Double(ahead) / rate * 1000))))
            }
        }
        for piece in tailPieces(of: file) where !(result.contains { $0.piece == piece }) {
            result.append((piece, now + .seconds(1)))  // the index: needed right after the first pieces
        }
        return result
    }

    /// The pieces of a media file's head and tail (its index, cues, `moov`), fetched early and kept in the disk
    /// cache while the file is in use; none for other files.
    public func pinnedPieces(of file: StreamFile) -> [Int] {
        guard file.isMedia, file.length > 0 else { return [] }
        var pieces = Set<Int>()
        if let head = file.pieces(covering: 0..<min(file.length, Int64(configuration.headBytes))) { pieces.formUnion(head) }
        let tailStart = max(0, file.length - Int64(configuration.tailBytes))
        if let tail = file.pieces(covering: tailStart..<file.length) { pieces.formUnion(tail) }
        return pieces.sorted()
    }

    /// The tail pieces only: what a reader at the start needs besides its window.
    public func tailPieces(of file: StreamFile) -> [Int] {
        guard file.isMedia, file.length > 0 else { return [] }
        let tailStart = max(0, file.length - Int64(configuration.tailBytes))
        return file.pieces(covering: tailStart..<file.length).map(Array.init) ?? []
    }
}
