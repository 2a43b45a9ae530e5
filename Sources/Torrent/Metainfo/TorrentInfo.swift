import Bencode
import Crypto

/// The `info` dictionary of a v1 torrent (BEP 3), checked: the part of a torrent every peer agrees on and
/// the info-hash covers. Also what BEP 9 metadata exchange delivers for a magnet link.
public struct TorrentInfo: Sendable {
    /// The suggested name: the file name (single file) or the folder name (multi-file). Checked like a path part.
    public let name: String
    public let pieceLength: Int
    /// The concatenated 20-byte SHA-1 of every piece.
    public let pieceHashes: [UInt8]
    /// Files in stream order. A single-file torrent has one, whose path is `[name]`.
    public let files: [TorrentFile]
    /// True when the torrent came with `info.files` (a folder), even if it holds just one file.
    public let isMultiFile: Bool
    /// BEP 27: peers only from the trackers; no PEX, no DHT.
    public let isPrivate: Bool
    public let totalLength: Int64
    /// The exact bencoded bytes the info-hash covers; served to peers for BEP 9.
    public let rawBytes: [UInt8]
    public let infoHash: InfoHash

    public var pieceCount: Int { pieceHashes.count / 20 }

    /// The length of piece `index`: `pieceLength`, except for a shorter last piece.
    public func length(ofPiece index: Int) -> Int {
        let start = Int64(index) * Int64(pieceLength)
        return Int(min(Int64(pieceLength), totalLength - start))
    }

    /// The expected SHA-1 of piece `index`.
    public func hash(ofPiece index: Int) -> ArraySlice<UInt8> {
        pieceHashes[index * 20..<index * 20 + 20]
    }

    /// Limits on what an `info` dictionary may describe.
    public struct Limits: Sendable {
        public var maxFiles = 100_000
        public var maxPathDepth = 64
        public var maxPathComponentBytes = 255
        public var maxPieceLength = 64 << 20
        public var maxTotalLength: Int64 = 1 << 44
        public init() {}
    }

    /// Parses and checks the raw bencoded `info` dictionary; computes the info-hash over exactly these bytes.
    public init(rawBytes: [UInt8], limits: Limits = Limits()) throws(MetainfoError) {
        let value: BencodeValue
        do {
            value = try BencodeDecoder(limits: .default).decode(rawBytes)
        } catch {
            throw .bencode(error)
        }
        try self.init(value: value, rawBytes: rawBytes, limits: limits)
    }

    init(value: BencodeValue, rawBytes: [UInt8], limits: Limits) throws(MetainfoError) {
        guard value.dict != nil else { throw MetainfoError(field: "info", message: "must be a dictionary") }
        guard let nameValue = value["name.utf-8"]?.string ?? value["name"]?.string else {
            throw MetainfoError(field: "info.name", message: "missing or not UTF-8 text")
        }
        let name = try PathComponent.check(nameValue, field: "info.name", limits: limits)
        guard let pieceLength = value["piece length"]?.int, pieceLength > 0, pieceLength <= limits.maxPieceLength else {
            throw MetainfoError(field: "info.piece length", message: "missing or outside 1...\(limits.maxPieceLength)")
        }
        guard let pieces = value["pieces"]?.bytes, !pieces.isEmpty, pieces.count % 20 == 0 else {
            throw MetainfoError(field: "info.pieces", message: "missing or not a multiple of 20 bytes")
        }

        var files: [TorrentFile] = []
        var total: Int64 = 0
        let multiFile: Bool
        if let list = value["files"] {
            guard let entries = list.list, !entries.isEmpty else {
                throw MetainfoError(field: "info.files", message: "must be a non-empty list")
            }
            guard entries.count <= limits.maxFiles else {
                throw MetainfoError(field: "info.files", message: "more than \(limits.maxFiles) files")
            }
            for (index, entry) in entries.enumerated() {
                let field = "info.files[\(index)]"
                guard let length = entry["length"]?.int, length >= 0 else {
                    throw MetainfoError(field: field + ".length", message: "missing or negative")
                }
                guard let parts = (entry["path.utf-8"] ?? entry["path"])?.list, !parts.isEmpty,
                      parts.count <= limits.maxPathDepth else {
                    throw MetainfoError(field: field + ".path", message: "missing, empty or deeper than \(limits.maxPathDepth)")
                }
                var path: [String] = []
                for part in parts {
                    guard let text = part.string else {
                        throw MetainfoError(field: field + ".path", message: "a component is not UTF-8 text")
                    }
                    path.append(try PathComponent.check(text, field: field + ".path", limits: limits))
                }
                let padding = entry["attr"]?.string?.contains("p") ?? false
                files.append(TorrentFile(path: path, length: length, offset: total, isPadding: padding))
                let (sum, overflow) = total.addingReportingOverflow(length)
                guard !overflow, sum <= limits.maxTotalLength else {
                    throw MetainfoError(field: "info.files", message: "total length too large")
                }
                total = sum
            }
            multiFile = true
        } else {
            guard let length = value["length"]?.int, length >= 0, length <= limits.maxTotalLength else {
                throw MetainfoError(field: "info.length", message: "missing, negative or too large")
            }
            files = [TorrentFile(path: [name], length: length, offset: 0)]
            total = length
            multiFile = false
        }
        guard total > 0 else { throw MetainfoError(field: "info", message: "the torrent holds no data") }
        let expectedPieces = (total + pieceLength - 1) / pieceLength
        guard Int64(pieces.count / 20) == expectedPieces else {
            throw MetainfoError(
                field: "info.pieces",
                message: "\(pieces.count / 20) hashes for \(expectedPieces) pieces of \(total) bytes"
            )
        }
        try PathComponent.checkUnique(files)

        self.name = name
        self.pieceLength = Int(pieceLength)
        self.pieceHashes = pieces
        self.files = files
        self.isMultiFile = multiFile
        self.isPrivate = value["private"]?.int == 1
        self.totalLength = total
        self.rawBytes = rawBytes
        self.infoHash = InfoHash(bytes: Array(Insecure.SHA1.hash(data: rawBytes)))!
    }
}

/// Checks of file and folder names that come from a torrent: they become paths on our disk.
enum PathComponent {
    static func check(_ text: String, field: String, limits: TorrentInfo.Limits) throws(MetainfoError) -> String {
        guard !text.isEmpty, text != ".", text != ".." else {
            throw MetainfoError(field: field, message: "\"\(text)\" is not a usable file name")
        }
        guard text.utf8.count <= limits.maxPathComponentBytes else {
            throw MetainfoError(field: field, message: "a name is longer than \(limits.maxPathComponentBytes) bytes")
        }
        guard !text.utf8.contains(UInt8(ascii: "/")), !text.utf8.contains(0) else {
            throw MetainfoError(field: field, message: "\"\(text)\" contains '/' or NUL")
        }
        return text
    }

    /// Two files at the same path, or a file where another needs a folder, would overwrite each other.
    static func checkUnique(_ files: [TorrentFile]) throws(MetainfoError) {
        var paths = Set<[String]>()
        var folders = Set<[String]>()
        for file in files where !file.isPadding {
            guard paths.insert(file.path).inserted else {
                throw MetainfoError(field: "info.files", message: "two files at \(file.path.joined(separator: "/"))")
            }
            for depth in 1..<file.path.count { folders.insert(Array(file.path.prefix(depth))) }
        }
        if let clash = paths.first(where: { folders.contains($0) }) {
            throw MetainfoError(field: "info.files", message: "\(clash.joined(separator: "/")) is both a file and a folder")
        }
    }
}
