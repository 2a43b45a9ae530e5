/// Reads the canonical manifest text strictly: printable ASCII and LF only, single spaces, fixed line order,
/// canonical numbers and lowercase hex, every count and length within `BundleLimits`.
struct ManifestParser {
    private struct Token {
        let bytes: ArraySlice<UInt8>
        let offset: Int
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private struct Line {
        let number: Int
        let tokens: [Token]
    }

    private let bytes: [UInt8]
    private let base: Int
    private let limits: BundleLimits
    private var position = 0
    private var lineNumber = 0

    init(bytes: [UInt8], baseOffset: Int, limits: BundleLimits) {
        self.bytes = bytes
        base = baseOffset
        self.limits = limits
    }

    mutating func parse() throws(BundleFormatError) -> BundleManifest {
        guard !bytes.isEmpty else { throw BundleFormatError(field: "manifest", offset: base, reason: .empty) }
        guard bytes.count <= limits.maxManifestBytes else {
            throw BundleFormatError(
                field: "manifest", offset: base, reason: .tooLarge(bytes.count, limit: limits.maxManifestBytes)
            )
        }
        if let bad = bytes.firstIndex(where: { $0 != 0x0A && ($0 < 0x20 || $0 > 0x7E) }) {
            throw BundleFormatError(
                field: "manifest", offset: base + bad, line: lineCount(before: bad) + 1,
                reason: .notPrintableASCII(bytes[bad])
            )
        }
        guard bytes.last == 0x0A else {
            throw BundleFormatError(
                field: "manifest", offset: base + bytes.count, line: lineCount(before: bytes.count) + 1,
                reason: .missingNewline
            )
        }

        let versionLine = try expect("version", values: 1)
        let version = try self.version(versionLine.tokens[1], field: "manifest.version", line: versionLine)
        let boardLine = try expect("board", values: 1)
        let board = try self.board(boardLine.tokens[1], field: "manifest.board", line: boardLine)
        let compatibleLine = try expect("compatible", values: nil)
        let compatible = try compatibleBoards(compatibleLine, board: board)
        let minimumLine = try expect("min-version", values: 1)
        let minimum = try self.version(minimumLine.tokens[1], field: "manifest.min-version", line: minimumLine)
        guard minimum <= version else {
            throw error("manifest.min-version", minimumLine.tokens[1], minimumLine, .inconsistent("\(minimum) is newer than the bundle's version \(version)"))
        }
        let createdLine = try expect("created", values: 1)
        guard let created = DecimalField.parse(createdLine.tokens[1].bytes, maxDigits: 12) else {
            throw error("manifest.created", createdLine.tokens[1], createdLine, .invalid("not seconds since 1970"))
        }

        var images: [BundleImage] = []
        var payload = 0
        while position < bytes.count {
            let line = try expect("image", values: 4)
            let index = images.count
            guard index < limits.maxImages else {
                throw error("manifest.image", line.tokens[0], line, .tooMany(index + 1, limit: limits.maxImages))
            }
            let image = try self.image(line, index: index, expectedOffset: payload)
            guard !images.contains(where: { $0.name == image.name }) else {
                throw error("image[\(index)].name", line.tokens[1], line, .duplicate(image.name))
            }
            payload += image.size
            guard payload <= limits.maxPayloadBytes else {
                throw error("image[\(index)].size", line.tokens[3], line, .inconsistent("payload of \(payload) bytes is more than the limit \(limits.maxPayloadBytes)"))
            }
            images.append(image)
        }
        guard !images.isEmpty else {
            throw BundleFormatError(field: "manifest.image", offset: base + bytes.count, line: lineNumber + 1, reason: .empty)
        }
        return BundleManifest(
            version: version, board: board, compatibleBoards: compatible, minimumVersion: minimum, created: created,
            images: images
        )
    }

    // MARK: Lines

    /// The next line, which must start with `key` and carry `values` more tokens (any number ≥ 1 when nil).
    private mutating func expect(_ key: String, values: Int?) throws(BundleFormatError) -> Line {
        guard let line = try nextLine() else {
            throw BundleFormatError(
                field: "manifest.\(key)", offset: base + bytes.count, line: lineNumber + 1,
                reason: .unexpectedLine(expected: key, found: "end of manifest")
            )
        }
        let found = line.tokens[0]
        guard found.bytes.elementsEqual(key.utf8) else {
            throw BundleFormatError(
                field: "manifest.\(key)", offset: found.offset, line: line.number,
                reason: .unexpectedLine(expected: key, found: String(found.text.prefix(32)))
            )
        }
        let count = line.tokens.count - 1
        if let values, count != values {
            throw BundleFormatError(
                field: "manifest.\(key)", offset: found.offset, line: line.number,
                reason: .invalid("expected \(values) value\(values == 1 ? "" : "s"), found \(count)")
            )
        }
        if values == nil, count == 0 {
            throw BundleFormatError(field: "manifest.\(key)", offset: found.offset, line: line.number, reason: .empty)
        }
        return line
    }

    /// Splits the next line into tokens; nil at the end of the manifest.
    private mutating func nextLine() throws(BundleFormatError) -> Line? {
        guard position < bytes.count else { return nil }
        lineNumber += 1
        let start = position
        // The whole manifest ends in LF (checked above), so this always finds one.
        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
        position = end + 1
        var tokens: [Token] = []
        var tokenStart = start
        for index in start...end where index == end || bytes[index] == UInt8(ascii: " ") {
            guard index > tokenStart else {
                throw BundleFormatError(field: "manifest", offset: base + index, line: lineNumber, reason: .badSpacing)
            }
            tokens.append(Token(bytes: bytes[tokenStart..<index], offset: base + tokenStart))
            tokenStart = index + 1
        }
        return Line(number: lineNumber, tokens: tokens)
    }

    private func lineCount(before index: Int) -> Int {
        bytes[..<index].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    private func error(_ field: String, _ token: Token, _ line: Line, _ reason: BundleFormatError.Reason) -> BundleFormatError {
        BundleFormatError(field: field, offset: token.offset, line: line.number, reason: reason)
    }

    // MARK: Fields

    private func version(_ token: Token, field: String, line: Line) throws(BundleFormatError) -> BundleVersion {
        guard let version = BundleVersion(ascii: token.bytes) else {
            throw error(field, token, line, .invalid("not a version MAJOR.MINOR.PATCH"))
        }
        return version
    }

    private func board(_ token: Token, field: String, line: Line) throws(BundleFormatError) -> String {
        try name(token, field: field, line: line, limit: limits.maxBoardBytes, allowDot: false)
    }

    private func compatibleBoards(_ line: Line, board: String) throws(BundleFormatError) -> [String] {
        let tokens = line.tokens.dropFirst()
        guard tokens.count <= limits.maxCompatibleBoards else {
            throw error("manifest.compatible", line.tokens[0], line, .tooMany(tokens.count, limit: limits.maxCompatibleBoards))
        }
        var boards: [String] = []
        for (index, token) in tokens.enumerated() {
            let name = try self.board(token, field: "manifest.compatible[\(index)]", line: line)
            if let previous = boards.last {
                guard previous != name else { throw error("manifest.compatible[\(index)]", token, line, .duplicate(name)) }
                guard previous.utf8.lexicographicallyPrecedes(name.utf8) else {
                    throw error("manifest.compatible[\(index)]", token, line, .notSorted)
                }
            }
            boards.append(name)
        }
        guard boards.contains(board) else {
            throw error("manifest.compatible", line.tokens[0], line, .inconsistent("does not list the bundle's board \(board)"))
        }
        return boards
    }

    private func image(_ line: Line, index: Int, expectedOffset: Int) throws(BundleFormatError) -> BundleImage {
        let field = "image[\(index)]"
        let name = try self.name(line.tokens[1], field: field + ".name", line: line, limit: limits.maxNameBytes, allowDot: true)
        guard let offset = DecimalField.parse(line.tokens[2].bytes, maxDigits: 18) else {
            throw error(field + ".offset", line.tokens[2], line, .invalid("not a canonical decimal number"))
        }
        guard offset == expectedOffset else {
            throw error(field + ".offset", line.tokens[2], line, .inconsistent("images must be contiguous: offset must be \(expectedOffset)"))
        }
        guard let size = DecimalField.parse(line.tokens[3].bytes, maxDigits: 18) else {
            throw error(field + ".size", line.tokens[3], line, .invalid("not a canonical decimal number"))
        }
        guard size > 0 else { throw error(field + ".size", line.tokens[3], line, .empty) }
        guard size <= limits.maxImageBytes else {
            throw error(field + ".size", line.tokens[3], line, .tooLarge(size, limit: limits.maxImageBytes))
        }
        let hash = line.tokens[4]
        guard hash.bytes.count == 64, let digest = Hex.decode(hash.bytes) else {
            throw error(field + ".sha256", hash, line, .invalid("not 64 lowercase hex digits"))
        }
        return BundleImage(name: name, offset: offset, size: size, sha256: digest)
    }

    /// Names of boards and images: `a-z 0-9 _ -` (and `.` for images), starting with a letter or digit.
    private func name(_ token: Token, field: String, line: Line, limit: Int, allowDot: Bool) throws(BundleFormatError) -> String {
        guard token.bytes.count <= limit else { throw error(field, token, line, .tooLarge(token.bytes.count, limit: limit)) }
        for (index, character) in token.bytes.enumerated() {
            let alphanumeric = (character >= UInt8(ascii: "a") && character <= UInt8(ascii: "z"))
                || (character >= UInt8(ascii: "0") && character <= UInt8(ascii: "9"))
            let punctuation = character == UInt8(ascii: "-") || character == UInt8(ascii: "_")
                || (allowDot && character == UInt8(ascii: "."))
            guard alphanumeric || (index > 0 && punctuation) else {
                let allowed = allowDot ? "a-z 0-9 . _ -" : "a-z 0-9 _ -"
                throw BundleFormatError(
                    field: field, offset: token.offset + index, line: line.number,
                    reason: .invalid("`\(String(token.text.prefix(32)))`: only \(allowed), starting with a letter or digit")
                )
            }
        }
        return token.text
    }
}
