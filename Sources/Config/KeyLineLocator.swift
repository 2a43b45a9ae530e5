/// Finds the line on which a dotted key is set in TOML text, so errors found after parsing can name a line.
///
/// It follows `[table]` headers and `a.b = ...` dotted keys, which is how Rill's configuration is written; for
/// anything it cannot place (quoted keys with dots, inline tables) it answers nil and the error has no line.
struct KeyLineLocator {
    private var lines: [(table: String?, text: Substring)] = []

    init(text: String) {
        var table: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("["), !trimmed.hasPrefix("[["), let close = trimmed.firstIndex(of: "]") {
                table = Self.normalise(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
                lines.append((nil, trimmed))
            } else {
                lines.append((table, trimmed))
            }
        }
    }

    /// The 1-based line that sets or opens `path`, or nil.
    func line(of path: String) -> Int? {
        for (index, line) in lines.enumerated() {
            if line.table == nil, line.text.hasPrefix("["), Self.header(line.text) == path { return index + 1 }
            guard let equals = line.text.firstIndex(of: "=") else { continue }
            let key = Self.normalise(line.text[..<equals])
            let full = line.table.map { "\($0).\(key)" } ?? key
            if full == path { return index + 1 }
        }
        return nil
    }

    private static func header(_ text: Substring) -> String? {
        guard let close = text.firstIndex(of: "]") else { return nil }
        return normalise(text[text.index(after: text.startIndex)..<close])
    }

    /// `" http . port "` → `http.port`; quotes around plain keys are removed.
    private static func normalise(_ key: Substring) -> String {
        key.split(separator: ".")
            .map { $0.trimmingCharacters(in: " ").trimmingCharacters(in: "\"") }
            .joined(separator: ".")
    }
}
