import Bencode

/// What a torrent had verified when it last stopped (or last flushed): the bitfield, and the size and
/// modification time of each file then. Trusted on restart only when every file still matches; otherwise the
/// data is re-checked. Stored bencoded in `<state>/<info-hash>.resume` with ``AtomicFile``.
public struct ResumeData: Sendable, Equatable {
    public var infoHash: InfoHash
    public var have: Bitfield
    public var files: [FileState?]

    public init(infoHash: InfoHash, have: Bitfield, files: [FileState?]) {
        self.infoHash = infoHash
        self.have = have
        self.files = files
    }

    public func encode() -> [UInt8] {
        var root = BencodeDictionary()
        root["version"] = 1
        root["info-hash"] = .bytes(infoHash.bytes)
        root["piece-count"] = .integer(Int64(have.count))
        root["pieces"] = .bytes(have.wireBytes)
        root["files"] = .list(files.map { file in
            guard let file else { return .list([]) }
            return .list([.integer(file.size), .integer(file.modified)])
        })
        return BencodeEncoder().encode(.dictionary(root))
    }

    /// Parses resume data; `nil` for anything damaged or from another torrent (the caller then re-checks).
    public init?(bytes: [UInt8], infoHash: InfoHash, pieceCount: Int, fileCount: Int) {
        var limits = BencodeLimits.default
        limits.maxInputSize = 64 << 20
        limits.maxStringLength = 64 << 20
        guard let value = try? BencodeDecoder(limits: limits).decode(bytes),
              value["version"]?.int == 1,
              value["info-hash"]?.bytes == infoHash.bytes,
              value["piece-count"]?.int == Int64(pieceCount),
              let bits = value["pieces"]?.bytes, let have = Bitfield(wire: bits, count: pieceCount),
              let list = value["files"]?.list, list.count == fileCount else { return nil }
        var files: [FileState?] = []
        for entry in list {
            guard let pair = entry.list else { return nil }
            if pair.isEmpty { files.append(nil); continue }
            guard pair.count == 2, let size = pair[0].int, let modified = pair[1].int else { return nil }
            files.append(FileState(size: size, modified: modified))
        }
        self.init(infoHash: infoHash, have: have, files: files)
    }
}
