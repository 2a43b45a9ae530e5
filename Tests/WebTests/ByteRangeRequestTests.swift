import Testing
@testable import Web

/// RFC 9110 ranges, and everything else ignored or refused as the RFC says.
@Suite struct ByteRangeRequestTests {
    @Test(arguments: [
        ("bytes=0-99", ByteRangeRequest.partial(0..<100)),
        ("bytes=100-", .partial(100..<1000)),
        ("bytes=-100", .partial(900..<1000)),
        ("bytes=-5000", .partial(0..<1000)),
        ("bytes=990-5000", .partial(990..<1000)),
        (" bytes = 5-9 ", .whole),
        ("bytes=5-9 ", .partial(5..<10)),
        ("bytes=1000-", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=9-5", .whole),
        ("bytes=0-1,5-9", .whole),
        ("items=0-9", .whole),
        ("bytes=abc", .whole),
        ("bytes=-", .whole),
        ("bytes=99999999999999999999-", .whole),
        ("", .whole),
    ])
    func ranges(header: String, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, length: 1000) == expected)
    }

    @Test func anOverlongHeaderIsIgnored() {
        #expect(ByteRangeRequest(header: "bytes=0-1" + String(repeating: " ", count: 300), length: 10) == .whole)
        #expect(ByteRangeRequest(header: nil, length: 10) == .whole)
    }
}
