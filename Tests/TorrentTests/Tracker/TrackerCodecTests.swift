import Bencode
import TestSupport
import Testing
@testable import Torrent

/// URL parsing, query encoding and both response codecs, fed good, truncated and hostile input.
@Suite struct TrackerCodecTests {
    static let hash = InfoHash(hex: "00ff2041a07e5f7e7e2e3d2bff00112233445566")!
    static let peer = PeerID(bytes: Array("-RL0100-abcdefghijk~".utf8))!

    // MARK: URLs

    @Test func urlsParse() throws {
        let http = try TrackerURL("HTTP://Tracker.Example/announce?passkey=a%20b#frag")
        #expect(http.scheme == .http && http.host == "tracker.example" && http.port == 80)
        #expect(http.pathAndQuery == "/announce?passkey=a%20b")
        #expect(http.requestURL == "http://tracker.example:80/announce?passkey=a%20b")
        #expect(try TrackerURL("https://t.example").port == 443)
        #expect(try TrackerURL("https://t.example").pathAndQuery == "/")
        let udp = try TrackerURL("udp://10.0.0.1:6969")
        #expect(udp.literalAddress == [10, 0, 0, 1] && udp.port == 6969)
        let v6 = try TrackerURL("udp://[2001:DB8::1]:1337/announce")
        #expect(v6.host == "2001:db8::1" && v6.authority == "[2001:db8::1]:1337" && v6.literalAddress?.count == 16)
    }

    @Test(arguments: [
        "udp://t.example/announce", "http://user:pw@t.example/", "http://127.1/announce", "http://0x7f.0.0.1/",
        "http://t.example:0/", "http://t.example:99999/", "http:///announce", "http://t example/", "http://[::1/",
        "http://t..example/", "http//t.example/", "announce", "http://t.exämple/",
    ])
    func badURLsAreRefused(text: String) {
        #expect(throws: TrackerError.self) { try TrackerURL(text) }
    }

    @Test func unsupportedSchemeIsNamed() {
        #expect(throws: TrackerError(url: "wss://t.example/", reason: .unsupportedScheme("wss"))) {
            try TrackerURL("wss://t.example/")
        }
    }

    // MARK: HTTP query

    @Test func percentEncodingKeepsOnlyUnreserved() {
        let all = (0...255).map(UInt8.init)
        let encoded = PercentEncoding.encode(bytes: all)
        #expect(percentDecode(encoded) == all)
        #expect(encoded.utf8.allSatisfy { $0.isASCIIAlphanumeric || "%-._~".utf8.contains($0) })
        #expect(PercentEncoding.encode(bytes: [0x00, 0xFF, 0x20, 0x41, 0x7E, 0x2B]) == "%00%FF%20A~%2B")
    }

    @Test func queryCarriesEveryParameter() throws {
        var request = AnnounceRequest(
            infoHash: Self.hash, peerID: Self.peer, port: 6881, uploaded: 1, downloaded: 2, left: 3,
            event: .started, numWant: 30, key: 0xBEEF, trackerID: [0x01, 0x61]
        )
        let tracker = try TrackerURL("http://t.example/announce?passkey=x")
        #expect(HTTPAnnounceQuery.url(for: request, tracker: tracker) ==
            "http://t.example:80/announce?passkey=x&info_hash=%00%FF%20A%A0~_~~.%3D%2B%FF%00%11%223DUf"
            + "&peer_id=-RL0100-abcdefghijk~&port=6881&uploaded=1&downloaded=2&left=3&compact=1&event=started"
            + "&numwant=30&key=0000BEEF&trackerid=%01a")
        request.event = .none
        request.trackerID = nil
        let plain = HTTPAnnounceQuery.url(for: request, tracker: try TrackerURL("http://t.example/announce"))
        #expect(plain.contains("/announce?info_hash=") && !plain.contains("event=") && !plain.contains("trackerid"))
    }

    // MARK: HTTP bodies

    @Test func compactBodyParses() throws {
        let body = "d8:completei5e10:incompletei7e8:intervali1800e12:min intervali60e5:peers12:"
        let peers: [UInt8] = [127, 0, 0, 1, 0x1A, 0xE1, 10, 0, 0, 2, 0x1A, 0xE2]
        let v6: [UInt8] = [UInt8](repeating: 0, count: 15) + [1, 0, 80]
        let tail = "6:peers618:"
        let rest = "10:tracker id3:abc15:warning message4:hmm!e"
        let bytes = Array(body.utf8) + peers + Array(tail.utf8) + v6 + Array(rest.utf8)
        let response = try HTTPAnnounceResponseParser().parse(bytes)
        #expect(response.interval == .seconds(1800) && response.minInterval == .seconds(60))
        #expect(response.complete == 5 && response.incomplete == 7)
        #expect(response.peers.map(\.description) == ["127.0.0.1:6881", "10.0.0.2:6882", "[::1]:80"])
        #expect(response.trackerID == Array("abc".utf8) && response.warningMessage == "hmm!")
    }

    @Test func dictionaryPeersParseAndSkipNames() throws {
        let body = "d8:intervali60e5:peersld2:ip9:127.0.0.17:peer id20:aaaaaaaaaaaaaaaaaaaa4:porti6881ee"
            + "d2:ip3:::14:porti7000eed2:ip13:peer.hostname4:porti1eed2:ip8:10.0.0.14:porti0eeee"
        let response = try HTTPAnnounceResponseParser().parse(Array(body.utf8))
        #expect(response.peers.map(\.description) == ["127.0.0.1:6881", "[::1]:7000"])
    }

    @Test func failureReasonIsTyped() {
        #expect(throws: TrackerError.Reason.failure("unregistered torrent")) {
            try HTTPAnnounceResponseParser().parse(Array("d14:failure reason20:unregistered torrente".utf8))
        }
    }

    @Test(arguments: [
        ("", "bencode unexpectedEnd"),
        ("<html>502 Bad Gateway</html>", "bencode invalidCharacter"),
        ("i42e", "top level is not a dictionary"),
        ("de", "no `interval`"),
        ("d8:intervali-5ee", "`interval` is not a non-negative integer"),
        ("d8:interval3:abce", "`interval` is not a non-negative integer"),
        ("d8:intervali60e5:peersi3ee", "`peers` is neither a string nor a list"),
        ("d8:intervali60e6:peers6i3ee", "`peers6` is not a string"),
        ("d8:intervali60e5:peersld4:porti1eeee", "peer 0 lacks a text `ip` or an integer `port`"),
        ("d14:failure reasoni1ee", "`failure reason` is not a string"),
        ("d8:intervali60e8:completei-1ee", "`complete` is not a non-negative integer"),
        ("d8:intervali60e10:tracker idi1ee", "`tracker id` is not a string of at most 256 bytes"),
    ])
    func malformedBodiesSayWhat(body: String, what: String) {
        do {
            _ = try HTTPAnnounceResponseParser().parse(Array(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            guard case .malformedResponse(let got, _) = error else { Issue.record("\(error)"); return }
            #expect(got == what)
        }
    }

    @Test func hostileBodiesAreBounded() {
        let parser = HTTPAnnounceResponseParser()
        let deep = Array(String(repeating: "l", count: 100_000).utf8)
        #expect(throws: TrackerError.Reason.malformedResponse(what: "bencode depthExceeded", offset: 8)) { try parser.parse(deep) }
        let longString = Array("d8:intervali1e5:peers999999999:".utf8)
        #expect(throws: TrackerError.Reason.malformedResponse(what: "bencode stringTooLong", offset: 21)) { try parser.parse(longString) }
        let huge = [UInt8](repeating: UInt8(ascii: "i"), count: (1 << 20) + 1)
        #expect(throws: TrackerError.Reason.responseTooLarge(limit: 1 << 20)) { try parser.parse(huge) }
        let manyItems = Array(("d8:intervali1e5:peersl" + String(repeating: "i1e", count: 70_000) + "ee").utf8)
        #expect(throws: TrackerError.Reason.self) { try parser.parse(manyItems) }
    }

    @Test func everyTruncationOfAGoodBodyIsRejected() throws {
        let good = Array("d8:completei1e10:incompletei2e8:intervali1800e5:peers6:\u{7f}\0\0\u{1}\u{1a}\u{41}e".utf8)
        _ = try HTTPAnnounceResponseParser().parse(good)
        for length in 0..<good.count {
            #expect(throws: TrackerError.Reason.self) { try HTTPAnnounceResponseParser().parse(Array(good.prefix(length))) }
        }
    }

    @Test func randomGarbageNeverCrashesTheHTTPParser() {
        var random = SplitMix64(seed: 0x7A11)
        let alphabet = Array("di0123456789:el-e".utf8)
        for round in 0..<5000 {
            let count = Int.random(in: 0..<200, using: &random)
            let bytes: [UInt8] = (0..<count).map { _ in
                round.isMultiple(of: 2) ? UInt8.random(in: 0...255, using: &random) : alphabet.randomElement(using: &random) ?? 0
            }
            _ = try? HTTPAnnounceResponseParser().parse(bytes)
        }
    }

    // MARK: UDP packets

    @Test func udpRequestsHaveTheBEP15Layout() {
        #expect(UDPTrackerPacket.connectRequest(transactionID: 0x0102_0304)
            == [0, 0, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80, 0, 0, 0, 0, 1, 2, 3, 4])
        let request = AnnounceRequest(
            infoHash: Self.hash, peerID: Self.peer, port: 0x1AE1, uploaded: 3, downloaded: 1, left: 2,
            event: .stopped, numWant: -5, key: 0xA1B2_C3D4
        )
        let packet = UDPTrackerPacket.announceRequest(request, connectionID: 0x0102_0304_0506_0708, transactionID: 9)
        #expect(packet.count == 98)
        #expect(Array(packet[0..<8]) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Array(packet[8..<16]) == [0, 0, 0, 1, 0, 0, 0, 9])
        #expect(Array(packet[16..<36]) == Self.hash.bytes && Array(packet[36..<56]) == Self.peer.bytes)
        #expect(Array(packet[56..<80]) == be64(1) + be64(2) + be64(3))
        #expect(Array(packet[80..<84]) == [0, 0, 0, 3])  // stopped
        #expect(Array(packet[84..<88]) == [0, 0, 0, 0])  // no IP address, ever
        #expect(Array(packet[88..<92]) == [0xA1, 0xB2, 0xC3, 0xD4])
        #expect(Array(packet[92..<96]) == [0xFF, 0xFF, 0xFF, 0xFF])  // -1: tracker's default
        #expect(Array(packet[96..<98]) == [0x1A, 0xE1])
    }

    @Test func udpResponsesParse() throws {
        #expect(try UDPTrackerPacket.parse(be32(0) + be32(7) + be64(42), expected: .connect, ipv6: false) == .connected(connectionID: 42))
        let v4 = be32(1) + be32(7) + be32(900) + be32(3) + be32(4) + [10, 0, 0, 1, 0x1A, 0xE1]
        guard case .announced(let response) = try UDPTrackerPacket.parse(v4, expected: .announce, ipv6: false) else {
            Issue.record("not an announce answer"); return
        }
        #expect(response.interval == .seconds(900) && response.incomplete == 3 && response.complete == 4)
        #expect(response.peers.map(\.description) == ["10.0.0.1:6881"])
        let v6 = be32(1) + be32(7) + be32(900) + be32(0) + be32(0) + [UInt8](repeating: 0, count: 15) + [1, 0x1A, 0xE1]
        guard case .announced(let six) = try UDPTrackerPacket.parse(v6, expected: .announce, ipv6: true) else {
            Issue.record("not an announce answer"); return
        }
        #expect(six.peers.map(\.description) == ["[::1]:6881"])
        #expect(try UDPTrackerPacket.parse(be32(3) + be32(7) + Array("bad\u{1}hash".utf8), expected: .announce, ipv6: false) == .error("badhash"))
    }

    @Test(arguments: [
        ([0, 0, 0], UDPTrackerPacket.Action.connect, "UDP response of 3 bytes, need at least 8"),
        (be32(0) + be32(1) + [1, 2, 3], .connect, "UDP connect response of 11 bytes, need 16"),
        (be32(1) + be32(1) + be32(60), .announce, "UDP announce response of 12 bytes, need at least 20"),
        (be32(1) + be32(1) + be32(60) + be32(0) + be32(0) + [1, 2, 3, 4, 5], .announce, "UDP peer list of 5 bytes is not a multiple of 6"),
        (be32(2) + be32(1) + be64(0), .connect, "UDP action 2, expected 0"),
    ])
    func malformedUDPResponsesSayWhat(bytes: [UInt8], expected: UDPTrackerPacket.Action, what: String) {
        do {
            _ = try UDPTrackerPacket.parse(bytes, expected: expected, ipv6: false)
            Issue.record("accepted \(bytes)")
        } catch {
            guard case .malformedResponse(let got, _) = error else { Issue.record("\(error)"); return }
            #expect(got == what)
        }
    }

    @Test func randomGarbageNeverCrashesTheUDPParser() {
        var random = SplitMix64(seed: 0x0D15)
        for _ in 0..<5000 {
            let count = Int.random(in: 0..<120, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            if bytes.count >= 4, Bool.random(using: &random) { bytes.replaceSubrange(0..<4, with: be32(UInt32.random(in: 0...3, using: &random))) }
            _ = UDPTrackerPacket.transactionID(of: bytes)
            _ = try? UDPTrackerPacket.parse(bytes, expected: .connect, ipv6: false)
            _ = try? UDPTrackerPacket.parse(bytes, expected: .announce, ipv6: Bool.random(using: &random))
        }
    }
}

private func percentDecode(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
           let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
            out.append(value)
        } else {
            out.append(byte)
        }
    }
    return out
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
