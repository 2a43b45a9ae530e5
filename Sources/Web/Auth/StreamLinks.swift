import Crypto
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Signed links to one stream file, for players that cannot log in (VLC, Kodi, a TV):
/// `/stream/{info_hash}/{file_index}/{name}?link=<expires>.<mac>`.
///
/// Contract:
/// - `mac` is HMAC-SHA256 (base64url, 43 characters) under a 32-byte random key over
///   `rill-stream-link/1\n<info_hash lowercase hex>\n<file_index>\n<expires>`; `expires` is Unix seconds.
///   The name in the path is not signed (players only look at its extension); the info-hash and index are.
/// - A link authorises `GET`/`HEAD` of exactly that stream path and nothing else (``AuthMiddleware``); it is no
///   identity, so it never reaches another route, another file, or an unsafe method.
/// - The key lives in the store (`meta` row `stream_links.key`) and is replaced — ending every link at once — when
///   any password changes or a user is removed (``Accounts``); a factory reset makes a new database and so a new key.
/// - Parsing is bounded: values longer than ``maxTokenLength`` or not of the shape above are simply invalid.
public final class StreamLinks: Sendable {
    /// The query parameter that carries a link's signature.
    public static let queryName = "link"
    /// The `meta` row holding the key (base64url).
    static let metaKey = "stream_links.key"
    static let keyBytes = 32
    /// `expires` (≤ 12 digits) + `.` + 43 characters of MAC.
    static let maxTokenLength = 56

    /// What a link is worth.
    public enum Verdict: Sendable, Equatable {
        case valid
        /// The signature is right but its time is over.
        case expired
        /// Not a link this device signed for this file (tampered, another file, an older key, garbage).
        case invalid
    }

    /// How long new links last.
    public let lifetimeSeconds: Int64
    private let key: Mutex<[UInt8]>
    private let clock: @Sendable () -> Int64

    /// `key` must be 32 bytes; `clock` gives Unix seconds.
    public init(key: [UInt8], lifetimeSeconds: Int64, clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }) {
        self.key = Mutex(key)
        self.lifetimeSeconds = lifetimeSeconds
        self.clock = clock
    }

    /// A new random key (what ``Accounts`` stores on rotation).
    static func freshKey() -> [UInt8] { SecureRandom.bytes(keyBytes) }

    /// The stored key, or nil when the stored text is not one.
    static func parseKey(_ stored: String?) -> [UInt8]? {
        guard let stored, stored.utf8.count == 43, let bytes = Base64URL.decode(stored), bytes.count == keyBytes else { return nil }
        return bytes
    }

    static func encodeKey(_ key: [UInt8]) -> String { Base64URL.encode(key) }

    /// Uses `key` from now on (the old links stop working).
    func replaceKey(_ key: [UInt8]) {
        self.key.withLock { $0 = key }
    }

    /// The `link` value for a file, valid for ``lifetimeSeconds`` from now (or until `expires`).
    public func token(infoHash: String, index: Int, expires: Int64? = nil) -> (token: String, expires: Int64) {
        let expires = expires ?? clock() + lifetimeSeconds
        return ("\(expires)." + Base64URL.encode(mac(infoHash: infoHash.lowercased(), index: index, expires: expires)), expires)
    }

    /// Whether `token` is a valid link for this file now.
    public func check(_ token: String, infoHash: String, index: Int) -> Verdict {
        guard token.utf8.count <= Self.maxTokenLength else { return .invalid }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...12).contains(parts[0].utf8.count), parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let expires = Int64(parts[0]), let supplied = Base64URL.decode(parts[1]), supplied.count == 32 else { return .invalid }
        let expected = mac(infoHash: infoHash.lowercased(), index: index, expires: expires)
        guard ConstantTime.equal(supplied, expected) else { return .invalid }
        return expires > clock() ? .valid : .expired
    }

    private func mac(infoHash: String, index: Int, expires: Int64) -> [UInt8] {
        let message = Array("rill-stream-link/1\n\(infoHash)\n\(index)\n\(expires)".utf8)
        let key = SymmetricKey(data: self.key.withLock { $0 })
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// The info-hash (lowercase) and file index of a stream path `/stream/<40 hex>/<index>/<name>` — exactly four
    /// components, a name that is neither empty nor `.`/`..` — or nil for any other path.
    public static func target(ofPath path: String) -> (infoHash: String, index: Int)? {
        guard path.utf8.count <= 4096, path.hasPrefix("/stream/") else { return nil }
        let parts = path.dropFirst("/stream/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count == 40,
              parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0 | 0x20) }),
              (1...9).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let index = Int(parts[1]), !parts[2].isEmpty, parts[2] != ".", parts[2] != ".." else { return nil }
        return (parts[0].lowercased(), index)
    }
}
