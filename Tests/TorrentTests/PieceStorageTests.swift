import Crypto
import NIOCore
import TestSupport
import Testing
@testable import Torrent

@Suite struct PieceStorageTests {
    static func info(files: [(String, Int)], pieceLength: Int, data: [UInt8]) throws -> TorrentInfo {
        var hashes: [UInt8] = []
        var start = 0
        while start < data.count {
            hashes += Array(Insecure.SHA1.hash(data: data[start..<min(data.count, start + pieceLength)]))
            start += pieceLength
        }
        var text = "d5:filesl"
        for (name, length) in files { text += "d6:lengthi\(length)e4:pathl\(name.utf8.count):\(name)ee" }
        let head = Array((text + "e4:name4:root12:piece lengthi\(pieceLength)e6:pieces\(hashes.count):").utf8)
        return try TorrentInfo(rawBytes: head + hashes + Array("e".utf8))
    }

    @Test func blocksSpanFilesAndHashBack() throws {
        let directory = try TemporaryDirectory()
        var generator = SplitMix64(seed: 3)
        let data = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let info = try Self.info(files: [("a", 30_000), ("empty", 0), ("b", 70_000)], pieceLength: 32_768, data: data)
        let storage = PieceStorage(layout: FileLayout(info: info), root: directory.path, maxOpenFiles: 1)
        #expect(!storage.hasData(piece: 0, length: info.length(ofPiece: 0)))
        for piece in 0..<info.pieceCount {
            let start = piece * info.pieceLength
            var begin = 0
            while begin < info.length(ofPiece: piece) {
                let length = min(BlockRequest.standardLength, info.length(ofPiece: piece) - begin)
                try storage.write(piece: piece, begin: begin, data: ByteBuffer(bytes: data[start + begin..<start + begin + length]))
                begin += length
            }
            #expect(try storage.hash(piece: piece, length: info.length(ofPiece: piece), chunkSize: 5000) == Array(info.hash(ofPiece: piece)))
        }
        let read = try storage.read(piece: 0, begin: 29_000, length: 2_000)
        #expect(Array(read.readableBytesView) == Array(data[29_000..<31_000]))
        let states = storage.fileStates()
        #expect(states.map { $0?.size } == [30_000, nil, 70_000])  // zero-length files are never written
        #expect(storage.hasData(piece: 1, length: info.length(ofPiece: 1)))
        storage.deleteFiles()
        #expect(storage.fileStates().allSatisfy { $0 == nil })
    }

    @Test func resumeDataRoundTripsAndRefusesDamage() throws {
        let hash = InfoHash(bytes: [UInt8](repeating: 1, count: 20))!
        var have = Bitfield(count: 11)
        have.insert(3)
        have.insert(10)
        let resume = ResumeData(infoHash: hash, have: have, files: [FileState(size: 5, modified: 7), nil])
        let bytes = resume.encode()
        #expect(ResumeData(bytes: bytes, infoHash: hash, pieceCount: 11, fileCount: 2) == resume)
        #expect(ResumeData(bytes: bytes, infoHash: hash, pieceCount: 12, fileCount: 2) == nil)
        #expect(ResumeData(bytes: Array(bytes.dropLast(3)), infoHash: hash, pieceCount: 11, fileCount: 2) == nil)
        let other = InfoHash(bytes: [UInt8](repeating: 2, count: 20))!
        #expect(ResumeData(bytes: bytes, infoHash: other, pieceCount: 11, fileCount: 2) == nil)
    }

    @Test func atomicFileReplacesWholeFiles() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/state/x.resume"
        AtomicFile.makeFolders(directory.path + "/state")
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write([4, 5], to: path)
        #expect(AtomicFile.read(path, limit: 10) == [4, 5])
        #expect(AtomicFile.read(path, limit: 1) == nil)
        #expect(AtomicFile.read(directory.path + "/missing", limit: 10) == nil)
    }
}
