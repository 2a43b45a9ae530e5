import FoundationEssentials
import Logging
import Netguard
import TestSupport
import Testing

@Suite struct WireGuardConfigTests {
    typealias S = WireGuardSamples

    @Test func providerFileParses() throws {
        let config = try WireGuardConfig(parsing: S.providerFile)
        #expect(config.interface.publicKey.base64 == S.publicA)
        #expect(config.interface.addresses.map(\.description) == ["10.64.12.34/32", "fc00:bbbb:bbbb:bb01::1:c21/128"])
        #expect(config.interface.dnsServers.map(\.description) == ["10.64.0.1"])
        #expect(config.interface.dnsSearchDomains == ["vpn.example"])
        #expect(config.interface.mtu == 1380)
        #expect(config.interface.hookScripts == [.init(key: .postUp, line: 7), .init(key: .preDown, line: 8)])
        #expect(config.peers.count == 1)
        let peer = try #require(config.peers.first)
        #expect(peer.publicKey.base64 == S.publicB)
        #expect(peer.presharedKey?.revealed.base64 == S.preshared)
        #expect(peer.endpoint?.description == "185.65.134.82:51820")
        #expect(peer.allowedIPs.map(\.description) == ["0.0.0.0/0", "::/0"])
        #expect(peer.persistentKeepalive == 25)
        #expect(config.warnings.map(\.description) == [
            "line 7: PostUp: ignored: Rill never runs hook scripts",
            "line 8: PreDown: ignored: Rill never runs hook scripts",
        ])
    }

    @Test func keysAndSectionsIgnoreCaseCommentsAndLineEnds() throws {
        let text = "\u{FEFF}  [interface]  # the device\r\nprivatekey=\(S.privateA)\r\n\taddress = 10.0.0.2/24 # us\r\n"
            + "address = fd00::2/64\r\ndns=10.0.0.1\r\nlistenport = 51820\r\n\r\n[PEER]\r\npublickey = \(S.publicB)\r\n"
            + "endpoint = [2001:db8::1]:4500\r\nallowedips = 10.0.0.0/24\r\nallowedips = fd00::/64\r\n"
            + "persistentkeepalive = off\r\n"
        let config = try WireGuardConfig(parsing: text)
        #expect(config.interface.addresses.map(\.description) == ["10.0.0.2/24", "fd00::2/64"])
        #expect(config.interface.listenPort == 51820)
        #expect(config.peers[0].endpoint?.description == "[2001:db8::1]:4500")
        #expect(config.peers[0].allowedIPs.count == 2)
        #expect(config.peers[0].persistentKeepalive == nil)
        #expect(config.warnings.map(\.message) == [
            "no peer takes all IPv4 traffic (0.0.0.0/0): the engine reaches only the networks listed",
            "no peer takes all IPv6 traffic (::/0): the engine reaches only the IPv6 networks listed",
        ])
    }

    @Test func hookScriptsCanBeRefused() {
        let options = WireGuardConfigOptions(fileName: "vpn.conf", hookScripts: .refuse)
        #expect(throws: WireGuardConfigError(fileName: "vpn.conf", line: 7, key: "PostUp", problem: .hookScriptRefused)) {
            try WireGuardConfig(parsing: S.providerFile, options: options)
        }
    }

    @Test func setconfFormHasOnlyWhatWgReads() throws {
        let config = try WireGuardConfig(parsing: S.providerFile)
        #expect(config.setconfText().revealed == """
            [Interface]
            PrivateKey = \(S.privateA)

            [Peer]
            PublicKey = \(S.publicB)
            PresharedKey = \(S.preshared)
            Endpoint = 185.65.134.82:51820
            AllowedIPs = 0.0.0.0/0, ::/0
            PersistentKeepalive = 25

            """)
    }

    @Test func secretsNeverPrint() throws {
        let config = try WireGuardConfig(parsing: S.providerFile)
        var dumped = ""
        dump(config, to: &dumped)
        let capture = LogCapture()
        capture.logger.info("config \(config)", metadata: ["config": "\(config)", "text": "\(config.setconfText())"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes  // so a key in it would show as written
        let json = String(decoding: try encoder.encode(config.summary), as: UTF8.self)
        let printed = ["\(config)", String(reflecting: config), dumped, "\(config.setconfText())",
                       String(reflecting: config.setconfText()), json] + capture.lines
        for text in printed {
            #expect(!text.contains(S.privateA))
            #expect(!text.contains(S.preshared))
        }
        #expect(json.contains(S.publicA))  // derived public key is shown
        #expect(json.contains("\"hasPresharedKey\":true"))
        #expect("\(config.interface.privateKey)" == "<redacted>")
    }

    @Test func summaryRoundTripsThroughJSON() throws {
        let summary = try WireGuardConfig(parsing: S.providerFile).summary
        let decoded = try JSONDecoder().decode(WireGuardConfigSummary.self, from: try JSONEncoder().encode(summary))
        #expect(decoded == summary)
    }

    @Test func keyForms() throws {
        let key = try #require(WireGuardKey(base64: S.privateA))
        #expect(key.base64 == S.privateA)
        #expect(WireGuardKey(base64: String(S.privateA.dropLast(2)) + "N=") == nil)  // unused bits set
        #expect(WireGuardKey(base64: String(S.privateA.dropLast())) == nil)
        #expect(WireGuardKey(base64: S.privateA + "=") == nil)
        #expect(WireGuardKey(base64: String(S.privateA.dropLast()) + "A") == nil)
        #expect(WireGuardKey(base64: "!" + S.privateA.dropFirst()) == nil)
        #expect(WireGuardKey(bytes: [UInt8](repeating: 0, count: 32))?.base64 == "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    }

    @Test(arguments: [
        ("1.2.3.4:51820", "1.2.3.4:51820"),
        ("[2001:db8::1]:1", "[2001:db8::1]:1"),
        ("vpn-1.example.com:443", "vpn-1.example.com:443"),
        ("localhost:65535", "localhost:65535"),
    ])
    func goodEndpoints(text: String, expected: String) throws {
        #expect(try WireGuardEndpoint(text: text).description == expected)
    }

    @Test(arguments: [
        ("1.2.3.4", WireGuardEndpointError.missingPort), ("1.2.3.4:0", .badPort), ("1.2.3.4:65536", .badPort),
        ("1.2.3.4:", .badPort), ("[::1:51820", .unclosedBracket), ("[1.2.3.4]:5", .badIPv6), ("2001:db8::1:51820", .ipv6NeedsBrackets),
        ("bad host:1", .badHost), ("-x.example:1", .badHost), ("[::1]51820", .missingPort), (":5", .badHost),
    ])
    func badEndpoints(text: String, expected: WireGuardEndpointError) {
        #expect(throws: expected) { try WireGuardEndpoint(text: text) }
    }
}
