/// Why a bundle was refused. Every case names what was wrong and where, so `rill bundle verify`, the update API and
/// the log can say it plainly.
public enum BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header or manifest is not well formed.
    case malformed(BundleFormatError)
    /// The signature (at `offset`) is not a valid signature of any trusted key over the header and manifest.
    case badSignature(offset: Int)
    /// The bundle's images do not run on this device's board.
    case wrongBoard(device: String, compatible: [String])
    /// The bundle is older than the running system and downgrades were not allowed.
    case downgrade(bundle: BundleVersion, running: BundleVersion)
    /// The running system is older than the oldest version the bundle may update from.
    case runningVersionTooOld(running: BundleVersion, minimum: BundleVersion)
    /// An image's bytes (starting at `offset` in the bundle) do not have the SHA-256 the manifest names.
    case digestMismatch(image: String, offset: Int, expected: [UInt8], actual: [UInt8])
    /// The bundle ended after `received` bytes, inside `part` (`header`, `manifest`, `signature`, `image NAME`);
    /// `expected` is the full length when the manifest was read.
    case truncated(part: String, received: Int, expected: Int?)
    /// Bytes follow the last image, starting at `offset`.
    case trailingBytes(offset: Int)
    /// The sink refused the bundle or failed writing it.
    case sink(BundleSinkError)

    public var description: String {
        switch self {
        case .malformed(let error): "malformed bundle: \(error)"
        case .badSignature(let offset):
            "signature (byte \(offset)) does not verify with the trusted key: unsigned, tampered or signed by another key"
        case .wrongBoard(let device, let compatible):
            "bundle is for \(compatible.joined(separator: ", ")), not this board (\(device))"
        case .downgrade(let bundle, let running):
            "bundle version \(bundle) is older than the running \(running); downgrades need an explicit allowance"
        case .runningVersionTooOld(let running, let minimum):
            "running version \(running) is older than \(minimum), the oldest this bundle updates from"
        case .digestMismatch(let image, let offset, let expected, let actual):
            "image \(image) (from byte \(offset)) has SHA-256 \(Hex.encode(actual)), the manifest says \(Hex.encode(expected))"
        case .truncated(let part, let received, let expected):
            "bundle truncated in \(part) after \(received) bytes" + (expected.map { " of \($0)" } ?? "")
        case .trailingBytes(let offset): "unexpected bytes after the last image, from byte \(offset)"
        case .sink(let error): "install refused: \(error)"
        }
    }
}
