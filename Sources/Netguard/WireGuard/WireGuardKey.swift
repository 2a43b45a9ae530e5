/// A 32-byte WireGuard key (Curve25519 public or private, or a preshared key) in the base64 form `wg` uses:
/// exactly 44 characters of the standard alphabet ending in one `=`, with the unused bits zero — the same rule
/// as `key_from_base64` in wireguard-tools, so a key accepted here is accepted by `wg`. The description is the
/// base64 form, right for public keys; private and preshared keys are only ever held as `Secret<WireGuardKey>`.
public struct WireGuardKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32

    /// The raw key.
    public let bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// Decodes the 44-character base64 form; `nil` for anything else.
    public init?(base64: some StringProtocol) {
        let text = Array(base64.utf8)
        guard text.count == 44, text[43] == UInt8(ascii: "=") else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        var index = 0
        while index < 40 {
            guard let a = Self.sextet(text[index]), let b = Self.sextet(text[index + 1]),
                  let c = Self.sextet(text[index + 2]), let d = Self.sextet(text[index + 3]) else { return nil }
            let group = a << 18 | b << 12 | c << 6 | d
            out += [UInt8(truncatingIfNeeded: group >> 16), UInt8(truncatingIfNeeded: group >> 8), UInt8(truncatingIfNeeded: group)]
            index += 4
        }
        guard let a = Self.sextet(text[40]), let b = Self.sextet(text[41]), let c = Self.sextet(text[42]),
              c & 0b11 == 0 else { return nil }
        let group = a << 18 | b << 12 | c << 6
        out += [UInt8(truncatingIfNeeded: group >> 16), UInt8(truncatingIfNeeded: group >> 8)]
        bytes = out
    }

    /// The 44-character base64 form `wg` prints and reads.
    public var base64: String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(44)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(remaining > 1 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            out.append(remaining > 2 ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { base64 }

    private static func sextet(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
