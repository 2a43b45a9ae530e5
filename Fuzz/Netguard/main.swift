// libFuzzer entry point for Netguard's three parsers of outside input: the wg-quick file a user pastes, the
// rtnetlink datagrams of the interface watch and the DNS answers of the tunnel's resolver. Built by
// `ci/fuzz netguard <seconds>`, compiled in one module with just those parsers' files (no NIO, no Crypto), so it
// builds in seconds. The first byte picks the parser, as in the peer wire target.
//
// Properties checked on every input (a violation is a `fatalError`, which libFuzzer reports as a crash):
// - wg-quick: parsing never traps; a refusal names a line within the file; no 44-character base64 key of the
//   input ever appears in an error, a warning or the printed config (keys are secrets);
// - netlink: parsing never traps; a refusal's offset lies within the datagram; link names are < 16 bytes;
//   addresses are 4 or 16 bytes;
// - DNS: parsing never traps; a refusal's offset lies within the message; at most 64 answers are kept; following
//   the answer's CNAME chains never traps and yields only 4- or 16-byte addresses of the asked type.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetguard(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let first = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    switch first % 3 {
    case 0: checkWireGuard(rest)
    case 1: checkNetlink(rest)
    default: checkDNS(rest)
    }
    return 0
}

private func checkWireGuard(_ bytes: [UInt8]) {
    let keys = base64Keys(in: bytes)
    var tight = WireGuardConfigOptions.Limits()
    tight.maxPeers = 2
    tight.maxListValues = 4
    tight.maxLines = 64
    for options in [WireGuardConfigOptions(), WireGuardConfigOptions(hookScripts: .refuse, limits: tight)] {
        do {
            let config = try WireGuardConfig(parsing: bytes, options: options)
            let printed = "\(config) \(String(reflecting: config)) \(config.warnings)"
            for key in keys where printed.contains(key) { fatalError("a key of the input is printed: \(printed)") }
            guard config.peers.count <= options.limits.maxPeers else { fatalError("\(config.peers.count) peers") }
        } catch {
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            guard error.line >= 0, error.line <= lines + 1 else { fatalError("line \(error.line) of \(lines): \(error)") }
            let message = "\(error)"
            for key in keys where message.contains(key) { fatalError("a key of the input is in the error: \(message)") }
        }
    }
}

/// The runs of 44 base64 characters ending in `=` (what a WireGuard key looks like) on the input's
/// `PrivateKey`/`PresharedKey` lines and on no other line (a public key may be printed; a secret may not).
private func base64Keys(in bytes: [UInt8]) -> [String] {
    var secret: Set<String> = [], other: Set<String> = []
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
        let text = String(decoding: line, as: UTF8.self).lowercased().drop { $0 == " " || $0 == "\t" }
        let tokens = keyLike(Array(line))
        if text.hasPrefix("privatekey") || text.hasPrefix("presharedkey") { secret.formUnion(tokens) } else { other.formUnion(tokens) }
    }
    return Array(secret.subtracting(other))
}

private func keyLike(_ bytes: [UInt8]) -> [String] {
    func isBase64(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
    }
    var keys: [String] = []
    var start = 0
    while start < bytes.count {
        var end = start
        while end < bytes.count, isBase64(bytes[end]) { end += 1 }
        if end - start == 44, bytes[end - 1] == UInt8(ascii: "=") {
            keys.append(String(decoding: bytes[start..<end], as: UTF8.self))
        }
        start = end + 1
    }
    return keys
}

extension WireGuardKey {
    /// The fuzz build leaves out swift-crypto (and its BoringSSL): the parser's public key derivation becomes a
    /// fixed transform here, different from the private key in every byte. X25519 itself is not under test.
    func derivedPublicKey() -> WireGuardKey? { WireGuardKey(bytes: bytes.map { $0 ^ 0xA5 }) }
}

private func checkNetlink(_ bytes: [UInt8]) {
    do {
        for message in try NetlinkParser.parse(bytes) {
            switch message {
            case .link(let link, _):
                if let name = link.name, name.utf8.count >= 16 { fatalError("link name of \(name.utf8.count) bytes") }
            case .address(let address, _):
                if let ip = address.address, ip.bytes.count != 4, ip.bytes.count != 16 { fatalError("address of \(ip.bytes.count) bytes") }
            case .done, .error, .other:
                break
            }
        }
    } catch {
        guard error.offset >= 0, error.offset <= bytes.count else { fatalError("offset \(error.offset) of \(bytes.count): \(error)") }
    }
}

private func checkDNS(_ bytes: [UInt8]) {
    let response: DNSResponse
    do {
        response = try DNSResponse(parsing: bytes)
    } catch {
        guard error.offset >= 0, error.offset <= bytes.count else { fatalError("offset \(error.offset) of \(bytes.count): \(error)") }
        return
    }
    guard response.answers.count <= DNSResponse.maxAnswers else { fatalError("\(response.answers.count) answers kept") }
    for type in [DNSRecordType.a, .aaaa] {
        for maxChain in [0, 8] {
            guard let (addresses, _) = response.addresses(for: response.questionName, type: type, maxChain: maxChain) else { continue }
            for address in addresses where address.bytes.count != (type == .a ? 4 : 16) {
                fatalError("\(type) record with \(address.bytes.count) bytes")
            }
        }
    }
}
