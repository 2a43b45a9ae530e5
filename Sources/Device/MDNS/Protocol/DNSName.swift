/// A domain name as its labels (`rill`, `local`), compared without regard to ASCII case as DNS requires.
///
/// Labels are 1…63 bytes and the whole name at most 255 bytes on the wire; the initializers refuse anything else.
/// Labels are raw bytes (mDNS service instance names are UTF-8 with spaces and dots); `description` escapes dots
/// and backslashes inside a label.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    public let labels: [[UInt8]]

    /// The most bytes a name takes on the wire (length bytes, labels and the final zero).
    public static let maxWireLength = 255
    public static let maxLabelLength = 63

    /// From labels; nil when a label is empty or too long, or the name too long.
    public init?(labels: [[UInt8]]) {
        guard labels.allSatisfy({ (1...Self.maxLabelLength).contains($0.count) }),
              labels.reduce(1, { $0 + $1.count + 1 }) <= Self.maxWireLength else { return nil }
        self.labels = labels
    }

    /// From dotted text (`rill.local`, a trailing dot allowed); no escapes.
    public init?(_ text: String) {
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        if parts.last?.isEmpty == true { parts.removeLast() }
        self.init(labels: parts)
    }

    /// `label` prepended to `parent` (a service instance: `Rill (rill-3f9a)` + `_http._tcp.local`).
    public init?(label: String, parent: DNSName) {
        self.init(labels: [Array(label.utf8)] + parent.labels)
    }

    /// The first label as text.
    public var firstLabel: String { labels.first.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// Bytes on the wire, uncompressed.
    public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    public var description: String {
        labels.map { label in
            String(decoding: label, as: UTF8.self).replacing("\\", with: "\\\\").replacing(".", with: "\\.")
        }.joined(separator: ".") + "."
    }

    /// The labels lowercased (ASCII only), the form names are compared and hashed in.
    var folded: [[UInt8]] {
        labels.map { $0.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 } }
    }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool { lhs.folded == rhs.folded }

    public func hash(into hasher: inout Hasher) { hasher.combine(folded) }

    /// The canonical wire form (lowercase, uncompressed), for comparing records lexicographically (RFC 6762 §8.2).
    var canonicalBytes: [UInt8] {
        folded.flatMap { [UInt8($0.count)] + $0 } + [0]
    }
}
