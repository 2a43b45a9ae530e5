import Logging
import Testing
import TestSupport

@testable import Config

@Suite("Configuration: embedded defaults, TOML file, environment")
struct ConfigLoaderTests {
    @Test("the embedded defaults give a working development instance")
    func defaults() throws {
        let config = try RillConfig.defaults
        #expect(config.dataDirectory == "./.rill")
        #expect(config.logLevel == .info)
        #expect(config.http.host == "127.0.0.1")
        #expect(config.http.port == 8080)
        #expect(config.http.maxHeaderBytes == 16 * 1024)
        #expect(config.http.maxBodyBytes == 1024 * 1024)
        #expect(config.http.requestTimeoutSeconds == 30)
        #expect(config.http.maxConnections == 128)
        #expect(config.store.busyTimeoutMilliseconds == 5000)
    }

    @Test("every schema key is written in the embedded defaults, so `rill config defaults` documents all of them")
    func defaultsDocumentEveryKey() {
        let written = Set((try? TOMLParser.parse(EmbeddedDefaults.toml))?.entries.map { $0.path.joined(separator: ".") } ?? [])
        for key in ConfigSchema.keys {
            #expect(written.contains(key.path), "\(key.path) is missing from EmbeddedDefaults.toml")
        }
    }

    @Test("a file overrides the defaults it names and keeps the rest")
    func fileOverrides() throws {
        let file = try TemporaryFile(contents: """
            [http]
            port = 9090
            max_body_bytes = "4MiB"

            [log]
            level = "debug"
            """)
        let config = try ConfigLoader.load(file: file.path, environment: [:])
        #expect(config.http.port == 9090)
        #expect(config.http.maxBodyBytes == 4 << 20)
        #expect(config.logLevel == .debug)
        #expect(config.http.host == "127.0.0.1")
        #expect(config.dataDirectory == "./.rill")
    }

    @Test("dotted keys at the top level work like tables")
    func dottedKeys() throws {
        let file = try TemporaryFile(contents: "http.port = 7000\ndata.directory = \"/data\"\n")
        let config = try ConfigLoader.load(file: file.path, environment: [:])
        #expect(config.http.port == 7000)
        #expect(config.dataDirectory == "/data")
    }

    @Test("RILL_* variables override the file; RILL_CONFIG and other variables are ignored")
    func environmentOverrides() throws {
        let file = try TemporaryFile(contents: "[http]\nport = 9090\n")
        let config = try ConfigLoader.load(
            file: file.path,
            environment: [
                "RILL_HTTP_PORT": "9191", "RILL_HTTP_MAX_HEADER_BYTES": "32KiB", "RILL_LOG_LEVEL": "warning",
                "RILL_CONFIG": "/somewhere/else.toml", "HOME": "/root",
            ]
        )
        #expect(config.http.port == 9191)
        #expect(config.http.maxHeaderBytes == 32 << 10)
        #expect(config.logLevel == .warning)
    }

    @Test("a TOML syntax error names the file and line")
    func syntaxError() throws {
        let file = try TemporaryFile(contents: "[http]\nport = 80\nhost = \"unterminated\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(file: file.path, environment: [:]) }
        #expect(error.source == file.path)
        #expect(error.line == 3)
        guard case .syntax = error.reason else { Issue.record("expected a syntax error, got \(error)"); return }
    }

    @Test("an unknown key is refused with its line and the key it probably meant")
    func unknownKey() throws {
        let file = try TemporaryFile(contents: "# comment\n[http]\nhost = \"0.0.0.0\"\nprot = 80\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(file: file.path, environment: [:]) }
        #expect(error.line == 4)
        #expect(error.key == "http.prot")
        #expect(error.reason == .unknownKey(suggestion: "http.port"))
        #expect(error.description == "\(file.path):4: http.prot: unknown key (did you mean http.port?)")
    }

    @Test("an unknown section is refused")
    func unknownSection() throws {
        let file = try TemporaryFile(contents: "[torrent]\nmax_peers = 5\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(file: file.path, environment: [:]) }
        #expect(error.key == "torrent")
        #expect(error.line == 1)
    }

    @Test("a value of the wrong type names line, key and what was expected")
    func wrongType() throws {
        let file = try TemporaryFile(contents: "[http]\nport = \"eighty\"\n")
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(file: file.path, environment: [:]) }
        #expect(error.line == 2)
        #expect(error.key == "http.port")
        #expect(error.description.contains("must be a whole number"))
    }

    @Test("out-of-range values are refused", arguments: [
        ("[http]\nport = 70000\n", "http.port"),
        ("[http]\nmax_header_bytes = \"1GiB\"\n", "http.max_header_bytes"),
        ("[http]\nmax_body_bytes = \"12 parsecs\"\n", "http.max_body_bytes"),
        ("[log]\nlevel = \"loud\"\n", "log.level"),
        ("[data]\ndirectory = \"\"\n", "data.directory"),
        ("[http]\nrequest_timeout_seconds = 0\n", "http.request_timeout_seconds"),
        ("[http]\nport = [1, 2]\n", "http.port"),
    ])
    func outOfRange(text: String, key: String) throws {
        let file = try TemporaryFile(contents: text)
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(file: file.path, environment: [:]) }
        #expect(error.key == key)
        #expect(error.line == 2)
        guard case .invalidValue = error.reason else { Issue.record("expected invalidValue, got \(error)"); return }
    }

    @Test("an unknown or invalid RILL_* variable is refused by name")
    func badEnvironment() throws {
        let unknown = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(file: nil, environment: ["RILL_HTTP_PROT": "80"])
        }
        #expect(unknown.source == "environment")
        #expect(unknown.key == "RILL_HTTP_PROT")
        #expect(unknown.reason == .unknownKey(suggestion: "RILL_HTTP_PORT"))

        let invalid = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(file: nil, environment: ["RILL_HTTP_PORT": "eighty"])
        }
        #expect(invalid.key == "RILL_HTTP_PORT")
    }

    @Test("a missing file and an oversized file are refused before parsing")
    func unreadableAndOversized() throws {
        let missing = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(file: "/nonexistent/rill.toml", environment: [:])
        }
        guard case .unreadable = missing.reason else { Issue.record("expected unreadable, got \(missing)"); return }

        let huge = try TemporaryFile(contents: String(repeating: "# padding\n", count: 10_000))
        let tooLarge = try #require(throws: ConfigError.self) { try ConfigLoader.load(file: huge.path, environment: [:]) }
        guard case .tooLarge = tooLarge.reason else { Issue.record("expected tooLarge, got \(tooLarge)"); return }
    }

    @Test("garbage never crashes the loader: it is refused or, rarely, valid")
    func garbage() throws {
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Array("[]=\"'.#\n \tabchttpport0123456789{},-_:\\".utf8)
        for round in 0..<2_000 {
            let length = Int(generator.next() % 200)
            var bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            if round % 10 == 0 { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            let text = String(decoding: bytes, as: UTF8.self)
            var config = RillConfig.unset
            do {
                try ConfigLoader.apply(toml: text, source: "garbage", to: &config)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
