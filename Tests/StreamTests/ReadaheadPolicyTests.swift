import Stream
import Testing
import Torrent

/// A reader's window: the piece under it right after it opens (a start or a seek), growing with what it reads past
/// the first mebibyte up to the rate-based full window; the media file's tail (its index) early.
@Suite struct ReadaheadPolicyTests {
    static let mebibyte: Int64 = 1 << 20

    /// One file `length` bytes long in 1 MiB pieces.
    static func file(_ name: String, length: Int64) throws -> StreamFile {
        let pieces = Int((length + mebibyte - 1) / mebibyte)
        var bytes = Array("d6:lengthi\(length)e4:name\(name.utf8.count):\(name)12:piece lengthi\(mebibyte)e6:pieces\(pieces * 20):".utf8)
        bytes += Array(repeating: 0, count: pieces * 20)
        bytes += Array("e".utf8)
        let info = try TorrentInfo(rawBytes: bytes)
        return try StreamFile(infoHash: InfoHash(hex: "0123456789abcdef0123456789abcdef01234567")!, index: 0, info: info)
    }

    let policy = ReadaheadPolicy(configuration: StreamConfiguration())

    @Test func aNewReaderGetsTheSeekWindowWhichGrowsWithWhatItReadsPastTheFirstMebibyte() {
        let configuration = StreamConfiguration()
        #expect(policy.windowBytes(readRate: nil, swarmRate: 0, readSoFar: 0) == 0)
        #expect(policy.windowBytes(readRate: nil, swarmRate: 0, readSoFar: Self.mebibyte) == 0, "a probe earns nothing")
        #expect(policy.windowBytes(readRate: nil, swarmRate: 0, readSoFar: 4 * Self.mebibyte) == 6 * Self.mebibyte)
        let full = policy.windowBytes(readRate: 1.5 * 1_048_576, swarmRate: 8 * 1_048_576, readSoFar: 1 << 40)
        #expect(full == 46 * Self.mebibyte, "20 s at 1.5 MiB/s plus 2 s of an 8 MiB/s swarm")
        #expect(policy.windowBytes(readRate: 1e9, swarmRate: 1e9, readSoFar: 1 << 40) == Int64(configuration.maxReadaheadBytes))
        #expect(policy.windowBytes(readRate: 1, swarmRate: 0, readSoFar: 1 << 40) == Int64(configuration.minReadaheadBytes))
    }

    @Test func aSeekAsksForThePieceUnderTheReaderFirstThenTheTail() throws {
        let film = try Self.file("film.mkv", length: 100 * Self.mebibyte)
        let now = ContinuousClock.now
        let deadlines = policy.deadlines(for: film, at: 40 * Self.mebibyte + 10, readSoFar: 0, readRate: nil, swarmRate: 0, now: now)
        #expect(deadlines.first?.piece == 40 && deadlines.first?.deadline == now)
        #expect(deadlines.map(\.piece) == [40, 98, 99], "the piece under the reader, then the index at the end")
        let nearAnEnd = policy.deadlines(for: film, at: 40 * Self.mebibyte + 800_000, readSoFar: 0, readRate: nil, swarmRate: 0, now: now)
        #expect(nearAnEnd.map(\.piece) == [40, 98, 99], "the next piece waits until the reader reads on")
        let later = policy.deadlines(for: film, at: 44 * Self.mebibyte, readSoFar: 4 * Self.mebibyte, readRate: nil, swarmRate: 0, now: now)
        #expect(later.map(\.piece).filter { $0 < 98 } == Array(44...49), "4 MiB read: 6 MiB ahead")
        let atTheEnd = policy.deadlines(for: film, at: 100 * Self.mebibyte - 1, readSoFar: 0, readRate: nil, swarmRate: 0, now: now)
        #expect(atTheEnd.map(\.piece) == [99, 98], "the last byte's piece, then the rest of the tail")
    }

    @Test func onlyAReaderPastItsFirstPieceThatHasNotEarnedReadaheadPausesForItsClient() {
        #expect(!policy.pausesBeforeFetching(readSinceRequest: 0), "the piece the client asked for: never")
        #expect(policy.pausesBeforeFetching(readSinceRequest: 300_000), "a probe's overshoot into the next piece")
        #expect(!policy.pausesBeforeFetching(readSinceRequest: Self.mebibyte), "a player that reads on")
    }

    @Test func filesThatAreNotMediaHaveNoTail() throws {
        let archive = try Self.file("data.zip", length: 10 * Self.mebibyte)
        let deadlines = policy.deadlines(for: archive, at: 0, readSoFar: 0, readRate: nil, swarmRate: 0, now: .now)
        #expect(deadlines.map(\.piece) == [0])
    }
}
