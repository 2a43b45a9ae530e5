import Testing
@testable import Torrent

@Suite struct MagnetLinkTests {
    @Test func hexWithNameTrackersAndPeers() throws {
        let magnet = try MagnetLink(
            "magnet:?xt=urn:btih:C9E15763F722F23E98A29DECDFAE341B98D53056&dn=Big+Buck%20Bunny&tr=udp%3A%2F%2Ft.example%3A80"
                + "&tr=http%3A%2F%2Fa%2Fannounce&x.pe=127.0.0.1:6881&x.pe=[::1]:51413&foo=bar"
        )
        #expect(magnet.infoHash.hex == "c9e15763f722f23e98a29decdfae341b98d53056")
        #expect(magnet.displayName == "Big Buck Bunny")
        #expect(magnet.trackers == ["udp://t.example:80", "http://a/announce"])
        #expect(magnet.peers.map(\.description) == ["127.0.0.1:6881", "[::1]:51413"])
        #expect(try MagnetLink(magnet.uri) == magnet)
    }

    @Test func base32() throws {
        let magnet = try MagnetLink("magnet:?xt=urn:btih:ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW")
        #expect(magnet.infoHash.hex == "c9e15763f722f23e98a29decdfae341b98d53056")
    }

    @Test(arguments: [
        "http://example.com", "magnet:?dn=x", "magnet:?xt=urn:btih:1234", "magnet:?xt=urn:btih:" + String(repeating: "z", count: 40),
        "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&x.pe=example.com:1", "magnet:?xt=urn:btih:%zz",
        "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&xt=urn:btih:0000000000000000000000000000000000000000",
    ])
    func refused(text: String) {
        #expect(throws: MetainfoError.self) { try MagnetLink(text) }
    }

    @Test func overlongIsRefused() {
        let text = "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=" + String(repeating: "a", count: 20_000)
        #expect(throws: MetainfoError.self) { try MagnetLink(text) }
    }
}
