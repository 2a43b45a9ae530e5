/// A parsed TOML document, flattened: every value with its full dotted key path and the line it was written on.
///
/// Rill's configuration is a tree of tables with scalar leaves, so the flat form is what the schema needs, and
/// keeping the line of each key lets every error point at the line to fix.
struct TOMLDocument: Sendable, Equatable {
    /// One `key = value` (keys inside inline tables are flattened into the path).
    struct Entry: Sendable, Equatable {
        let path: [String]
        let value: TOMLValue
        let line: Int
    }

    /// One `[table]` header.
    struct Table: Sendable, Equatable {
        let path: [String]
        let line: Int
    }

    var entries: [Entry] = []
    var tables: [Table] = []
}

/// A TOML value. Dates and times are refused by the parser: no Rill setting takes one.
enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])
}

/// Why a text is not TOML Rill accepts, and where (1-based line and column).
struct TOMLSyntaxError: Error, Sendable, Equatable {
    let line: Int
    let column: Int
    let message: String
}
