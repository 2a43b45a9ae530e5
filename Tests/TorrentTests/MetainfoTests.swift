import Bencode
import Crypto
import TestSupport
import Testing
@testable import Torrent

@Suite struct MetainfoTests {
    static func torrent(info: BencodeDictionary, extra: BencodeDictionary = [:]) -> [UInt8] {
        var root = extra
        root["info"] = .dictionary(info)
        return BencodeEncoder().encode(.dictionary(root))
    }

    static func singleFileInfo(length: Int64 = 40_000, pieceLength: Int64 = 16_384) -> BencodeDictionary {
        let pieces = (length + pieceLength - 1) / pieceLength
        return [
            "name": "film.mkv", "length": .integer(length), "piece length": .integer(pieceLength),
            "pieces": .bytes([UInt8](repeating: 7, count: Int(pieces) * 20)),
        ]
    }

    @Test func singleFile() throws {
        let bytes = Self.torrent(info: Self.singleFileInfo(), extra: [
            "announce": "http://t.example/announce", "comment": "hi", "url-list": "http://seed.example/film.mkv",
        ])
        let metainfo = try Metainfo(bytes: bytes)
        #expect(metainfo.info.name == "film.mkv")
        #expect(metainfo.info.files == [TorrentFile(path: ["film.mkv"], length: 40_000, offset: 0)])
        #expect(metainfo.info.pieceCount == 3)
        #expect(metainfo.info.length(ofPiece: 2) == 40_000 - 2 * 16_384)
        #expect(metainfo.announceTiers == [["http://t.example/announce"]])
        #expect(metainfo.webSeeds == ["http://seed.example/film.mkv"])
        #expect(metainfo.comment == "hi")
        #expect(!metainfo.info.isPrivate)
    }

    @Test func infoHashCoversTheRawBytes() throws {
        // A non-canonical info dictionary (keys out of order) must hash as written, not as re-encoded.
        let info = Array("d6:lengthi5e4:name1:a12:piece lengthi16384e6:pieces20:AAAAAAAAAAAAAAAAAAAA7:privatei1ee".utf8)
        let nonCanonical = Array("d4:info".utf8) + info + Array("e".utf8)
        let metainfo = try Metainfo(bytes: nonCanonical)
        #expect(metainfo.infoHash.bytes == Array(Insecure.SHA1.hash(data: info)))
        #expect(metainfo.info.isPrivate)
    }

    @Test func multiFileWithTiersAndPadding() throws {
        let info: BencodeDictionary = [
            "name": "Show",
            "piece length": 16_384,
            "pieces": .bytes([UInt8](repeating: 1, count: 40)),
            "files": [
                ["length": 10_000, "path": ["Season 1", "e1.mkv"]],
                ["length": 6_384, "path": [".pad", "6384"], "attr": "p"],
                ["length": 0, "path": ["empty.txt"]],
                ["length": 100, "path": ["e2.srt"]],
            ],
        ]
        let bytes = Self.torrent(info: info, extra: [
            "announce": "http://a/announce",
            "announce-list": [["udp://b:1/announce", "http://c/announce"], ["ftp://nope"], ["https://d/announce"]],
        ])
        let metainfo = try Metainfo(bytes: bytes)
        #expect(metainfo.info.isMultiFile)
        #expect(metainfo.info.totalLength == 16_484)
        #expect(metainfo.info.files.map(\.offset) == [0, 10_000, 16_384, 16_384])
        #expect(metainfo.info.files[1].isPadding)
        #expect(metainfo.announceTiers == [["udp://b:1/announce", "http://c/announce"], ["https://d/announce"]])
        let layout = FileLayout(info: metainfo.info)
        #expect(layout.relativePaths[0] == "Show/Season 1/e1.mkv")
        #expect(layout.segments(at: 9_000, length: 8_000).map(\.fileIndex) == [0, 1, 3])
        #expect(layout.pieces(ofFile: 3) == 1...1)
        #expect(layout.pieces(ofFile: 2) == nil)
    }

    @Test(arguments: [
        ("..", "info.files[0].path"), (".", "info.files[0].path"), ("a/b", "info.files[0].path"), ("", "info.files[0].path"),
    ])
    func hostilePathsAreRefused(component: String, field: String) {
        let info: BencodeDictionary = [
            "name": "x", "piece length": 16_384, "pieces": .bytes([UInt8](repeating: 1, count: 20)),
            "files": [["length": 10, "path": [.bytes(Array(component.utf8)), "f"]]],
        ]
        #expect(throws: MetainfoError.self) { try Metainfo(bytes: Self.torrent(info: info)) }
        do {
            _ = try Metainfo(bytes: Self.torrent(info: info))
        } catch {
            #expect(error.field == field)
        }
    }

    @Test func duplicatePathsAndFileFolderClashesAreRefused() {
        for files: BencodeValue in [
            [["length": 1, "path": ["a"]], ["length": 1, "path": ["a"]]],
            [["length": 1, "path": ["a"]], ["length": 1, "path": ["a", "b"]]],
        ] {
            let info: BencodeDictionary = ["name": "x", "piece length": 16_384, "pieces": .bytes([UInt8](repeating: 1, count: 20)), "files": files]
            #expect(throws: MetainfoError.self) { try Metainfo(bytes: Self.torrent(info: info)) }
        }
    }

    @Test func wrongPieceCountIsRefused() {
        var info = Self.singleFileInfo()
        info["pieces"] = .bytes([UInt8](repeating: 0, count: 40))
        #expect(throws: MetainfoError(field: "info.pieces", message: "2 hashes for 3 pieces of 40000 bytes")) {
            try Metainfo(bytes: Self.torrent(info: info))
        }
    }

    @Test func garbageIsAnErrorNeverACrash() {
        var generator = SplitMix64(seed: 42)
        let valid = Self.torrent(info: Self.singleFileInfo())
        for round in 0..<3000 {
            var bytes = valid
            if round % 2 == 0 {
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            } else {
                bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            _ = try? Metainfo(bytes: bytes)
        }
        #expect(throws: MetainfoError.self) { try Metainfo(bytes: Array(repeating: 0, count: 10), maxSize: 5) }
    }
}
