/// Typed views of a ``BencodeValue``: each returns `nil` when the value has another shape, never traps.
extension BencodeValue {
    /// The value stored under the UTF-8 bytes of `key` when this is a dictionary, else `nil`.
    public subscript(key: String) -> BencodeValue? {
        dict?[key]
    }

    /// The value stored under the raw `key` when this is a dictionary, else `nil`.
    public subscript(key: [UInt8]) -> BencodeValue? {
        dict?[key]
    }

    /// The integer, when this is ``integer(_:)``.
    public var int: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The raw bytes, when this is ``bytes(_:)``.
    public var bytes: [UInt8]? {
        if case .bytes(let value) = self { value } else { nil }
    }

    /// The bytes as text, when this is ``bytes(_:)`` holding valid UTF-8; `nil` for binary strings.
    public var string: String? {
        guard case .bytes(let value) = self else { return nil }
        return String(validating: value, as: UTF8.self)
    }

    /// The elements, when this is ``list(_:)``.
    public var list: [BencodeValue]? {
        if case .list(let value) = self { value } else { nil }
    }

    /// The dictionary, when this is ``dictionary(_:)``.
    public var dict: BencodeDictionary? {
        if case .dictionary(let value) = self { value } else { nil }
    }
}
