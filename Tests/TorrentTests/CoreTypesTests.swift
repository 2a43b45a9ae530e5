import Testing
@testable import Torrent

@Suite struct CoreTypesTests {
    @Test func infoHashHexRoundTrip() throws {
        let hex = "c9e15763f722f23e98a29decdfae341b98d53056"
        let hash = try #require(InfoHash(hex: hex.uppercased()))
        #expect(hash.hex == hex)
        #expect(InfoHash(hex: "c9e1") == nil)
        #expect(InfoHash(hex: String(repeating: "g", count: 40)) == nil)
    }

    @Test func peerIDCarriesTheClientPrefix() {
        let id = PeerID.random()
        #expect(id.bytes.count == 20)
        #expect(String(decoding: id.bytes.prefix(8), as: UTF8.self) == PeerID.clientPrefix)
        #expect(PeerID(bytes: [1, 2, 3]) == nil)
    }

    @Test func compactPeersParse() {
        let bytes: [UInt8] = [127, 0, 0, 1, 0x1A, 0xE1, 10, 0, 0, 2, 0, 0, 192, 168]
        let peers = PeerAddress.compactList(bytes, ipv6: false)
        #expect(peers.map(\.description) == ["127.0.0.1:6881"])  // port 0 dropped, tail ignored
        let v6 = [UInt8](repeating: 0, count: 15) + [1, 0x1A, 0xE1]
        #expect(PeerAddress.compactList(v6, ipv6: true).map(\.description) == ["[::1]:6881"])
    }

    @Test(arguments: [
        ("1.2.3.4:80", "1.2.3.4:80"),
        ("[::1]:6881", "[::1]:6881"),
        ("[2001:db8::8:800:200c:417a]:1", "[2001:db8::8:800:200c:417a]:1"),
        ("[fe80:0:0:1:0:0:0:1]:2", "[fe80:0:0:1::1]:2"),
    ])
    func peerAddressText(input: String, expected: String) throws {
        let address = try #require(PeerAddress(text: input))
        #expect(address.description == expected)
        #expect(PeerAddress(compact: address.compact) == address)
    }

    @Test(arguments: ["1.2.3:80", "1.2.3.4", "1.2.3.4:0", "1.2.3.256:1", "[::1", "[1::2::3]:5", "host:80", "[::1]:x", ""])
    func badPeerAddressText(input: String) {
        #expect(PeerAddress(text: input) == nil)
    }

    @Test func literalResolverRefusesNames() async throws {
        let resolver = LiteralHostResolver()
        #expect(try await resolver.resolve(host: "127.0.0.1") == [[127, 0, 0, 1]])
        #expect(try await resolver.resolve(host: "[::1]") == [[UInt8](repeating: 0, count: 15) + [1]])
        await #expect(throws: HostResolutionError.self) { try await resolver.resolve(host: "tracker.example") }
    }
}
