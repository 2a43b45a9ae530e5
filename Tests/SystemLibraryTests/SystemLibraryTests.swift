import CCurl
import CFuse3
import CGpiod
import CSQLite
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("C libraries through the system-library targets")
struct SystemLibraryTests {
    @Test("SQLite: version, and a table written and read back in memory")
    func sqlite() throws {
        #expect(sqlite3_libversion_number() >= 3_035_000)
        #expect(sqlite3_threadsafe() != 0)
        var database: OpaquePointer?
        #expect(sqlite3_open(":memory:", &database) == SQLITE_OK)
        defer { sqlite3_close(database) }
        #expect(sqlite3_exec(database, "CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('rill');", nil, nil, nil) == SQLITE_OK)
        var statement: OpaquePointer?
        #expect(sqlite3_prepare_v2(database, "SELECT x FROM t", -1, &statement, nil) == SQLITE_OK)
        defer { sqlite3_finalize(statement) }
        #expect(sqlite3_step(statement) == SQLITE_ROW)
        #expect(sqlite3_column_text(statement, 0).map { String(cString: $0) } == "rill")
    }

    @Test("FUSE 3: the library is 3.x and parses mount options")
    func fuse() {
        #expect(fuse_version() >= 31)
        var arguments = fuse_args(argc: 0, argv: nil, allocated: 0)
        for argument in ["rill", "-o", "ro,allow_other", "/mnt/x"] {
            #expect(fuse_opt_add_arg(&arguments, argument) == 0)
        }
        #expect(fuse_opt_parse(&arguments, nil, nil, nil) == 0)
        #expect(arguments.argc == 4)
        fuse_opt_free_args(&arguments)
    }

    @Test("libcurl: a real transfer (file:// URL) into a Swift callback")
    func curl() throws {
        let file = try TemporaryFile(contents: "payload through libcurl")
        let transfer = try #require(curlGet("file://\(file.path)"))
        #expect(transfer.body == "payload through libcurl")
        let version = try #require(curl_version_info(CURLversion(rawValue: UInt32(CURLVERSION_LAST.rawValue - 1))))
        #expect(version.pointee.version_num >= 0x074400)
    }

    @Test("libgpiod 1.6 (v1 API): version, and a missing chip fails with ENOENT")
    func gpiod() throws {
        let version = String(cString: gpiod_version_string())
        #expect(version.hasPrefix("1.6"), "libgpiod \(version) is not the 1.6.x v1 API")
        errno = 0
        let chip = gpiod_chip_open("/dev/gpiochip-rill-does-not-exist")
        #expect(chip == nil)
        #expect(errno == ENOENT)
    }
}
