/// What ffmpeg's own playlist of a run says: the segments it has finished (it lists one only once it is complete)
/// with their durations, and whether it has written them all (`#EXT-X-ENDLIST`).
struct FFmpegPlaylist: Equatable {
    struct Entry: Equatable {
        /// The file name as written, e.g. `seg-12.m4s`.
        let name: String
        /// ffmpeg's segment number (the `%d`, counted from `-start_number`).
        let number: Int
        let duration: Double
    }

    var entries: [Entry] = []
    var ended = false

    /// Parses the text; lines that are not understood are skipped (the file is ffmpeg's, not a client's).
    init(text: String) {
        var duration: Double?
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#EXTINF:") {
                duration = Double(line.dropFirst(8).prefix { $0 != "," })
            } else if line == "#EXT-X-ENDLIST" {
                ended = true
            } else if !line.hasPrefix("#"), let duration, let number = Self.number(in: line) {
                entries.append(Entry(name: String(line), number: number, duration: duration))
            }
        }
    }

    init() {}

    /// `seg-12.m4s` → 12.
    static func number(in name: Substring) -> Int? {
        guard name.hasPrefix("seg-"), name.hasSuffix(".m4s") else { return nil }
        return Int(name.dropFirst(4).dropLast(4))
    }
}
