/// One file of a torrent, placed in the torrent's byte stream: pieces span file boundaries.
public struct TorrentFile: Sendable, Equatable {
    /// Path components below the torrent's folder (multi-file) or the single file's name. Each component is
    /// checked: never empty, never `.` or `..`, no `/` or NUL, so a path can never leave the download folder.
    public let path: [String]
    public let length: Int64
    /// Where the file starts in the torrent's byte stream.
    public let offset: Int64
    /// A BEP 47 padding file: its bytes are zeros, never written to disk and never shown to users.
    public let isPadding: Bool

    public init(path: [String], length: Int64, offset: Int64, isPadding: Bool = false) {
        self.path = path
        self.length = length
        self.offset = offset
        self.isPadding = isPadding
    }

    /// The byte range of the file in the torrent's byte stream.
    public var range: Range<Int64> { offset..<offset + length }
}
