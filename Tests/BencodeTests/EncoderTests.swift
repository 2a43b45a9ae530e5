import Bencode
import Testing

@Suite("Encoding and round trips")
struct EncoderTests {
    let encoder = BencodeEncoder()

    /// Values and their canonical encodings.
    static let canonicalCases: [(value: BencodeValue, expected: String)] = [
        (BencodeValue.integer(0), "i0e"),
        (-1, "i-1e"),
        (1_234_567_890, "i1234567890e"),
        (.integer(.max), "i9223372036854775807e"),
        (.integer(.min), "i-9223372036854775808e"),
        (.bytes([]), "0:"),
        ("spam", "4:spam"),
        ([], "le"),
        ([:], "de"),
        (["spam", 42, ["x": []]], "l4:spami42ed1:xleee"),
        (["zz": 1, "a": 2, "ab": 3], "d1:ai2e2:abi3e2:zzi1ee"),
    ]

    @Test("values encode canonically", arguments: canonicalCases)
    func canonical(value: BencodeValue, expected: String) {
        #expect(encoder.encode(value) == bytes(expected))
    }

    @Test("binary byte strings are written as-is with their length")
    func binary() {
        let payload: [UInt8] = Array(0...255)
        #expect(encoder.encode(.bytes(payload)) == bytes("256:") + payload)
    }

    @Test("encode(into:) appends to what is already there")
    func appending() {
        var buffer: [UInt8] = [0x00]
        encoder.encode(["m": ["ut_metadata": 3]], into: &buffer)
        #expect(buffer == [0x00] + bytes("d1:md11:ut_metadatai3eee"))
    }

    @Test(
        "canonical input survives decode then encode byte for byte",
        arguments: [
            "i0e", "i-7e", "0:", "3:abc", "le", "de", "llleee",
            "d8:announce20:http://tracker/annou4:infod6:lengthi1024e4:name4:file12:piece lengthi16384eee",
            "d1:md11:LT_metadatai2e11:ut_metadatai3ee1:pi6881e1:v8:Rill 0.1e",
            "ld1:ai-9223372036854775808eel0:0:ei9223372036854775807ee",
        ]
    )
    func roundTrip(input: String) throws {
        let decoded = try BencodeDecoder(requireSortedKeys: true).decode(bytes(input))
        #expect(encoder.encode(decoded) == bytes(input))
    }

    @Test("non-canonical key order decodes equal and re-encodes sorted")
    func normalisesOrder() throws {
        let decoded = try BencodeDecoder().decode(bytes("d1:bi1e1:ai2ee"))
        #expect(encoder.encode(decoded) == bytes("d1:ai2e1:bi1ee"))
        #expect(try BencodeDecoder().decode(encoder.encode(decoded)) == decoded)
    }
}
