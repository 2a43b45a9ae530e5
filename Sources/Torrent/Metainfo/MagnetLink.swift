/// A magnet URI for a v1 torrent (BEP 9): the info-hash and hints to find the metadata.
///
/// `magnet:?xt=urn:btih:<40 hex | 32 base32>&dn=<name>&tr=<tracker>&x.pe=<host:port>`. The metadata itself comes
/// from peers (BEP 9/10); trackers from `tr` form one tier each, in order (BEP 12 semantics apply).
public struct MagnetLink: Sendable, Equatable {
    public let infoHash: InfoHash
    public let displayName: String?
    public let trackers: [String]
    /// Peers to dial directly (`x.pe`), e.g. for a torrent shared on the LAN.
    public let peers: [PeerAddress]

    /// The longest magnet URI accepted.
    public static let maxLength = 16 * 1024
    static let maxEntries = 64

    /// Parses `text`; errors name the parameter at fault.
    public init(_ text: String) throws(MetainfoError) {
        guard text.utf8.count <= Self.maxLength else {
            throw MetainfoError(field: "magnet", message: "longer than \(Self.maxLength) bytes")
        }
        guard text.lowercased().hasPrefix("magnet:?") else {
            throw MetainfoError(field: "magnet", message: "must start with \"magnet:?\"")
        }
        var hash: InfoHash?
        var name: String?
        var trackers: [String] = []
        var peers: [PeerAddress] = []
        for pair in text.dropFirst("magnet:?".count).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let key = String(parts[0]).lowercased()
            guard let value = PercentEncoding.decode(parts[1], plusIsSpace: key == "dn") else {
                throw MetainfoError(field: "magnet.\(key)", message: "bad percent-encoding")
            }
            switch key {
            case "xt":
                let lower = value.lowercased()
                guard lower.hasPrefix("urn:btih:") else { continue }  // e.g. v2 `urn:btmh:`: not ours
                let digest = String(value.dropFirst("urn:btih:".count))
                guard let parsed = Self.parseHash(digest) else {
                    throw MetainfoError(field: "magnet.xt", message: "\"\(digest)\" is not 40 hex or 32 base32 digits")
                }
                if let hash, hash != parsed {
                    throw MetainfoError(field: "magnet.xt", message: "two different info-hashes")
                }
                hash = parsed
            case "dn":
                name = value
            case "tr":
                if Metainfo.isTrackerURL(value), trackers.count < Self.maxEntries, !trackers.contains(value) {
                    trackers.append(value)
                }
            case "x.pe":
                guard let peer = PeerAddress(text: value) else {
                    throw MetainfoError(field: "magnet.x.pe", message: "\"\(value)\" is not host:port with an IP address")
                }
                if peers.count < Self.maxEntries { peers.append(peer) }
            default:
                continue
            }
        }
        guard let hash else { throw MetainfoError(field: "magnet.xt", message: "no urn:btih info-hash") }
        self.infoHash = hash
        self.displayName = name
        self.trackers = trackers
        self.peers = peers
    }

    static func parseHash(_ digest: String) -> InfoHash? {
        if digest.utf8.count == 40 { return InfoHash(hex: digest) }
        if digest.utf8.count == 32, let bytes = Base32.decode(digest) { return InfoHash(bytes: bytes) }
        return nil
    }

    /// The URI form: `magnet:?xt=urn:btih:<hex>` plus `dn`, `tr` and `x.pe` when present.
    public var uri: String {
        var text = "magnet:?xt=urn:btih:\(infoHash.hex)"
        if let displayName { text += "&dn=" + PercentEncoding.encode(displayName) }
        for tracker in trackers { text += "&tr=" + PercentEncoding.encode(tracker) }
        for peer in peers { text += "&x.pe=" + PercentEncoding.encode(peer.description) }
        return text
    }
}

/// RFC 4648 base32 (the alphabet magnet links use for info-hashes), either case, no padding.
enum Base32 {
    static func decode(_ text: String) -> [UInt8]? {
        var buffer: UInt64 = 0
        var bits = 0
        var out: [UInt8] = []
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = byte - UInt8(ascii: "2") + 26
            default: return nil
            }
            buffer = buffer << 5 | UInt64(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt64(bits)))
            }
        }
        return out
    }
}

/// Percent-encoding of URI components (RFC 3986), byte-exact: works for binary values such as info-hashes.
public enum PercentEncoding {
    /// Decodes `%XX` escapes (and `+` as a space when asked); `nil` for a broken escape or non-UTF-8 result.
    public static func decode(_ text: some StringProtocol, plusIsSpace: Bool = false) -> String? {
        guard let bytes = decodeBytes(text, plusIsSpace: plusIsSpace) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Decodes `%XX` escapes into raw bytes; `nil` for a broken escape.
    public static func decodeBytes(_ text: some StringProtocol, plusIsSpace: Bool = false) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count,
                      let value = HexDigits.decode(String(decoding: utf8[index + 1...index + 2], as: UTF8.self))
                else { return nil }
                out.append(value[0])
                index += 3
            } else {
                out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return out
    }

    /// Encodes every byte but RFC 3986's unreserved characters.
    public static func encode(_ text: String) -> String { encode(bytes: Array(text.utf8)) }

    /// Encodes every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) as `%XX`, upper-case.
    public static func encode(bytes: some Sequence<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
