import Bencode
import Testing

@Suite("Decoding valid input")
struct DecoderTests {
    let decoder = BencodeDecoder()

    /// Inputs and the values they decode to.
    static let validCases: [(input: String, expected: BencodeValue)] = [
        ("i0e", BencodeValue.integer(0)),
        ("i42e", 42),
        ("i-42e", -42),
        ("i9223372036854775807e", .integer(.max)),
        ("i-9223372036854775808e", .integer(.min)),
        ("0:", .bytes([])),
        ("4:spam", "spam"),
        ("10:0123456789", "0123456789"),
        ("le", []),
        ("de", [:]),
        ("l4:spami42ee", ["spam", 42]),
        ("d3:bar4:spam3:fooi42ee", ["bar": "spam", "foo": 42]),
        ("lllleeee", [[[[]]]]),
        ("d1:ad1:bd1:cleeee", ["a": ["b": ["c": []]]]),
        ("l0:dei0ee", ["", [:], 0]),
    ]

    @Test("scalars and containers", arguments: validCases)
    func valid(input: String, expected: BencodeValue) throws {
        #expect(try decoder.decode(bytes(input)) == expected)
    }

    @Test("byte strings may hold any bytes, including grammar characters and invalid UTF-8")
    func binaryString() throws {
        let payload: [UInt8] = [0x65, 0x00, 0xFF, 0x3A, 0x69, 0x64, 0x6C, 0x80]
        let value = try decoder.decode(bytes("8:") + payload)
        #expect(value == .bytes(payload))
        #expect(value.string == nil)
    }

    @Test("out-of-order keys are tolerated by default and stored sorted")
    func unsortedKeysTolerated() throws {
        let value = try decoder.decode(bytes("d1:bi2e1:ai1ee"))
        #expect(value.dict?.map(\.key) == [bytes("a"), bytes("b")])
        #expect(value == ["a": 1, "b": 2])
    }

    @Test("sorted keys, including a key that is a prefix of the next, pass the strict decoder")
    func strictAcceptsSorted() throws {
        let strict = BencodeDecoder(requireSortedKeys: true)
        #expect(try strict.decode(bytes("d1:ai1e2:abi2e1:bi3ee")) == ["a": 1, "ab": 2, "b": 3])
    }

    @Test("slices, raw buffers and non-contiguous collections decode the same way")
    func inputKinds() throws {
        let whole = bytes("xxi7eyy")
        let slice = whole[2..<5]
        #expect(try decoder.decode(slice) == 7)
        #expect(try decoder.decode(bytes("i7e").lazy.map { $0 }) == 7)
        let fromBuffer = try bytes("i7e").withUnsafeBytes { buffer throws(BencodeError) in try decoder.decode(buffer) }
        #expect(fromBuffer == 7)
    }

    @Test("error offsets in a slice count from the slice's start")
    func sliceOffsets() {
        let whole = bytes("xxxi03e")
        #expect(throws: BencodeError(.leadingZero, at: 1)) { try decoder.decode(whole[3...]) }
    }

    @Test("decodePrefix reads one value and leaves the rest, as in a BEP 9 metadata message")
    func prefix() throws {
        let header = bytes("d8:msg_typei1e5:piecei0e10:total_sizei3ee")
        let message = header + [0xDE, 0xAD, 0xBE]
        let (value, count) = try decoder.decodePrefix(message)
        #expect(count == header.count)
        #expect(value["total_size"]?.int == 3)
        #expect(message[count...].elementsEqual([0xDE, 0xAD, 0xBE]))
        // Swift 6.3.1's SILGen crashes on a typed-throws closure returning a tuple here; use try?.
        let countFromBuffer = message.withUnsafeBytes { buffer in (try? decoder.decodePrefix(buffer))?.count }
        #expect(countFromBuffer == header.count)
    }

    @Test("decodePrefix applies the size limit to the value, not the buffer")
    func prefixSizeLimit() throws {
        let small = BencodeDecoder(limits: BencodeLimits(maxInputSize: 4))
        let (value, count) = try small.decodePrefix(bytes("i1e") + Array(repeating: 0, count: 100))
        #expect(value == 1 && count == 3)
        #expect(throws: BencodeError(.inputTooLarge, at: 4)) { try small.decodePrefix(bytes("i12345e")) }
        #expect(throws: BencodeError(.unexpectedEnd, at: 3)) { try small.decodePrefix(bytes("i12")) }
    }
}
