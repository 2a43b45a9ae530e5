/// The first-boot preseed file (`rill.toml` on the SD card's FAT partition), as `rill setup preseed` reads it:
///
/// ```toml
/// [setup]
/// admin_username = "admin"            # optional, default admin
/// admin_password_hash = "$scrypt$…"   # from `rill passwd --hash`
/// [vpn]
/// config = """
/// [Interface]
/// …"""
/// [device]
/// hostname = "rill"
/// [wifi]
/// ssid = "Home"
/// psk = "passphrase"                  # 8–63 characters, or 64 hex digits
/// country = "GB"
/// ```
///
/// Contract: only these keys (an unknown one is refused with its line, so a typo does not go unnoticed); every
/// value a string; the file bounded like a configuration file. ``remainderTOML`` is the file without its secrets
/// (`admin_password_hash`, `config`, `psk`), for rewriting it once applied.
public struct PreseedFile: Sendable, Equatable {
    public static let secretKeys: Set<String> = ["setup.admin_password_hash", "vpn.config", "wifi.psk"]
    public static let knownKeys: Set<String> = secretKeys.union(["setup.admin_username", "device.hostname", "wifi.ssid", "wifi.country"])

    /// Key → (value, line).
    public let values: [String: (value: String, line: Int)]

    public subscript(_ key: String) -> String? { values[key]?.value }
    public func line(of key: String) -> Int? { values[key]?.line }

    public static func == (lhs: PreseedFile, rhs: PreseedFile) -> Bool {
        lhs.values.mapValues(\.value) == rhs.values.mapValues(\.value)
    }

    public init(parsing text: String, source: String) throws(ConfigError) {
        guard text.utf8.count <= ConfigLoader.maxFileBytes else { throw ConfigError(source: source, reason: .tooLarge(bytes: text.utf8.count)) }
        let document: TOMLDocument
        do {
            document = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(source: source, line: error.line, reason: .syntax("\(error.message) (column \(error.column))"))
        }
        var values: [String: (value: String, line: Int)] = [:]
        for entry in document.entries {
            let key = entry.path.joined(separator: ".")
            guard Self.knownKeys.contains(key) else {
                throw ConfigError(source: source, line: entry.line, key: key, reason: .unknownKey(suggestion: Self.suggestion(for: key)))
            }
            guard case .string(let value) = entry.value else {
                throw ConfigError(source: source, line: entry.line, key: key, reason: .invalidValue("must be a string"))
            }
            values[key] = (value, entry.line)
        }
        self.values = values
    }

    /// Reads and parses the file at `path`.
    public init(path: String) throws(ConfigError) {
        try self.init(parsing: try TextFile.contents(of: path, limit: ConfigLoader.maxFileBytes), source: path)
    }

    /// The file without its secret keys, as TOML.
    public var remainderTOML: String {
        var text = "# Rill applied this file at first boot and removed its secrets (password hash, VPN keys, Wi-Fi key).\n"
        var sections: [String: [(String, String)]] = [:]
        for (key, entry) in values where !Self.secretKeys.contains(key) {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            sections[parts[0], default: []].append((parts[1], TOMLValue.string(entry.value).tomlLiteral))
        }
        for section in sections.keys.sorted() {
            text += "\n[\(section)]\n"
            for (name, literal) in sections[section, default: []].sorted(by: { $0.0 < $1.0 }) { text += "\(name) = \(literal)\n" }
        }
        return text
    }

    private static func suggestion(for key: String) -> String? {
        let scored = knownKeys.map { ($0, EditDistance.between($0, key)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 4) else { return nil }
        return best.0
    }
}
