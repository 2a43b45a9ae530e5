/// A `multipart/form-data` body (RFC 7578): what a form with a file input posts. The whole body is in memory
/// (it is bounded by the body limit before it gets here); parts are slices of it.
///
/// Bounded and strict: at most ``maxParts`` parts, headers of a part at most 8 KiB, a boundary of 1–70
/// characters; anything else is a ``FormError`` saying what. Only `Content-Disposition` (name, filename) and
/// `Content-Type` of a part are read.
public struct MultipartForm: Sendable {
    public static let maxParts = 64

    /// One part: a field (`filename == nil`) or a file.
    public struct Part: Sendable {
        public let name: String
        public let filename: String?
        public let contentType: String?
        public let body: [UInt8]

        /// The body as text (a plain field).
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public let parts: [Part]

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` header, or nil.
    public static func boundary(fromContentType header: String) -> String? {
        let items = header.split(separator: ";").map(\.trimmed)
        guard items.first?.lowercased() == "multipart/form-data" else { return nil }
        for item in items.dropFirst() where item.lowercased().hasPrefix("boundary=") {
            var value = String(item.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    public init(parsing body: [UInt8], boundary: String) throws(FormError) {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var position = Self.find(delimiter, in: body, from: 0) else { throw .malformedMultipart("no boundary") }
        while true {
            position += delimiter.count
            // "--" after a delimiter ends the body.
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            guard let headerStart = Self.skipLineBreak(body, position) else { throw .malformedMultipart("no line break after the boundary") }
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: headerStart), headerEnd - headerStart <= 8192 else {
                throw .malformedMultipart("a part's headers do not end within 8 KiB")
            }
            let headers = String(decoding: body[headerStart..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = Self.find(Array("\r\n".utf8) + delimiter, in: body, from: contentStart) else {
                throw .malformedMultipart("a part has no closing boundary")
            }
            guard parts.count < Self.maxParts else { throw .tooManyParts(Self.maxParts) }
            parts.append(try Self.part(headers: headers, body: Array(body[contentStart..<next])))
            position = next + 2
        }
        self.parts = parts
    }

    /// The first part called `name`.
    public subscript(_ name: String) -> Part? {
        parts.first { $0.name == name }
    }

    private static func part(headers: String, body: [UInt8]) throws(FormError) -> Part {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw .malformedMultipart("a header line has no ':'") }
            let field = line[..<colon].trimmed.lowercased()
            let value = line[line.index(after: colon)...].trimmed
            switch field {
            case "content-disposition":
                for item in value.split(separator: ";").map(\.trimmed).dropFirst() {
                    guard let equals = item.firstIndex(of: "=") else { continue }
                    let key = item[..<equals].lowercased()
                    var text = String(item[item.index(after: equals)...])
                    if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
                    if key == "name" { name = text }
                    if key == "filename" { filename = text }
                }
            case "content-type": contentType = value
            default: break
            }
        }
        guard let name else { throw .malformedMultipart("a part has no name") }
        return Part(name: name, filename: filename, contentType: contentType, body: body)
    }

    private static func skipLineBreak(_ body: [UInt8], _ at: Int) -> Int? {
        guard body.count >= at + 2, body[at] == UInt8(ascii: "\r"), body[at + 1] == UInt8(ascii: "\n") else { return nil }
        return at + 2
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = from
        let last = haystack.count - needle.count
        let first = needle[0]
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}
