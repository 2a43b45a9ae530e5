/// A release version, `MAJOR.MINOR.PATCH`, each a decimal number without leading zeros (at most 9 digits).
/// Versions order numerically, so `0.10.0` is newer than `0.9.3`; the verifier uses that order to refuse
/// downgrades and bundles that need a newer running system.
public struct BundleVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: UInt32
    public let minor: UInt32
    public let patch: UInt32

    public init(major: UInt32, minor: UInt32, patch: UInt32) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `1.2.3`; nil for anything else (`v1.2.3`, `1.2`, `01.2.3`, `1.2.3-rc1`).
    public init?(_ text: String) {
        self.init(ascii: Array(text.utf8)[...])
    }

    init?(ascii: ArraySlice<UInt8>) {
        let parts = ascii.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [UInt32] = []
        for part in parts {
            guard let number = DecimalField.parse(part, maxDigits: 9), number <= Int(UInt32.max) else { return nil }
            numbers.append(UInt32(number))
        }
        self.init(major: numbers[0], minor: numbers[1], patch: numbers[2])
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: BundleVersion, rhs: BundleVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}

/// Canonical unsigned decimal numbers: digits only, no sign, no leading zero (except `0` itself).
enum DecimalField {
    /// The value of `text`, or nil when it is not canonical or longer than `maxDigits` (at most 18, so it fits).
    static func parse(_ text: some Collection<UInt8>, maxDigits: Int) -> Int? {
        guard !text.isEmpty, text.count <= min(maxDigits, 18) else { return nil }
        if text.count > 1, text.first == UInt8(ascii: "0") { return nil }
        var value = 0
        for character in text {
            guard character >= UInt8(ascii: "0"), character <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(character - UInt8(ascii: "0"))
        }
        return value
    }
}
