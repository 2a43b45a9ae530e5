import Bencode

/// Why a .torrent file or an `info` dictionary was refused: what is wrong and under which key.
public struct MetainfoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dotted key path of the offending value (`info.files[3].path`), or "" for the whole input.
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// A bencode syntax error, with its byte offset.
    static func bencode(_ error: BencodeError) -> MetainfoError {
        MetainfoError(field: "", message: "not valid bencode: \(error)")
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
