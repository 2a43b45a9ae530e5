import Netguard
import TestSupport
import Testing

/// Bad files get an error that names the line and key, and never repeats a key.
@Suite struct WireGuardConfigErrorTests {
    typealias S = WireGuardSamples

    static let interface = "[Interface]\nPrivateKey = \(S.privateA)\nAddress = 10.0.0.2/32\n"
    static let peer = "[Peer]\nPublicKey = \(S.publicB)\nAllowedIPs = 0.0.0.0/0\n"

    static let cases: [(String, String)] = [
        (interface + peer + "Endpoint = 1.2.3.4:99999\n", "wg0.conf:7: Endpoint: the port must be a number from 1 to 65535"),
        (interface + peer + "Endpoint = 2001:db8::1:51820\n",
         "wg0.conf:7: Endpoint: an IPv6 address must be written in brackets: [ADDRESS]:PORT"),
        (interface + "PrivateKey = \(S.privateB)\n" + peer, "wg0.conf:4: PrivateKey: given twice (first on line 2)"),
        (interface + "[Foo]\n" + peer, "wg0.conf:4: unknown section [Foo]; expected [Interface] or [Peer]"),
        (interface + "[\(S.privateB)]\n" + peer, "wg0.conf:4: unknown section; expected [Interface] or [Peer]"),
        (interface + "Foo = bar\n" + peer, "wg0.conf:4: unknown key Foo"),
        (interface + "\(S.privateB)\n" + peer, "wg0.conf:4: unknown key"),
        (interface + "\(S.privateB.dropLast())\n" + peer, "wg0.conf:4: expected KEY = VALUE, a [Section] or a # comment"),
        (interface + "Endpoint = 1.2.3.4:5\n" + peer, "wg0.conf:4: Endpoint: belongs in the [Peer] section"),
        (interface + peer + "MTU = 1400\n", "wg0.conf:7: MTU: belongs in the [Interface] section"),
        (interface + "[Peer]\nPublicKey = \(S.publicB.dropLast(2))=\n",
         "wg0.conf:5: PublicKey: not a WireGuard key (44 characters of base64 for 32 bytes)"),
        (interface + peer + "PresharedKey = \(S.privateB.prefix(20))\n",
         "wg0.conf:7: PresharedKey: not a WireGuard key (44 characters of base64 for 32 bytes)"),
        ("[Interface]\nAddress = 10.0.0.2/32\n" + peer, "wg0.conf:1: PrivateKey: missing"),
        ("[Interface]\nPrivateKey = \(S.privateA)\n" + peer, "wg0.conf:1: Address: missing"),
        (interface, "wg0.conf: [Peer]: missing"),
        (peer, "wg0.conf: [Interface]: missing"),
        (interface + "[Peer]\nAllowedIPs = 0.0.0.0/0\n", "wg0.conf:4: PublicKey: missing"),
        ("PrivateKey = \(S.privateA)\n" + interface, "wg0.conf:1: PrivateKey: comes before any [Interface] or [Peer] section"),
        (interface + "[Interface\n" + peer, "wg0.conf:4: expected KEY = VALUE, a [Section] or a # comment"),
        (interface + "[Interface]\n" + peer, "wg0.conf:4: [Interface]: a second [Interface] section (the first is on line 1)"),
        (interface + peer + peer, "wg0.conf:7: [Peer]: the same peer as the [Peer] on line 4"),
        (interface + "Address = 10.0.0.300/24\n" + peer, "wg0.conf:4: Address: \"10.0.0.300/24\" is not ADDRESS or ADDRESS/PREFIX"),
        (interface + "Address = 10.0.0.3/33\n" + peer, "wg0.conf:4: Address: \"10.0.0.3/33\" is not ADDRESS or ADDRESS/PREFIX"),
        (interface + "DNS = 10.0.0.1, not/a/name\n" + peer, "wg0.conf:4: DNS: \"not/a/name\" is neither an IP address nor a domain name"),
        (interface + "MTU = 100\n" + peer, "wg0.conf:4: MTU: \"100\" is not a number from 576 to 65535"),
        (interface + "ListenPort = -1\n" + peer, "wg0.conf:4: ListenPort: \"-1\" is not a number from 0 to 65535"),
        (interface + "SaveConfig = maybe\n" + peer, "wg0.conf:4: SaveConfig: \"maybe\" is not true or false"),
        (interface + "FwMark = 0x1ffffffff\n" + peer, "wg0.conf:4: FwMark: \"0x1ffffffff\" is not off or a 32-bit number"),
        (interface + peer + "PersistentKeepalive = 70000\n",
         "wg0.conf:7: PersistentKeepalive: \"70000\" is not a number from 0 to 65535"),
        (interface + peer + "AllowedIPs = 0.0.0.0/0 10.0.0.0/8x\n", "wg0.conf:7: AllowedIPs: \"10.0.0.0/8x\" is not ADDRESS or ADDRESS/PREFIX"),
        // Found by ci/fuzz netguard: a key pasted into another value is not repeated in the error.
        (interface + peer + "AllowedIPs = ::/0\(S.privateB)\n", "wg0.conf:7: AllowedIPs: the value is not ADDRESS or ADDRESS/PREFIX"),
        (interface + "Table = off\u{07}\n" + peer, "wg0.conf:4: contains a control character"),
        (interface + "\u{0}\n" + peer, "wg0.conf:4: contains a control character"),
    ]

    @Test(arguments: cases)
    func errorNamesLineAndKey(input: String, expected: String) {
        do {
            _ = try WireGuardConfig(parsing: input)
            Issue.record("accepted: \(expected)")
        } catch {
            #expect(error.description == expected)
            #expect(!error.description.contains(S.privateA) && !error.description.contains(S.privateB))
            #expect(!error.description.contains(S.privateB.prefix(20)))
        }
    }

    @Test func invalidUTF8() {
        let bytes = Array(Self.interface.utf8) + [0x23, 0xFF, 0xFE, 0x0A] + Array(Self.peer.utf8)
        #expect(throws: WireGuardConfigError(fileName: "wg0.conf", line: 4, key: nil, problem: .notUTF8)) {
            try WireGuardConfig(parsing: bytes)
        }
    }

    @Test func sizeBounds() {
        let huge = [UInt8](repeating: UInt8(ascii: "#"), count: 1 << 20)
        #expect(throws: WireGuardConfigError(fileName: "wg0.conf", line: 0, key: nil, problem: .tooLarge(limit: 65536))) {
            try WireGuardConfig(parsing: huge)
        }
        let longLine = Self.interface + "# " + String(repeating: "x", count: 9000) + "\n" + Self.peer
        #expect(throws: WireGuardConfigError(fileName: "wg0.conf", line: 4, key: nil, problem: .lineTooLong(limit: 8192))) {
            try WireGuardConfig(parsing: longLine)
        }
        let manyLines = Self.interface + String(repeating: "\n", count: 5000) + Self.peer
        #expect(throws: WireGuardConfigError(fileName: "wg0.conf", line: 4097, key: nil, problem: .tooManyLines(limit: 4096))) {
            try WireGuardConfig(parsing: manyLines)
        }
        var limits = WireGuardConfigOptions.Limits()
        limits.maxListValues = 3
        #expect(throws: WireGuardConfigError(fileName: "wg0.conf", line: 4, key: "Address", problem: .tooMany(limit: 3))) {
            try WireGuardConfig(parsing: Self.interface + "Address = 10.0.0.3, 10.0.0.4, 10.0.0.5\n" + Self.peer,
                                options: .init(limits: limits))
        }
        limits = WireGuardConfigOptions.Limits()
        limits.maxPeers = 1
        #expect(throws: WireGuardConfigError(fileName: "wg0.conf", line: 7, key: "[Peer]", problem: .tooMany(limit: 1))) {
            try WireGuardConfig(parsing: Self.interface + Self.peer + Self.peer, options: .init(limits: limits))
        }
    }

    /// Random bytes, and valid files with random damage: the parser returns or throws, never crashes, and no
    /// message repeats a private or preshared key.
    @Test func garbage() {
        var random = SplitMix64(seed: 0x6E67)
        let valid = Array(S.providerFile.utf8)
        let alphabet = Array("[]=#,:/ \n\r\tPrivateKeyAddressPeer0123456789abcdef.".utf8)
        var accepted = 0
        for round in 0..<4000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    let at = Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0...3, using: &random) {
                    case 0: bytes[at] = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                    case 1: bytes.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &random)], at: at)
                    case 2: bytes.remove(at: at)
                    default: bytes[at] = UInt8.random(in: 0...255, using: &random)
                    }
                }
            }
            do {
                let config = try WireGuardConfig(parsing: bytes)
                accepted += 1
                #expect(!"\(config)".contains(S.privateA))
            } catch {
                #expect(!error.description.contains(S.privateA))
                #expect(!error.description.contains(S.preshared))
            }
        }
        #expect(accepted > 0)  // some damage lands in comments or hook lines
    }
}
