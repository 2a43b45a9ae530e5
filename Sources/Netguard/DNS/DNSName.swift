/// Domain names in DNS wire form: encoding a host name for a question, decoding a (possibly compressed) name
/// from a message with every bound checked.
enum DNSName {
    static let maxWireLength = 255
    static let maxLabelLength = 63
    /// Compression pointers followed for one name at most; each must also point before the one that led to it,
    /// so a loop cannot be built at all.
    static let maxPointers = 16

    /// `tracker.example.org` → `7tracker7example3org0`, lowercased; `nil` unless every label is 1–63 letters,
    /// digits, `-` or `_` and the whole fits 255 bytes. A trailing dot is allowed.
    static func encode(_ host: some StringProtocol) -> [UInt8]? {
        var text = Substring(host)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty else { return nil }
        var wire: [UInt8] = []
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count <= maxLabelLength, bytes.allSatisfy(isHostByte) else { return nil }
            wire.append(UInt8(bytes.count))
            wire += bytes.map(lowercased)
        }
        wire.append(0)
        return wire.count <= maxWireLength ? wire : nil
    }

    /// Reads the name at `offset` of `message`; returns it lowercased and dotted (no trailing dot, "" for the
    /// root) and the offset just after it where it sits (after the first pointer, if any).
    static func decode(_ message: [UInt8], at offset: Int) throws(DNSMessageError) -> (name: String, next: Int) {
        var labels: [String] = []
        var position = offset
        var next: Int?
        var wireLength = 1
        var pointers = 0
        var lowestTarget = offset
        while true {
            guard position < message.count else { throw DNSMessageError(offset: position, reason: "name runs past the end") }
            let length = Int(message[position])
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    return (labels.joined(separator: "."), next ?? position + 1)
                }
                guard position + 1 + length <= message.count else {
                    throw DNSMessageError(offset: position, reason: "label runs past the end")
                }
                wireLength += length + 1
                guard wireLength <= maxWireLength else { throw DNSMessageError(offset: position, reason: "name longer than 255 bytes") }
                let label = message[(position + 1)..<(position + 1 + length)].map(lowercased)
                labels.append(String(decoding: label, as: UTF8.self))
                position += 1 + length
            case 0xC0:
                guard position + 1 < message.count else { throw DNSMessageError(offset: position, reason: "pointer runs past the end") }
                let target = (length & 0x3F) << 8 | Int(message[position + 1])
                pointers += 1
                guard pointers <= maxPointers else { throw DNSMessageError(offset: position, reason: "too many compression pointers") }
                guard target < lowestTarget else {
                    throw DNSMessageError(offset: position, reason: "compression pointer to \(target) does not point backwards")
                }
                if next == nil { next = position + 2 }
                lowestTarget = target
                position = target
            default:
                throw DNSMessageError(offset: position, reason: "unsupported label type 0x\(String(length & 0xC0, radix: 16))")
            }
        }
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}

/// A DNS message that does not hold together: what and at which byte.
public struct DNSMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "DNS message at byte \(offset): \(reason)" }
}
