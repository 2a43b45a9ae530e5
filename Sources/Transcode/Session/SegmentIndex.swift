/// The segments a session has on disk, by where they sit on the file's timeline, and which one answers a grid slot
/// of the player's playlist.
///
/// For transcoded video the two coincide (a keyframe on every boundary). For copied video a segment runs from one
/// source keyframe to the next, so a grid slot is answered by the segment that contains the slot's middle; the
/// player places the media by its timestamps.
struct SegmentIndex {
    struct Segment: Equatable {
        let path: String
        /// Start and end on the file's timeline (seconds, ``TranscodeArguments/timelineOffset`` removed).
        let start: Double
        let end: Double
        let size: Int
    }

    /// Sorted by start, no two starting within ``sameStart`` of each other.
    private(set) var segments: [Segment] = []

    /// Starts closer than this are the same segment written by two runs.
    static let sameStart = 0.1

    var totalBytes: Int { segments.reduce(0) { $0 + $1.size } }

    /// Adds a finished segment, replacing one that starts at the same time; returns the replaced one's path (to
    /// delete) when it was a different file.
    @discardableResult
    mutating func add(_ segment: Segment) -> String? {
        var replaced: String?
        if let same = segments.firstIndex(where: { abs($0.start - segment.start) < Self.sameStart }) {
            replaced = segments[same].path == segment.path ? nil : segments[same].path
            segments.remove(at: same)
        }
        let position = segments.firstIndex { $0.start > segment.start } ?? segments.count
        segments.insert(segment, at: position)
        return replaced
    }

    /// The segment that holds time `time`, if any.
    func segment(containing time: Double) -> Segment? {
        segments.last { $0.start - Self.sameStart <= time && time < $0.end }
    }

    /// The last segment starting at or before `time` (the answer for a slot past the media's real end).
    func lastSegment(startingBefore time: Double) -> Segment? {
        segments.last { $0.start <= time }
    }

    /// The end of the contiguous run of segments that starts at or before `time` and covers it; `time` itself
    /// when no segment covers it. How far ffmpeg has got past a point.
    func coveredEnd(from time: Double) -> Double {
        var end = time
        for segment in segments where segment.start - Self.sameStart <= end && segment.end > end {
            end = segment.end
        }
        return end
    }

    /// Removes and returns segments that end before `time`, oldest first, until `bytes` or fewer remain.
    mutating func evict(endingBefore time: Double, downTo bytes: Int) -> [Segment] {
        var removed: [Segment] = []
        var total = totalBytes
        while total > bytes, let first = segments.first, first.end < time {
            removed.append(segments.removeFirst())
            total -= first.size
        }
        return removed
    }
}
