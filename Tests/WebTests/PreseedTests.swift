import Config
import Logging
import Store
import Testing
import TestSupport
@testable import Web

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct PreseedTests {
    static let logger = Logger(label: "preseed-test")

    func config(_ directory: TemporaryDirectory) throws -> RillConfig {
        var config = try RillConfig.defaults
        config.dataDirectory = directory.path + "/data"
        return config
    }

    func text(_ path: String) -> String {
        guard let bytes = try? TemporaryDirectory.readFile(path) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("applies the admin hash, VPN file and Wi-Fi once, and removes the secrets from the file")
    func appliesAndScrubs() async throws {
        let directory = try TemporaryDirectory()
        let hash = try PasswordHash.make(password: "preseeded-password", parameters: .init(logN: 10, r: 8, p: 1))
        let preseed = """
            [setup]
            admin_password_hash = "\(hash.string)"
            [vpn]
            config = \"\"\"
            \(SetupWizardTests.wireGuard)
            \"\"\"
            [device]
            hostname = "den-rill"
            [wifi]
            ssid = "IEEE"
            psk = "password"
            country = "GB"
            """
        try directory.write("rill.toml", Array(preseed.utf8))
        let path = directory.path + "/rill.toml"
        let report = try await Preseed.apply(file: path, config: config(directory), wifiConfigPath: directory.path + "/wpa.conf", logger: Self.logger)
        #expect(report.applied.contains("admin admin"))
        #expect(report.applied.contains("VPN configuration"))

        // The admin logs in with the password behind the hash.
        let store = try Store(directory: directory.path + "/data", busyTimeoutMilliseconds: 1000, logger: Self.logger)
        let accounts = try await Accounts(store: store, settings: .testing, logger: Self.logger)
        #expect(try await accounts.login(username: "admin", password: "preseeded-password") != nil)
        #expect(await accounts.userList.first?.role == .admin)
        await store.close()

        #expect(text(directory.path + "/data/vpn/wireguard.conf").contains("Endpoint = 127.0.0.1:51820"))
        // IEEE 802.11i-2004 test vector: passphrase "password", SSID "IEEE".
        let wpa = text(directory.path + "/wpa.conf")
        #expect(wpa.contains("psk=f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"))
        #expect(wpa.contains("ssid=49454545") && wpa.contains("country=GB") && !wpa.contains("password"))
        var info = stat()
        #expect(stat(directory.path + "/wpa.conf", &info) == 0 && info.st_mode & 0o777 == 0o600)

        let rewritten = text(path)
        #expect(!rewritten.contains("scrypt") && !rewritten.contains("PrivateKey") && !rewritten.contains("psk"))
        #expect(rewritten.contains("hostname = \"den-rill\"") && rewritten.contains("ssid = \"IEEE\""))
        // Once more on the rewritten file: nothing secret left to apply, nothing breaks.
        let again = try await Preseed.apply(file: path, config: config(directory), wifiConfigPath: directory.path + "/wpa.conf", logger: Self.logger)
        #expect(!again.applied.contains("admin admin"))
    }

    @Test("a bad value refuses the whole file with its line, and nothing is applied")
    func refusesBadFiles() async throws {
        let directory = try TemporaryDirectory()
        let cases: [(String, String)] = [
            ("[setup]\nadmin_password_hash = \"$scrypt$ln=40,r=8,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n", "rill.toml:2: setup.admin_password_hash"),
            ("[vpn]\nconfig = \"\"\"\n[Interface]\nPrivateKey = nope\n\"\"\"\n", "rill.toml:2: vpn.config: [vpn] config:2"),
            ("[device]\nhostname = \"-bad-\"\n", "rill.toml:2: device.hostname"),
            ("[wifi]\nssid = \"x\"\npsk = \"short\"\ncountry = \"GB\"\n", "wifi.psk"),
            ("[wifi]\nssid = \"x\"\npsk = \"long enough\"\ncountry = \"gb\"\n", "wifi.country"),
            ("[setup]\nadmin_pasword_hash = \"x\"\n", "did you mean setup.admin_password_hash"),
            ("[setup]\nadmin_password_hash = 3\n", "must be a string"),
            ("garbage = = =\n", "not valid TOML"),
        ]
        for (content, expected) in cases {
            try directory.write("rill.toml", Array(content.utf8))
            do {
                _ = try await Preseed.apply(file: directory.path + "/rill.toml", config: config(directory), wifiConfigPath: directory.path + "/wpa.conf", logger: Self.logger)
                Issue.record("accepted: \(content)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
                #expect(!"\(error)".contains("nope") || expected.contains("nope"))
            }
            #expect(text(directory.path + "/rill.toml") == content, "the file is untouched")
        }
        #expect(access(directory.path + "/data/rill.db", F_OK) != 0)
        #expect(access(directory.path + "/wpa.conf", F_OK) != 0)
    }
}

extension TemporaryDirectory {
    /// The bytes of any file.
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError.failed("open \(path)") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            out.append(contentsOf: chunk[0..<count])
        }
        return out
    }
}
