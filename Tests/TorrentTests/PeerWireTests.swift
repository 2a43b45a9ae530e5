import NIOCore
import TestSupport
import Testing
@testable import Torrent

@Suite struct PeerWireTests {
    let hash = InfoHash(bytes: [UInt8](repeating: 0xAB, count: 20))!
    let id = PeerID(bytes: Array("-XX0001-123456789012".utf8))!

    func frames(_ bytes: [UInt8], expectHandshake: Bool = false, limit: Int = 1 << 17) throws(PeerWireError) -> [PeerWireFrame] {
        var decoder = PeerWireDecoder(expectHandshake: expectHandshake, maxMessageLength: limit)
        var buffer = ByteBuffer(bytes: bytes)
        var out: [PeerWireFrame] = []
        while let frame = try decoder.next(from: &buffer) { out.append(frame) }
        return out
    }

    func encoded(_ messages: [PeerMessage]) -> [UInt8] {
        var buffer = ByteBuffer()
        for message in messages { message.write(into: &buffer) }
        return Array(buffer.readableBytesView)
    }

    @Test func handshakeThenEveryMessageRoundTrips() throws {
        var buffer = ByteBuffer()
        Handshake(infoHash: hash, peerID: id).write(into: &buffer)
        let messages: [PeerMessage] = [
            .keepAlive, .choke, .unchoke, .interested, .notInterested, .have(piece: 7),
            .bitfield(ByteBuffer(bytes: [0xF0])), .request(BlockRequest(piece: 1, begin: 16384, length: 16384)),
            .piece(piece: 1, begin: 0, data: ByteBuffer(bytes: [1, 2, 3])), .cancel(BlockRequest(piece: 1, begin: 0, length: 5)),
            .port(6881), .suggest(piece: 3), .haveAll, .haveNone, .reject(BlockRequest(piece: 2, begin: 0, length: 16384)),
            .allowedFast(piece: 9), .extended(id: 0, payload: ByteBuffer(bytes: Array("de".utf8))),
        ]
        let bytes = Array(buffer.readableBytesView) + encoded(messages)
        let decoded = try frames(bytes, expectHandshake: true)
        guard case .handshake(let handshake) = decoded.first else { Issue.record("no handshake"); return }
        #expect(handshake.infoHash == hash && handshake.peerID == id)
        #expect(handshake.supportsExtensions && handshake.supportsFast)
        #expect(decoded.dropFirst().map { frame -> PeerMessage? in
            if case .message(let message) = frame { message } else { nil }
        } == messages)
    }

    @Test func partialInputWaitsForMoreBytes() throws {
        let bytes = encoded([.have(piece: 1), .piece(piece: 0, begin: 0, data: ByteBuffer(bytes: [UInt8](repeating: 9, count: 100)))])
        var decoder = PeerWireDecoder(expectHandshake: false, maxMessageLength: 1 << 17)
        var buffer = ByteBuffer()
        var count = 0
        for byte in bytes {  // one byte at a time
            buffer.writeInteger(byte)
            while try decoder.next(from: &buffer) != nil { count += 1 }
        }
        #expect(count == 2)
    }

    @Test func unknownMessagesAreSkipped() throws {
        let bytes: [UInt8] = [0, 0, 0, 3, 99, 1, 2] + encoded([.unchoke])
        #expect(try frames(bytes) == [.message(.unchoke)])
    }

    @Test func oversizedMessageIsRefusedBeforeBuffering() {
        #expect(throws: PeerWireError.self) { try frames([0x7F, 0xFF, 0xFF, 0xFF, 7]) }
        #expect(throws: PeerWireError(.messageTooLarge, "a message of 200 bytes is over the limit of 100")) {
            try frames([0, 0, 0, 200], limit: 100)
        }
    }

    @Test(arguments: [
        [0, 0, 0, 2, 0, 0] as [UInt8],   // choke with a payload
        [0, 0, 0, 4, 4, 0, 0, 0],         // have with 3 bytes
        [0, 0, 0, 12, 6] + [UInt8](repeating: 0, count: 11),  // short request
        [0, 0, 0, 5, 7, 0, 0, 0, 0],      // piece without its header
        [0, 0, 0, 1, 20],                 // extended without id
    ])
    func wrongLengthsAreErrors(bytes: [UInt8]) {
        #expect(throws: PeerWireError.self) { try frames(bytes) }
    }

    @Test func notBitTorrentIsRefused() {
        #expect(throws: PeerWireError.self) { try frames(Array("GET / HTTP/1.1\r\n".utf8), expectHandshake: true) }
    }

    @Test func garbageNeverCrashes() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<5000 {
            let bytes = (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next() % 24) }
            _ = try? frames(bytes, expectHandshake: generator.next() % 2 == 0, limit: 1024)
        }
    }

    @Test func extensionHandshakeRoundTrips() throws {
        var handshake = ExtensionHandshake()
        handshake.extensions = ["ut_metadata": 3, "ut_pex": 1]
        handshake.metadataSize = 31_337
        handshake.listenPort = 6881
        handshake.requestQueueLength = 500
        handshake.client = "Rill 0.1.0"
        let decoded = try ExtensionHandshake(payload: ByteBuffer(bytes: handshake.encode()))
        #expect(decoded == handshake)
        #expect(throws: PeerWireError.self) { try ExtensionHandshake(payload: ByteBuffer(bytes: Array("d1:m".utf8))) }
    }

    @Test func metadataMessagesRoundTrip() throws {
        for message: MetadataMessage in [.request(piece: 2), .reject(piece: 0), .data(piece: 1, totalSize: 20_000, bytes: [1, 2, 3])] {
            #expect(try MetadataMessage(payload: ByteBuffer(bytes: message.encode())) == message)
        }
        let tooBig = MetadataMessage.data(piece: 0, totalSize: 1, bytes: [UInt8](repeating: 0, count: 16_385))
        #expect(throws: PeerWireError.self) { try MetadataMessage(payload: ByteBuffer(bytes: tooBig.encode())) }
        #expect(throws: PeerWireError.self) { try MetadataMessage(payload: ByteBuffer(bytes: Array("d8:msg_typei9e5:piecei0ee".utf8))) }
    }

    @Test func pexRoundTrips() throws {
        let added = [PeerAddress(text: "10.0.0.1:1")!, PeerAddress(text: "[::2]:2")!]
        let message = PexMessage(added: added, dropped: [PeerAddress(text: "10.0.0.9:9")!])
        #expect(try PexMessage(payload: ByteBuffer(bytes: message.encode())) == message)
    }

    @Test func bitfieldWireForm() {
        var bits = Bitfield(count: 10)
        bits.insert(0)
        bits.insert(9)
        #expect(bits.wireBytes == [0x80, 0x40])
        #expect(Bitfield(wire: [0x80, 0x40], count: 10) == bits)
        #expect(Bitfield(wire: [0x80, 0x60], count: 10) == nil)  // a spare bit set
        #expect(Bitfield(wire: [0x80], count: 10) == nil)        // wrong length
        #expect(Bitfield(count: 70, allSet: true).indices.count == 70)
    }
}
