import Bencode
import Testing

/// A multi-file .torrent laid out the way real clients write it, assembled from raw pieces so the
/// expected byte offsets are known independently of the decoder.
struct SampleTorrent {
    let pieces: [UInt8]
    let info: [UInt8]
    let prefix: [UInt8]
    let suffix: [UInt8]

    var file: [UInt8] { prefix + info + suffix }

    /// The `name` entry of `info`, encoded.
    static let nameEntry = string("name") + string("Sample Film")

    /// - Parameter keysInFileOrder: when `false`, `name` comes before `files` inside `info`, as some
    ///   old clients wrote it; the info-hash must still cover those exact bytes.
    init(keysInFileOrder: Bool = true) {
        var generator = SplitMix64(seed: 0xB177_0BE7)
        pieces = (0..<60).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let layout: [(directory: String, name: String?, length: Int)] = [
            ("video", "film.mkv", 1_048_576), ("subs", "en.srt", 4_096), ("info.nfo", nil, 17),
        ]
        let fileList = layout.map { directory, name, length -> [UInt8] in
                let path: [String] = [directory] + (name.map { [$0] } ?? [])
                return bytes("d") + string("length") + bytes("i\(length)e") + string("path")
                    + bytes("l") + path.flatMap(string) + bytes("ee")
            }
        let files = string("files") + bytes("l") + fileList.joined() + bytes("e")
        let rest =
            string("piece length") + bytes("i524288e") + string("pieces") + bytes("60:") + pieces
            + string("private") + bytes("i1e")
        info = bytes("d") + (keysInFileOrder ? files + Self.nameEntry : Self.nameEntry + files) + rest + bytes("e")
        let tracker = "http://tracker.example:6969/announce"
        prefix =
            bytes("d") + string("announce") + string(tracker)
            + string("announce-list") + bytes("ll") + string(tracker) + bytes("el")
            + string("udp://backup.example:1") + bytes("ee")
            + string("comment") + string("sample!") + string("created by") + string("Rill test")
            + string("creation date") + bytes("i1700000000e") + string("info")
        suffix = string("url-list") + bytes("l") + string("https://mirror.example/film") + bytes("ee")
    }
}

/// `text` as a bencoded byte string: its UTF-8 length, a colon, its UTF-8 bytes.
func string(_ text: String) -> [UInt8] {
    bytes("\(text.utf8.count):") + bytes(text)
}

@Suite("Raw spans for the info-hash")
struct TorrentSpanTests {
    @Test("the info span of a multi-file torrent is exactly the info bytes")
    func infoSpan() throws {
        let torrent = SampleTorrent()
        let file = torrent.file
        let document = try BencodeDecoder(requireSortedKeys: true).decodeWithSpans(file)
        let range = try #require(document.rawRange(ofKey: "info"))
        #expect(range == torrent.prefix.count..<(torrent.prefix.count + torrent.info.count))
        #expect(Array(file[range]) == torrent.info)

        let info = try #require(document.value["info"])
        #expect(info["name"]?.string == "Sample Film")
        #expect(info["piece length"]?.int == 524_288)
        #expect(info["pieces"]?.bytes == torrent.pieces)
        #expect(info["private"]?.int == 1)
        let files = try #require(info["files"]?.list)
        #expect(files.count == 3)
        #expect(files[0]["path"]?.list?.compactMap(\.string) == ["video", "film.mkv"])
        let lengths: [Int64] = files.compactMap { $0["length"]?.int }
        #expect(lengths == [1_048_576, 4_096, 17])
        #expect(document.value["announce-list"]?.list?.count == 2)
        #expect(document.value["creation date"]?.int == 1_700_000_000)
        #expect(BencodeEncoder().encode(document.value) == file)
    }

    @Test("every top-level key gets a span that decodes to its value")
    func allSpans() throws {
        let file = SampleTorrent().file
        let document = try BencodeDecoder().decodeWithSpans(file)
        let dictionary = try #require(document.value.dict)
        #expect(document.valueRanges.count == dictionary.count)
        for entry in dictionary {
            let range = try #require(document.rawRange(ofKey: entry.key))
            #expect(try BencodeDecoder().decode(file[range]) == entry.value)
        }
        #expect(document.rawRange(ofKey: "absent") == nil)
    }

    @Test("a non-canonical info dictionary keeps its original bytes in the span")
    func nonCanonicalInfo() throws {
        let torrent = SampleTorrent(keysInFileOrder: false)
        let file = torrent.file
        #expect(throws: BencodeError(.unsortedKeys, at: torrent.prefix.count + 1 + SampleTorrent.nameEntry.count)) {
            try BencodeDecoder(requireSortedKeys: true).decode(file)
        }
        let document = try BencodeDecoder().decodeWithSpans(file)
        let range = try #require(document.rawRange(ofKey: "info"))
        #expect(Array(file[range]) == torrent.info)
        let info = try #require(document.value["info"])
        #expect(BencodeEncoder().encode(info) != torrent.info)
        #expect(try info == BencodeDecoder().decode(SampleTorrent().info))
    }

    @Test("spans are relative to the start of a slice, and absent for non-dictionaries")
    func sliceAndScalars() throws {
        let padded = [0xAA, 0xBB] + bytes("d4:infod1:xi1eee")
        let document = try BencodeDecoder().decodeWithSpans(padded[2...])
        #expect(document.rawRange(ofKey: "info") == 7..<15)
        #expect(try BencodeDecoder().decodeWithSpans(bytes("li1ee")).valueRanges.isEmpty)
        let nested = try BencodeDecoder().decodeWithSpans(bytes("d1:ad1:bi1eee"))
        #expect(nested.valueRanges == [bytes("a"): 4..<12])
    }
}
