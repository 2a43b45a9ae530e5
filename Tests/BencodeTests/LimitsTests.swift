import Bencode
import Testing

@Suite("Limits against hostile input")
struct LimitsTests {
    @Test("a depth bomb of 100,000 nested lists stops at the default depth of 64")
    func listDepthBomb() {
        let bomb = [UInt8](repeating: UInt8(ascii: "l"), count: 100_000)
        #expect(throws: BencodeError(.depthExceeded, at: 64)) { try BencodeDecoder().decode(bomb) }
    }

    @Test("a depth bomb of nested dictionaries stops at the depth limit")
    func dictionaryDepthBomb() {
        let bomb = Array(repeating: bytes("d1:a"), count: 10_000).joined()
        #expect(throws: BencodeError(.depthExceeded, at: 64 * 4)) { try BencodeDecoder().decode(Array(bomb)) }
    }

    @Test("exactly the maximum depth is allowed")
    func depthBoundary() throws {
        let nested = [UInt8](repeating: UInt8(ascii: "l"), count: 64) + [UInt8](repeating: UInt8(ascii: "e"), count: 64)
        let value = try BencodeDecoder().decode(nested)
        var depth = 0
        var current: BencodeValue? = value
        while let list = current?.list {
            depth += 1
            current = list.first
        }
        #expect(depth == 64)
    }

    @Test("without a depth limit, a million open lists need no native stack")
    func iterativeParsing() {
        let open = [UInt8](repeating: UInt8(ascii: "l"), count: 1_000_000)
        let unbounded = BencodeDecoder(limits: BencodeLimits(maxDepth: .max, maxItems: .max))
        #expect(throws: BencodeError(.unexpectedEnd, at: 1_000_000)) { try unbounded.decode(open) }
    }

    @Test("a huge declared string length fails before any allocation")
    func hugeStringLength() {
        let decoder = BencodeDecoder()
        #expect(throws: BencodeError(.stringTooLong, at: 0)) { try decoder.decode(bytes("99999999999:")) }
        let unbounded = BencodeDecoder(limits: BencodeLimits(maxStringLength: .max))
        #expect(throws: BencodeError(.unexpectedEnd, at: 12)) { try unbounded.decode(bytes("99999999999:")) }
        #expect(throws: BencodeError(.unexpectedEnd, at: 20)) { try unbounded.decode(bytes("9223372036854775807:")) }
        #expect(throws: BencodeError(.stringTooLong, at: 0)) { try unbounded.decode(bytes("99999999999999999999:")) }
    }

    @Test("a string exactly at the length limit is accepted")
    func stringBoundary() throws {
        let decoder = BencodeDecoder(limits: BencodeLimits(maxStringLength: 4))
        #expect(try decoder.decode(bytes("4:abcd")) == "abcd")
    }

    @Test("endless integer digits overflow instead of looping or trapping")
    func integerOverflow() {
        let digits = bytes("i") + [UInt8](repeating: UInt8(ascii: "9"), count: 10_000) + bytes("e")
        #expect(throws: BencodeError(.integerOverflow, at: 19)) { try BencodeDecoder().decode(digits) }
    }

    @Test("an item bomb stops at the item limit")
    func itemBomb() {
        let bomb = bytes("l") + Array(repeating: bytes("i0e"), count: 10_000).joined() + bytes("e")
        let decoder = BencodeDecoder(limits: BencodeLimits(maxItems: 1_000))
        #expect(throws: BencodeError(.tooManyItems, at: 1 + 999 * 3)) { try decoder.decode(bomb) }
    }

    @Test("input larger than the size limit is rejected up front")
    func inputSize() {
        let decoder = BencodeDecoder(limits: BencodeLimits(maxInputSize: 1_024))
        let big = bytes("l") + Array(repeating: bytes("i0e"), count: 1_000).joined() + bytes("e")
        #expect(throws: BencodeError(.inputTooLarge, at: 1_024)) { try decoder.decode(big) }
    }

    @Test("the peer-message preset is tighter than the default")
    func presets() {
        #expect(BencodeLimits.default.maxDepth == 64)
        #expect(BencodeLimits.peerMessage.maxInputSize < BencodeLimits.default.maxInputSize)
        let decoder = BencodeDecoder(limits: .peerMessage)
        #expect(throws: BencodeError(.stringTooLong, at: 0)) { try decoder.decode(bytes("2000000:")) }
    }

    @Test("negative limits behave like zero")
    func negativeLimits() {
        let decoder = BencodeDecoder(limits: BencodeLimits(maxDepth: -1, maxStringLength: -1, maxInputSize: -1, maxItems: -1))
        #expect(throws: BencodeError(.inputTooLarge, at: 0)) { try decoder.decode(bytes("0:")) }
        let noStrings = BencodeDecoder(limits: BencodeLimits(maxStringLength: -1))
        #expect(throws: BencodeError(.stringTooLong, at: 0)) { try noStrings.decode(bytes("1:a")) }
    }
}
