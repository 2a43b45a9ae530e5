import Crypto
import CryptoExtras

/// A password hashed with scrypt, in a self-describing string that a preseed file can carry:
/// `$scrypt$ln=14,r=8,p=1$<salt>$<hash>` (salt and hash base64url without padding; `ln` is log2 of N).
///
/// Contract: parsing refuses anything outside ``Limits`` (so a hostile stored or preseeded string cannot make a
/// verification take minutes or gigabytes); hashing and verifying refuse an empty or over-long password before
/// scrypt runs. Both are CPU- and memory-heavy (N·r·128 bytes): callers go through ``PasswordHasher``, which runs
/// them off the cooperative pool and bounds how many run at once.
public struct PasswordHash: Sendable, Equatable, CustomStringConvertible {
    /// scrypt's cost parameters.
    public struct Parameters: Sendable, Equatable {
        /// log2 of N, the CPU/memory cost.
        public var logN: Int
        /// Block size.
        public var r: Int
        /// Parallelism.
        public var p: Int

        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// What Rill uses for new hashes: N = 2^14, r = 8, p = 1 (16 MiB; docs/UI.md has the timings).
        public static let standard = Parameters(logN: 14, r: 8, p: 1)

        /// The memory one computation takes.
        public var memoryBytes: Int { (1 << logN) * r * 128 }
    }

    /// Bounds on what a hash string may ask for.
    public enum Limits {
        public static let logN = 10...18
        public static let r = 1...16
        public static let p = 1...4
        /// 64 MiB: above it a Pi Zero 2 W would run out of room.
        public static let maxMemoryBytes = 64 << 20
        public static let saltBytes = 8...64
        public static let hashBytes = 16...64
        /// Longer passwords are refused (they only cost time).
        public static let passwordBytes = 1...1024
        /// The longest hash string parsed.
        public static let maxStringLength = 256
    }

    public let parameters: Parameters
    public let salt: [UInt8]
    public let hash: [UInt8]

    /// Parses a hash string; the error says which part is wrong (never echoing the string, which is a secret).
    public init(parsing text: String) throws(PasswordHashError) {
        guard text.utf8.count <= Limits.maxStringLength else { throw .malformed("longer than \(Limits.maxStringLength) characters") }
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else {
            throw .malformed("expected $scrypt$ln=…,r=…,p=…$salt$hash")
        }
        var values: [String: Int] = [:]
        for item in parts[2].split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, ["ln", "r", "p"].contains(pair[0]), values[String(pair[0])] == nil,
                  pair[1].count <= 3, let number = Int(pair[1]) else {
                throw .malformed("the parameters must be ln=…,r=…,p=…")
            }
            values[String(pair[0])] = number
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"] else {
            throw .malformed("the parameters must be ln=…,r=…,p=…")
        }
        let parameters = Parameters(logN: logN, r: r, p: p)
        try Self.check(parameters)
        guard let salt = Base64URL.decode(parts[3]), Limits.saltBytes.contains(salt.count) else {
            throw .malformed("the salt must be \(Limits.saltBytes.lowerBound)–\(Limits.saltBytes.upperBound) bytes of base64url")
        }
        guard let hash = Base64URL.decode(parts[4]), Limits.hashBytes.contains(hash.count) else {
            throw .malformed("the hash must be \(Limits.hashBytes.lowerBound)–\(Limits.hashBytes.upperBound) bytes of base64url")
        }
        self.parameters = parameters
        self.salt = salt
        self.hash = hash
    }

    /// Hashes `password` with a new random salt. Slow on purpose: call it through ``PasswordHasher``.
    public static func make(password: String, parameters: Parameters = .standard) throws(PasswordHashError) -> PasswordHash {
        try check(parameters)
        let salt = SecureRandom.bytes(16)
        let hash = try derive(password: password, salt: salt, parameters: parameters, length: 32)
        return PasswordHash(parameters: parameters, salt: salt, hash: hash)
    }

    /// True when `password` is the one hashed. Slow on purpose: call it through ``PasswordHasher``.
    public func verify(_ password: String) throws(PasswordHashError) -> Bool {
        let candidate = try Self.derive(password: password, salt: salt, parameters: parameters, length: hash.count)
        return ConstantTime.equal(candidate, hash)
    }

    /// The string form, `$scrypt$ln=14,r=8,p=1$…$…`.
    public var string: String {
        "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$\(Base64URL.encode(salt))$\(Base64URL.encode(hash))"
    }

    /// Never the hash itself: descriptions end up in logs.
    public var description: String { "scrypt(ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)) <redacted>" }

    private init(parameters: Parameters, salt: [UInt8], hash: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.hash = hash
    }

    private static func check(_ parameters: Parameters) throws(PasswordHashError) {
        guard Limits.logN.contains(parameters.logN), Limits.r.contains(parameters.r), Limits.p.contains(parameters.p),
              parameters.memoryBytes <= Limits.maxMemoryBytes else {
            throw .malformed("scrypt parameters out of bounds (ln \(Limits.logN), r \(Limits.r), p \(Limits.p), at most \(Limits.maxMemoryBytes >> 20) MiB)")
        }
    }

    private static func derive(password: String, salt: [UInt8], parameters: Parameters, length: Int) throws(PasswordHashError) -> [UInt8] {
        let bytes = Array(password.utf8)
        // BoringSSL's wrapper force-unwraps the password's base address: an empty one must never reach it.
        guard Limits.passwordBytes.contains(bytes.count) else { throw .unacceptablePassword }
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: bytes, salt: salt, outputByteCount: length, rounds: 1 << parameters.logN,
                blockSize: parameters.r, parallelism: parameters.p
            )
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw .computationFailed
        }
    }
}

/// Why a password hash string was refused or could not be computed.
public enum PasswordHashError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The string is not a hash Rill accepts; the text says which part.
    case malformed(String)
    /// Empty, or longer than ``PasswordHash/Limits/passwordBytes``.
    case unacceptablePassword
    /// scrypt itself failed (out of memory).
    case computationFailed

    public var description: String {
        switch self {
        case .malformed(let why): "not a Rill password hash: \(why)"
        case .unacceptablePassword: "a password must have 1 to \(PasswordHash.Limits.passwordBytes.upperBound) bytes"
        case .computationFailed: "scrypt failed (out of memory?)"
        }
    }
}
