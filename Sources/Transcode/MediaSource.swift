/// Where ffmpeg and ffprobe read a file from: a local path, or an http(s) URL they fetch themselves (the stream URL
/// `http://127.0.0.1:PORT/stream/{infohash}/{fileIndex}/{name}` while a torrent downloads).
///
/// Transcode never reads the bytes itself, so it does not depend on Stream or Web; it only hands this value to the
/// tools. Construction validates the shape so nothing else (an option such as `-f`, a `concat:` or `pipe:`
/// protocol) can reach the tools' command lines.
public struct MediaSource: Sendable, Hashable, CustomStringConvertible {
    /// The path or URL exactly as given to ffmpeg's `-i`.
    public let location: String
    /// True for http(s) URLs.
    public let isURL: Bool
    /// One request header the tools send with every HTTP request (`-headers`), e.g. the daemon's own sidecar
    /// credential for its stream URL. Never part of ``location`` or ``description``, so it is not logged or shown.
    let header: String?

    /// A local file by absolute path.
    public static func file(_ path: String) throws(TranscodeError) -> MediaSource {
        guard path.hasPrefix("/"), !path.contains("\0"), !path.contains("\n") else { throw .invalidSource(path) }
        return MediaSource(location: path, isURL: false, header: nil)
    }

    /// An `http://` or `https://` URL read with one extra request header `name: value` (visible characters and
    /// spaces only; the name a token of letters, digits and `-`).
    public static func url(_ text: String, header name: String, value: String) throws(TranscodeError) -> MediaSource {
        let source = try url(text)
        let nameOK = !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0 == "-" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
        let valueOK = value.utf8.count <= 1024 && value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        guard nameOK, valueOK else { throw .invalidSource("a header that is not a plain header line") }
        return MediaSource(location: source.location, isURL: true, header: "\(name): \(value)\r\n")
    }

    /// An `http://` or `https://` URL with a host.
    public static func url(_ text: String) throws(TranscodeError) -> MediaSource {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else {
            throw .invalidSource(text)
        }
        guard let host = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first,
              !host.isEmpty,
              !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F })
        else { throw .invalidSource(text) }
        return MediaSource(location: text, isURL: true, header: nil)
    }

    /// Either form: a string starting with `/` is a file, anything else must be an http(s) URL.
    public init(parsing text: String) throws(TranscodeError) {
        self = text.hasPrefix("/") ? try Self.file(text) : try Self.url(text)
    }

    private init(location: String, isURL: Bool, header: String?) {
        self.location = location
        self.isURL = isURL
        self.header = header
    }

    /// Input options that bound how long ffmpeg/ffprobe wait on a stalled URL (a torrent piece that never comes)
    /// before failing, in microseconds as `-rw_timeout` takes them; none for files.
    func inputOptions(readTimeoutSeconds: Double) -> [String] {
        guard isURL else { return [] }
        return ["-rw_timeout", String(Int(readTimeoutSeconds * 1_000_000))] + (header.map { ["-headers", $0] } ?? [])
    }

    public var description: String { location }
}
