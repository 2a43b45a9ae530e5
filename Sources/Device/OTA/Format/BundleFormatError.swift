/// A bundle's header or manifest is malformed: which field, where (byte offset in the bundle file and, in the
/// manifest, the 1-based line), and what is wrong with it.
public struct BundleFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the field.
    public enum Reason: Sendable, Equatable {
        case truncated
        case badMagic
        case unsupportedFormatVersion(UInt16)
        case reservedBitsSet
        case empty
        case tooLarge(Int, limit: Int)
        case tooMany(Int, limit: Int)
        /// A byte outside printable ASCII and LF.
        case notPrintableASCII(UInt8)
        /// The last line does not end in LF.
        case missingNewline
        /// An empty token: two spaces in a row, or a space at the start or end of a line.
        case badSpacing
        /// A line other than the one the canonical order puts here.
        case unexpectedLine(expected: String, found: String)
        /// A token that is not a valid value for the field (`not a version`, `not lowercase hex`, ...).
        case invalid(String)
        case duplicate(String)
        case notSorted
        /// A value that contradicts another field (`board not in compatible`, `offset is not 1234`).
        case inconsistent(String)
    }

    /// The field: `header.magic`, `manifest.version`, `image[1].sha256`.
    public let field: String
    /// Byte offset in the bundle file where the field (or the bad byte) is.
    public let offset: Int
    /// 1-based manifest line, for manifest fields.
    public let line: Int?
    public let reason: Reason

    public init(field: String, offset: Int, line: Int? = nil, reason: Reason) {
        self.field = field
        self.offset = offset
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let place = line.map { "line \($0), byte \(offset)" } ?? "byte \(offset)"
        return "\(field) (\(place)): \(reasonText)"
    }

    private var reasonText: String {
        switch reason {
        case .truncated: "truncated"
        case .badMagic: "not a Rill bundle (magic is not RILLBNDL)"
        case .unsupportedFormatVersion(let version): "format version \(version) is not supported (this build reads 1)"
        case .reservedBitsSet: "reserved flags are not zero"
        case .empty: "empty"
        case .tooLarge(let size, let limit): "\(size) is more than the limit \(limit)"
        case .tooMany(let count, let limit): "\(count) entries, more than the limit \(limit)"
        case .notPrintableASCII(let byte): "byte 0x\(Hex.encode([byte])) is not printable ASCII"
        case .missingNewline: "the last line does not end in a newline"
        case .badSpacing: "fields must be separated by exactly one space"
        case .unexpectedLine(let expected, let found): "expected `\(expected)`, found `\(found)`"
        case .invalid(let what): what
        case .duplicate(let name): "`\(name)` appears twice"
        case .notSorted: "entries are not in ascending order"
        case .inconsistent(let what): what
        }
    }
}
