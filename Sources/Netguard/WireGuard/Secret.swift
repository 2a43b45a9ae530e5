/// A value that must never reach a log, an error message or an API response: a WireGuard private or preshared key,
/// or text that contains one. `description`, `debugDescription`, `dump()` and string interpolation all print
/// `<redacted>`; the value itself is read only through `revealed`, so every use of it is easy to find.
public struct Secret<Value: Sendable>: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    private let value: Value

    public init(_ value: Value) { self.value = value }

    /// The secret itself. Hand it only to what needs it (`wg setconf`, key derivation), never to a logger.
    public var revealed: Value { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension Secret: Equatable where Value: Equatable {}
