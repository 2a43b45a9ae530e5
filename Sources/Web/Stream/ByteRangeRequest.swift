/// A `Range` header (RFC 9110 §14.2) resolved against a representation of `length` bytes.
///
/// Contract: `bytes=a-b`, `bytes=a-` and `bytes=-n` are understood; one range only. A header that is not one
/// of those (another unit, several ranges, garbage, over ``maxHeaderLength`` bytes) is ignored, as the RFC
/// allows: the whole representation is sent. A syntactically valid range that selects nothing
/// (`a >= length`, `-0`) is ``unsatisfiable``.
enum ByteRangeRequest: Equatable {
    /// No usable `Range`: send everything with 200.
    case whole
    /// Send these bytes with 206.
    case partial(Range<Int64>)
    /// 416 with `Content-Range: bytes */length`.
    case unsatisfiable

    static let maxHeaderLength = 256

    init(header: String?, length: Int64) {
        guard let header, header.utf8.count <= Self.maxHeaderLength else { self = .whole; return }
        let trimmed = header.trimmingSpaces
        guard trimmed.lowercased().hasPrefix("bytes="), !trimmed.contains(",") else { self = .whole; return }
        let spec = trimmed.dropFirst("bytes=".count).trimmingSpaces
        guard let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash].trimmingSpaces, last = spec[spec.index(after: dash)...].trimmingSpaces
        guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit), first.count <= 18, last.count <= 18 else {
            self = .whole
            return
        }
        switch (Int64(first), Int64(last)) {
        case (nil, nil):
            self = .whole
        case (nil, let suffix?):  // the last `suffix` bytes
            self = suffix == 0 || length == 0 ? .unsatisfiable : .partial(max(0, length - suffix)..<length)
        case (let start?, nil):
            self = start >= length ? .unsatisfiable : .partial(start..<length)
        case (let start?, let end?):
            guard start <= end else { self = .whole; return }  // invalid: ignored
            self = start >= length ? .unsatisfiable : .partial(start..<min(end + 1, length))
        }
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: Substring {
        let view = Substring(self)
        let start = view.firstIndex { $0 != " " && $0 != "\t" } ?? view.endIndex
        let end = view.lastIndex { $0 != " " && $0 != "\t" }.map(view.index(after:)) ?? start
        return view[start..<Swift.max(start, end)]
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
