import Testing

@testable import Config

@Suite("Byte counts with units")
struct ByteSizeTests {
    @Test("units are powers of 1024", arguments: [
        ("65536", 65536), ("64KiB", 65536), ("64 KiB", 65536), ("1MiB", 1 << 20), ("2GiB", 2 << 30), ("1mb", 1 << 20),
        ("7", 7), ("3TiB", 3 << 40),
    ])
    func parses(text: String, bytes: Int) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test("nonsense and overflow are nil", arguments: ["", "KiB", "-1", "12 parsecs", "1.5MiB", "99999999999999999999", "9999999999TiB"])
    func refuses(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test("formatting picks the largest exact unit")
    func formats() {
        #expect(ByteSize.format(16384) == "16KiB")
        #expect(ByteSize.format(1000) == "1000")
        #expect(ByteSize.format(3 << 30) == "3GiB")
        #expect(ByteSize.format(0) == "0")
    }
}
