import Bencode
import Crypto
import TestSupport
@testable import Torrent

/// A payload written to a folder, and the .torrent that describes it: for engine tests between real sockets.
struct TestTorrent {
    let metainfo: Metainfo
    /// The whole byte stream, files concatenated.
    let data: [UInt8]
    /// The folder the payload was written into (the seeder's save path).
    let seedPath: String

    /// Writes `files` (name, length) of pseudo-random bytes under `directory/seed/` and builds a multi-file
    /// torrent (or single-file when there is one file) with `pieceLength`.
    static func make(in directory: TemporaryDirectory, files: [(String, Int)], pieceLength: Int, seed: UInt64 = 1) throws -> TestTorrent {
        var generator = SplitMix64(seed: seed)
        var data: [UInt8] = []
        for (_, length) in files {
            data += (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        }
        var hashes: [UInt8] = []
        var start = 0
        while start < data.count {
            hashes += Array(Insecure.SHA1.hash(data: data[start..<min(data.count, start + pieceLength)]))
            start += pieceLength
        }
        var info: BencodeDictionary = ["piece length": .integer(Int64(pieceLength)), "pieces": .bytes(hashes)]
        let seedPath = directory.path + "/seed"
        AtomicFile.makeFolders(seedPath)
        var offset = 0
        if files.count == 1 {
            info["name"] = .bytes(Array(files[0].0.utf8))
            info["length"] = .integer(Int64(files[0].1))
            try AtomicFile.write(data, to: seedPath + "/" + files[0].0)
        } else {
            info["name"] = "payload"
            AtomicFile.makeFolders(seedPath + "/payload")
            info["files"] = .list(files.map { name, length in
                .dictionary(["length": .integer(Int64(length)), "path": .list(name.split(separator: "/").map { .bytes(Array($0.utf8)) })])
            })
            for (name, length) in files {
                let path = seedPath + "/payload/" + name
                AtomicFile.makeFolders(String(path[..<path.lastIndex(of: "/")!]))
                try AtomicFile.write(Array(data[offset..<offset + length]), to: path)
                offset += length
            }
        }
        let bytes = BencodeEncoder().encode(.dictionary(["info": .dictionary(info)]))
        return TestTorrent(metainfo: try Metainfo(bytes: bytes), data: data, seedPath: seedPath)
    }

    /// The bytes of every file under `savePath`, concatenated in torrent order.
    func downloaded(at savePath: String) -> [UInt8]? {
        let layout = FileLayout(info: metainfo.info)
        var out: [UInt8] = []
        for (index, file) in metainfo.info.files.enumerated() {
            guard file.length > 0 else { continue }
            guard let bytes = AtomicFile.read(savePath + "/" + layout.relativePaths[index], limit: Int(file.length)) else { return nil }
            out += bytes
        }
        return out
    }
}
