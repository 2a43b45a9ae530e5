/// The playlist a player gets: a VOD playlist of the whole file on a fixed grid of `segmentSeconds`, written before
/// any segment exists, so the player knows the full length and can seek anywhere at once. Segment `N` covers
/// `N × segmentSeconds` onwards; asking for one that ffmpeg has not reached restarts ffmpeg there.
///
/// URIs are relative (`init.mp4`, `N.m4s`): the Web layer serves the playlist at `…/{session}/index.m3u8` and the
/// rest beside it.
public struct HLSPlaylist: Sendable, Equatable {
    public let duration: Double
    public let segmentSeconds: Double

    public init(duration: Double, segmentSeconds: Double) {
        self.duration = duration
        self.segmentSeconds = segmentSeconds
    }

    /// How many segments cover the duration (at least one). A remainder under a second (audio running a few
    /// milliseconds past the last frame, typically) joins the last full segment instead of making a segment of its
    /// own that ffmpeg would never write.
    public var segmentCount: Int {
        let whole = max(1, Int((duration / segmentSeconds).rounded(.up)))
        let remainder = duration - Double(whole - 1) * segmentSeconds
        return whole > 1 && remainder < min(1, segmentSeconds / 4) ? whole - 1 : whole
    }

    /// The length of segment `index` (the last one takes what is left).
    public func length(of index: Int) -> Double {
        let rest = max(0, duration - Double(index) * segmentSeconds)
        return index == segmentCount - 1 ? rest : min(segmentSeconds, rest)
    }

    /// Where segment `index` starts on the file's timeline.
    public func start(of index: Int) -> Double { Double(index) * segmentSeconds }

    /// The init segment's URI in the playlist.
    public static let initName = "init.mp4"

    /// Segment `index`'s URI in the playlist.
    public static func segmentName(_ index: Int) -> String { "\(index).m4s" }

    /// The playlist text.
    public var text: String {
        var lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            "#EXT-X-TARGETDURATION:\(Int(segmentSeconds.rounded(.up)))",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            "#EXT-X-MAP:URI=\"\(Self.initName)\"",
        ]
        for index in 0..<segmentCount {
            lines.append("#EXTINF:\(Self.decimal(length(of: index))),")
            lines.append(Self.segmentName(index))
        }
        lines.append("#EXT-X-ENDLIST")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds with three decimals, without Foundation's formatting.
    static func decimal(_ value: Double) -> String {
        let millis = Int((value * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
