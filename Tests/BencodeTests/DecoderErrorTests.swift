import Bencode
import Testing

/// One malformed input and the exact error it must produce.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let input: [UInt8]
    let reason: BencodeError.Reason
    let offset: Int
    var limits = BencodeLimits.default
    var requireSortedKeys = false

    init(_ input: String, _ reason: BencodeError.Reason, at offset: Int, limits: BencodeLimits = .default, strict: Bool = false) {
        self.input = bytes(input)
        self.reason = reason
        self.offset = offset
        self.limits = limits
        self.requireSortedKeys = strict
    }

    var testDescription: String {
        "\(String(decoding: input.prefix(40), as: UTF8.self)) → \(reason) at \(offset)"
    }
}

let errorCases: [ErrorCase] = [
    // unexpectedEnd: the offset is the input length.
    ErrorCase("", .unexpectedEnd, at: 0),
    ErrorCase("i", .unexpectedEnd, at: 1),
    ErrorCase("i-", .unexpectedEnd, at: 2),
    ErrorCase("i12", .unexpectedEnd, at: 3),
    ErrorCase("i0", .unexpectedEnd, at: 2),
    ErrorCase("12", .unexpectedEnd, at: 2),
    ErrorCase("0", .unexpectedEnd, at: 1),
    ErrorCase("5:abc", .unexpectedEnd, at: 5),
    ErrorCase("l", .unexpectedEnd, at: 1),
    ErrorCase("li1e", .unexpectedEnd, at: 4),
    ErrorCase("d", .unexpectedEnd, at: 1),
    ErrorCase("d1:a", .unexpectedEnd, at: 4),
    ErrorCase("d1:ai1e", .unexpectedEnd, at: 7),
    // invalidCharacter: the offset is the offending byte.
    ErrorCase("x", .invalidCharacter, at: 0),
    ErrorCase("e", .invalidCharacter, at: 0),
    ErrorCase("-1:a", .invalidCharacter, at: 0),
    ErrorCase("ie", .invalidCharacter, at: 1),
    ErrorCase("i-e", .invalidCharacter, at: 2),
    ErrorCase("i+1e", .invalidCharacter, at: 1),
    ErrorCase("i 1e", .invalidCharacter, at: 1),
    ErrorCase("i1.5e", .invalidCharacter, at: 2),
    ErrorCase("i0xe", .invalidCharacter, at: 2),
    ErrorCase("i--1e", .invalidCharacter, at: 2),
    ErrorCase("1x", .invalidCharacter, at: 1),
    ErrorCase("0x", .invalidCharacter, at: 1),
    ErrorCase("l1:ax", .invalidCharacter, at: 4),
    ErrorCase("di1ei2ee", .invalidCharacter, at: 1),
    ErrorCase("dlee", .invalidCharacter, at: 1),
    ErrorCase("d1:ae", .invalidCharacter, at: 4),
    ErrorCase("d1:a1:bx", .invalidCharacter, at: 7),
    // leadingZero: the offset is the superfluous 0.
    ErrorCase("i03e", .leadingZero, at: 1),
    ErrorCase("i00e", .leadingZero, at: 1),
    ErrorCase("i-03e", .leadingZero, at: 2),
    ErrorCase("00:", .leadingZero, at: 0),
    ErrorCase("05:hello", .leadingZero, at: 0),
    ErrorCase("l01:ae", .leadingZero, at: 1),
    ErrorCase("d01:ai1ee", .leadingZero, at: 1),
    // negativeZero: the offset is the minus sign.
    ErrorCase("i-0e", .negativeZero, at: 1),
    ErrorCase("li1ei-0ee", .negativeZero, at: 5),
    // integerOverflow: the offset is the digit that overflows.
    ErrorCase("i9223372036854775808e", .integerOverflow, at: 19),
    ErrorCase("i-9223372036854775809e", .integerOverflow, at: 20),
    ErrorCase("i99999999999999999999e", .integerOverflow, at: 19),
    ErrorCase("i92233720368547758070e", .integerOverflow, at: 20),
    // unsortedKeys (strict decoder only): the offset is the key that is out of order.
    ErrorCase("d1:bi1e1:ai2ee", .unsortedKeys, at: 7, strict: true),
    ErrorCase("d2:abi1e1:ai2ee", .unsortedKeys, at: 8, strict: true),
    ErrorCase("ld1:ai1e1:ci2e1:bi3eee", .unsortedKeys, at: 14, strict: true),
    // duplicateKey: always rejected; in order it is caught at once, out of order when the dictionary closes.
    ErrorCase("d1:ai1e1:ai2ee", .duplicateKey, at: 7),
    ErrorCase("d1:ai1e1:ai2ee", .duplicateKey, at: 7, strict: true),
    ErrorCase("d1:bi1e1:ai2e1:bi3ee", .duplicateKey, at: 13),
    ErrorCase("d1:ci0e1:bi1e1:ci2e1:bi3ee", .duplicateKey, at: 13),
    ErrorCase("d0:i1e0:i2ee", .duplicateKey, at: 6),
    // stringTooLong: the offset is the first digit of the declared length.
    ErrorCase("99999999999:", .stringTooLong, at: 0),
    ErrorCase("li1e99999999999:e", .stringTooLong, at: 4),
    ErrorCase("5:hello", .stringTooLong, at: 0, limits: BencodeLimits(maxStringLength: 4)),
    ErrorCase("d5:helloi1ee", .stringTooLong, at: 1, limits: BencodeLimits(maxStringLength: 4)),
    // depthExceeded: the offset is the l or d that goes too deep.
    ErrorCase("llleee", .depthExceeded, at: 2, limits: BencodeLimits(maxDepth: 2)),
    ErrorCase("d1:ad1:bdeee", .depthExceeded, at: 8, limits: BencodeLimits(maxDepth: 2)),
    ErrorCase("le", .depthExceeded, at: 0, limits: BencodeLimits(maxDepth: 0)),
    // trailingData: the offset is the first byte after the value.
    ErrorCase("i1ei2e", .trailingData, at: 3),
    ErrorCase("1:ax", .trailingData, at: 3),
    ErrorCase("lee", .trailingData, at: 2),
    ErrorCase("de\0", .trailingData, at: 2),
    // inputTooLarge: the offset is the limit.
    ErrorCase("5:abcd", .inputTooLarge, at: 4, limits: BencodeLimits(maxInputSize: 4)),
    ErrorCase("x", .inputTooLarge, at: 0, limits: BencodeLimits(maxInputSize: 0)),
    // tooManyItems: the offset is the first item over the limit.
    ErrorCase("li1ei2ei3ee", .tooManyItems, at: 7, limits: BencodeLimits(maxItems: 3)),
    ErrorCase("d1:ai1e1:bi2ee", .tooManyItems, at: 7, limits: BencodeLimits(maxItems: 3)),
    ErrorCase("i1e", .tooManyItems, at: 0, limits: BencodeLimits(maxItems: 0)),
]

@Suite("Decoding malformed input")
struct DecoderErrorTests {
    @Test("each malformed input fails with the exact reason and offset", arguments: errorCases)
    func rejects(_ errorCase: ErrorCase) {
        let decoder = BencodeDecoder(limits: errorCase.limits, requireSortedKeys: errorCase.requireSortedKeys)
        #expect(throws: BencodeError(errorCase.reason, at: errorCase.offset)) {
            try decoder.decode(errorCase.input)
        }
    }

    @Test("the table covers every reason")
    func everyReasonCovered() {
        let covered = Set(errorCases.map(\.reason))
        #expect(covered == Set(BencodeError.Reason.allCases))
    }

    @Test("the typed error carries reason and offset without casting")
    func typedThrows() {
        do {
            _ = try BencodeDecoder().decode(bytes("i1x"))
            Issue.record("expected an error")
        } catch {
            #expect(error.reason == .invalidCharacter)
            #expect(error.offset == 2)
        }
    }
}
