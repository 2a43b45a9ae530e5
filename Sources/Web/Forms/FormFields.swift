/// The fields of an `application/x-www-form-urlencoded` body (what an HTML form posts), percent-decoded.
///
/// Bounded: at most ``maxFields`` fields; the body itself is bounded by the body limit before it gets here.
/// Invalid percent escapes and invalid UTF-8 are replaced, never fatal: a form is people's input.
public struct FormFields: Sendable, Equatable {
    public static let maxFields = 256
    private var pairs: [(String, String)]

    public init(parsing bytes: some Collection<UInt8>) throws(FormError) {
        pairs = []
        for part in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard pairs.count < Self.maxFields else { throw .tooManyFields(Self.maxFields) }
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let name = Self.decode(equals.map { part[part.startIndex..<$0] } ?? part[...])
            let value = equals.map { Self.decode(part[part.index(after: $0)...]) } ?? ""
            pairs.append((name, value))
        }
    }

    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs
    }

    /// The first value of `name`.
    public subscript(_ name: String) -> String? {
        pairs.first { $0.0 == name }?.1
    }

    /// Every value of `name`, in order.
    public func all(_ name: String) -> [String] {
        pairs.filter { $0.0 == name }.map(\.1)
    }

    public var names: [String] { pairs.map(\.0) }

    public static func == (lhs: FormFields, rhs: FormFields) -> Bool {
        lhs.pairs.map(\.0) == rhs.pairs.map(\.0) && lhs.pairs.map(\.1) == rhs.pairs.map(\.1)
    }

    /// Percent-decoding with `+` as a space.
    static func decode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next() else { out.append(byte); break }
                guard let low = iterator.next() else { out.append(contentsOf: [byte, high]); break }
                if let value = hexValue(high).flatMap({ h in hexValue(low).map { h << 4 | $0 } }) {
                    out.append(value)
                } else {
                    out.append(contentsOf: [byte, high, low])
                }
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A form body that is refused.
public enum FormError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooManyFields(Int)
    case malformedMultipart(String)
    case tooManyParts(Int)

    public var description: String {
        switch self {
        case .tooManyFields(let limit): "the form has more than \(limit) fields"
        case .malformedMultipart(let why): "the multipart form is malformed: \(why)"
        case .tooManyParts(let limit): "the multipart form has more than \(limit) parts"
        }
    }
}
