import Bencode
import Testing

@Suite("BencodeValue and BencodeDictionary")
struct BencodeValueTests {
    @Test("accessors return the payload for the matching case and nil otherwise")
    func accessors() {
        let value: BencodeValue = ["n": 7, "s": "spam", "l": [1, 2], "d": ["x": 0]]
        #expect(value["n"]?.int == 7)
        #expect(value["s"]?.bytes == bytes("spam"))
        #expect(value["s"]?.string == "spam")
        #expect(value["l"]?.list == [1, 2])
        #expect(value["d"]?.dict?["x"] == 0)
        #expect(value[bytes("n")]?.int == 7)
        #expect(value["missing"] == nil)
        #expect(value["n"]?["n"] == nil)
        #expect(value["n"]?.bytes == nil)
        #expect(value["s"]?.int == nil)
        #expect(value.list == nil)
        #expect(BencodeValue.integer(1).dict == nil)
    }

    @Test("string is nil for byte strings that are not UTF-8")
    func binaryStrings() {
        let binary = BencodeValue.bytes([0xFF, 0xFE, 0x00])
        #expect(binary.string == nil)
        #expect(binary.bytes == [0xFF, 0xFE, 0x00])
        #expect(BencodeValue("héllo").string == "héllo")
    }

    @Test("dictionary keeps keys in bytewise order whatever the insertion order")
    func dictionaryOrder() {
        var dictionary = BencodeDictionary()
        dictionary["zeta"] = 1
        dictionary["alpha"] = 2
        dictionary[[0xFF]] = 3
        dictionary["Alpha"] = 4
        dictionary["a"] = 5
        dictionary[[0x61, 0x00]] = 6
        #expect(dictionary.map(\.key) == [bytes("Alpha"), bytes("a"), [0x61, 0x00], bytes("alpha"), bytes("zeta"), [0xFF]])
        #expect(dictionary.count == 6)
        #expect(dictionary["alpha"] == 2)
    }

    @Test("setting a key replaces its value; setting nil removes it")
    func dictionaryMutation() {
        var dictionary: BencodeDictionary = ["a": 1, "b": 2]
        dictionary["a"] = "one"
        #expect(dictionary["a"] == "one")
        dictionary["b"] = nil
        dictionary["absent"] = nil
        #expect(dictionary.map(\.key) == [bytes("a")])
        #expect(dictionary.entries == [BencodeDictionary.Entry(key: bytes("a"), value: "one")])
    }

    @Test("dictionaries built in different orders are equal; the last duplicate wins")
    func dictionaryEquality() {
        let first = BencodeDictionary([(key: bytes("b"), value: .integer(2)), (key: bytes("a"), value: .integer(1))])
        let second: BencodeDictionary = ["a": 1, "b": 2]
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        let repeated = BencodeDictionary([(key: bytes("a"), value: .integer(1)), (key: bytes("a"), value: .integer(9))])
        #expect(repeated["a"] == 9)
        #expect(repeated.count == 1)
    }

    @Test("literals build the expected cases")
    func literals() {
        #expect(BencodeValue(integerLiteral: -5) == .integer(-5))
        #expect(BencodeValue(stringLiteral: "ab") == .bytes([0x61, 0x62]))
        #expect(([1, "x"] as BencodeValue) == .list([.integer(1), .bytes([0x78])]))
        let dictionary: BencodeValue = ["k": 1]
        #expect(dictionary == .dictionary(BencodeDictionary([(key: bytes("k"), value: .integer(1))])))
    }

    @Test("description renders text, binary, lists and dictionaries")
    func description() {
        let value: BencodeValue = ["a": [1, "x"], "b": .bytes([0x00, 0xFF])]
        #expect(value.description == #"{"a": [1, "x"], "b": <2 bytes: 00ff>}"#)
        #expect(BencodeValue.bytes(Array(repeating: 0xAB, count: 20)).description.hasSuffix("…>"))
    }

    @Test("errors describe themselves")
    func errorDescription() {
        #expect(BencodeError(.leadingZero, at: 3).description == "bencode: leadingZero at byte 3")
    }
}
