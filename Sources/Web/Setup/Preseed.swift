import Config
import Logging
import Netguard
import Store
import Torrent

/// `rill setup preseed FILE`: applies a first-boot preseed file (``Config/PreseedFile``) once and removes its
/// secrets from it.
///
/// Contract: everything is checked before anything is applied (a bad hash, VPN file, host name or Wi-Fi key
/// refuses the whole file with the line that is wrong, and changes nothing); then the admin is created (or its
/// hash replaced), the VPN file stored (0600), the host name written to the settings overrides, the Wi-Fi network
/// to `wifiConfigPath`; last the preseed file is rewritten without its secret keys (write-temp + fsync + rename).
/// Running it again on the rewritten file changes nothing that matters.
public enum Preseed {
    /// What was applied and what was left, for the first-boot log.
    public struct Report: Sendable, Equatable {
        public var applied: [String] = []
        public var skipped: [String] = []
    }

    public static func apply(file path: String, config: RillConfig, wifiConfigPath: String?, logger: Logger) async throws -> Report {
        let file = try PreseedFile(path: path)
        var report = Report()

        // Check everything first.
        let username = try file["setup.admin_username"].map { name -> String in
            do throws(AccountError) { return try AccountRules.checkUsername(name) } catch {
                throw PreseedError(path, file.line(of: "setup.admin_username"), "setup.admin_username", error.description)
            }
        } ?? "admin"
        let hash = try file["setup.admin_password_hash"].map { text -> PasswordHash in
            do throws(PasswordHashError) { return try PasswordHash(parsing: text) } catch {
                throw PreseedError(path, file.line(of: "setup.admin_password_hash"), "setup.admin_password_hash", error.description)
            }
        }
        let vpnBytes = try file["vpn.config"].map { text -> [UInt8] in
            let bytes = Array(text.utf8)
            do throws(WireGuardConfigError) {
                _ = try WireGuardConfig(parsing: bytes, options: .init(fileName: "[vpn] config"))
            } catch {
                throw PreseedError(path, file.line(of: "vpn.config"), "vpn.config", error.description)
            }
            return bytes
        }
        let hostname = try file["device.hostname"].map { name -> String in
            guard HostName.isValid(name) else {
                throw PreseedError(path, file.line(of: "device.hostname"), "device.hostname", "must be 1–63 letters, digits or '-', not starting or ending with '-'")
            }
            return name.lowercased()
        }
        var wifi: WiFiNetwork?
        if let ssid = file["wifi.ssid"] {
            do throws(WiFiError) {
                wifi = try WiFiNetwork(ssid: ssid, psk: file["wifi.psk"], country: file["wifi.country"] ?? "")
            } catch {
                throw PreseedError(path, file.line(of: "wifi.ssid"), nil, error.description)
            }
            guard wifiConfigPath != nil else { throw PreseedError(path, file.line(of: "wifi.ssid"), "wifi", "Wi-Fi needs --wifi-conf PATH") }
        } else if file["wifi.psk"] != nil || file["wifi.country"] != nil {
            throw PreseedError(path, file.line(of: "wifi.psk") ?? file.line(of: "wifi.country"), "wifi", "wifi.ssid is missing")
        }

        // Apply.
        if let hash {
            let store = try Store(directory: config.dataDirectory, busyTimeoutMilliseconds: config.store.busyTimeoutMilliseconds, logger: logger)
            let accounts = try await Accounts(store: store, settings: AuthSettings(), logger: logger)
            if let existing = await accounts.user(named: username) {
                try await accounts.setPasswordHash(of: existing.id, to: hash)
                if existing.role != Role.admin { try await accounts.setRole(of: existing.id, to: Role.admin) }
            } else {
                _ = try await accounts.createUser(username, hash: hash, role: .admin)
            }
            await store.close()
            report.applied.append("admin \(username)")
        }
        if let vpnBytes {
            try VPNConfigFile(dataDirectory: config.dataDirectory).write(vpnBytes)
            report.applied.append("VPN configuration")
        }
        if let hostname {
            if SettingsOverrides.knows("device.hostname") {
                let overrides = SettingsOverrides.path(dataDirectory: config.dataDirectory)
                var stored = try SettingsOverrides.read(path: overrides)
                stored["device.hostname"] = try SettingsOverrides.literal(for: "device.hostname", text: hostname)
                try AtomicFile.write(Array(SettingsOverrides.render(stored).utf8), to: overrides, mode: 0o600)
                report.applied.append("host name \(hostname)")
            } else {
                report.skipped.append("host name \(hostname): this build has no device.hostname setting")
            }
        }
        if let wifi, let wifiConfigPath {
            try AtomicFile.write(Array(wifi.supplicantConfig.utf8), to: wifiConfigPath, mode: 0o600)
            report.applied.append("Wi-Fi \(String(decoding: wifi.ssid, as: UTF8.self)) (\(wifi.country))")
        }

        // Last, the secrets leave the FAT file.
        if file.values.keys.contains(where: PreseedFile.secretKeys.contains) {
            try AtomicFile.write(Array(file.remainderTOML.utf8), to: path)
            report.applied.append("secrets removed from \(path)")
        }
        return report
    }
}

/// A preseed file that is refused: the file, the line, the key and why (never a secret value).
public struct PreseedError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ path: String, _ line: Int?, _ key: String?, _ why: String) {
        var text = path
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        description = text + why
    }
}

/// Host names as RFC 1123 labels.
enum HostName {
    static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-")
        }
    }
}
