import Crypto
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An Ed25519 public key that bundles are checked against; the image bakes it in. Key files hold the 32 raw
/// bytes, or the same as 64 lowercase hex digits with an optional final newline.
public struct BundlePublicKey: Sendable, Equatable, CustomStringConvertible {
    let key: Curve25519.Signing.PublicKey
    /// The key's 32 bytes.
    public let rawBytes: [UInt8]

    /// A key from its 32 raw bytes.
    public init(rawBytes: [UInt8]) throws(BundleKeyError) {
        guard rawBytes.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawBytes) else {
            throw BundleKeyError.notAKey(path: nil, detail: "a public key is 32 bytes, got \(rawBytes.count)")
        }
        self.key = key
        self.rawBytes = rawBytes
    }

    /// Reads a public key file (raw or hex).
    public init(contentsOfFile path: String) throws(BundleKeyError) {
        do {
            try self.init(rawBytes: try KeyFile.read(path))
        } catch {
            throw error.at(path)
        }
    }

    /// The key as 64 lowercase hex digits (safe to print and to put in a config file).
    public var hex: String { Hex.encode(rawBytes) }

    public var description: String { "ed25519:\(hex)" }

    public static func == (lhs: BundlePublicKey, rhs: BundlePublicKey) -> Bool { lhs.rawBytes == rhs.rawBytes }

    /// True when `signature` is this key's Ed25519 signature over `message`.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: message)
    }
}

/// The Ed25519 private key that signs bundles on the build host. Its description never shows the key, so it cannot
/// reach a log by accident; the key file holds the 32-byte seed and is created mode 0600.
public struct BundleSigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let key: Curve25519.Signing.PrivateKey

    private init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
    }

    /// A new random key.
    public static func generate() -> BundleSigningKey {
        BundleSigningKey(key: Curve25519.Signing.PrivateKey())
    }

    /// Reads a private key file (the 32-byte seed, raw or hex).
    public init(contentsOfFile path: String) throws(BundleKeyError) {
        let seed: [UInt8]
        do {
            seed = try KeyFile.read(path)
        } catch {
            throw error.at(path)
        }
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw BundleKeyError.notAKey(path: path, detail: "a private key is a 32-byte seed, got \(seed.count) bytes")
        }
        self.key = key
    }

    /// The public key that checks this key's signatures.
    public var publicKey: BundlePublicKey { BundlePublicKey(key: key.publicKey) }

    /// Writes the seed to a new file (mode 0600); refuses to replace an existing file.
    public func write(to path: String) throws(BundleKeyError) {
        try KeyFile.create(path, bytes: [UInt8](key.rawRepresentation), mode: 0o600)
    }

    /// The Ed25519 signature over `message`.
    func sign(_ message: [UInt8]) throws(BundleKeyError) -> [UInt8] {
        do {
            return [UInt8](try key.signature(for: message))
        } catch {
            throw BundleKeyError.signingFailed("\(error)")
        }
    }

    public var description: String { "BundleSigningKey(<redacted>)" }
    public var debugDescription: String { description }
}

extension BundlePublicKey {
    fileprivate init(key: Curve25519.Signing.PublicKey) {
        self.key = key
        rawBytes = [UInt8](key.rawRepresentation)
    }

    /// Writes the key (raw, 32 bytes) to a new file (mode 0644); refuses to replace an existing file.
    public func write(to path: String) throws(BundleKeyError) {
        try KeyFile.create(path, bytes: rawBytes, mode: 0o644)
    }
}

/// A key file could not be read, written or used.
public enum BundleKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case file(OTAFileError)
    /// The file is not a key of the expected kind.
    case notAKey(path: String?, detail: String)
    /// `keygen` never overwrites a key.
    case exists(path: String)
    case signingFailed(String)

    public var description: String {
        switch self {
        case .file(let error): "key file: \(error)"
        case .notAKey(let path, let detail): "\(path ?? "key"): not an Ed25519 key: \(detail)"
        case .exists(let path): "\(path): already exists; keys are never overwritten"
        case .signingFailed(let detail): "signing failed: \(detail)"
        }
    }

    func at(_ path: String) -> BundleKeyError {
        if case .notAKey(nil, let detail) = self { return .notAKey(path: path, detail: detail) }
        return self
    }
}

/// Reading and creating key files.
enum KeyFile {
    /// The key bytes of a file: 32 raw bytes, or 64 lowercase hex digits with an optional trailing newline.
    static func read(_ path: String) throws(BundleKeyError) -> [UInt8] {
        let bytes: [UInt8]?
        do {
            bytes = try DurableFile.read(path, limit: 128)
        } catch {
            throw .file(error)
        }
        guard let bytes else { throw .file(OTAFileError(path: path, operation: "open", errno: ENOENT)) }
        if bytes.count == 32 { return bytes }
        let text = bytes.last == UInt8(ascii: "\n") ? Array(bytes.dropLast()) : bytes
        if text.count == 64, let decoded = Hex.decode(text) { return decoded }
        throw .notAKey(path: path, detail: "expected 32 raw bytes or 64 hex digits, got \(bytes.count) bytes")
    }

    /// Creates `path` (it must not exist) holding `bytes`, fsynced, with `mode`.
    static func create(_ path: String, bytes: [UInt8], mode: mode_t) throws(BundleKeyError) {
        do {
            let file = try OTAFile.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
            try file.write(bytes)
            try file.sync()
            try file.close()
            try DurableFile.syncFolder(of: path)
        } catch {
            if error.errno == EEXIST, error.operation == "open" { throw .exists(path: path) }
            throw .file(error)
        }
    }
}
