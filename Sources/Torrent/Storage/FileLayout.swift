/// Where each byte of a torrent's stream lives on disk: pieces span file boundaries, so one block can touch
/// several files. Pure arithmetic over the file list; binary search per lookup.
public struct FileLayout: Sendable {
    public let files: [TorrentFile]
    public let pieceLength: Int
    public let totalLength: Int64
    /// The path of each file relative to the download folder: `name` or `name/dir/file`.
    public let relativePaths: [String]

    public init(info: TorrentInfo) {
        files = info.files
        pieceLength = info.pieceLength
        totalLength = info.totalLength
        relativePaths = info.files.map { file in
            (info.isMultiFile ? [info.name] + file.path : file.path).joined(separator: "/")
        }
    }

    /// One contiguous part of a read or write inside one file.
    public struct Segment: Equatable, Sendable {
        public let fileIndex: Int
        public let fileOffset: Int64
        public let length: Int
    }

    /// The file segments covering `length` bytes at `offset` of the stream, in order. Zero-length files never appear.
    public func segments(at offset: Int64, length: Int) -> [Segment] {
        var out: [Segment] = []
        var position = offset
        var remaining = Int64(length)
        var index = firstFile(containing: position)
        while remaining > 0, index < files.count {
            let file = files[index]
            if file.length > 0, position < file.range.upperBound {
                let inFile = min(remaining, file.range.upperBound - position)
                out.append(Segment(fileIndex: index, fileOffset: position - file.offset, length: Int(inFile)))
                position += inFile
                remaining -= inFile
            }
            index += 1
        }
        return out
    }

    /// The stream offset of byte `begin` of piece `piece`.
    public func offset(piece: Int, begin: Int) -> Int64 { Int64(piece) * Int64(pieceLength) + Int64(begin) }

    /// The pieces that hold any byte of file `index`.
    public func pieces(ofFile index: Int) -> ClosedRange<Int>? {
        let file = files[index]
        guard file.length > 0 else { return nil }
        return Int(file.offset / Int64(pieceLength))...Int((file.range.upperBound - 1) / Int64(pieceLength))
    }

    /// Index of the first file whose range ends after `position`.
    private func firstFile(containing position: Int64) -> Int {
        var low = 0, high = files.count
        while low < high {
            let mid = (low + high) / 2
            if files[mid].range.upperBound <= position { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
