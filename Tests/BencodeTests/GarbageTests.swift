import Bencode
import Testing

/// Checks the properties every decoded input must have (the same ones the fuzzer checks):
/// re-encoding decodes to an equal value, canonical input re-encodes byte for byte, and every
/// recorded span decodes to the value it belongs to. Returns whether `input` decoded.
@discardableResult
func checkInvariants(_ input: [UInt8], decoder: BencodeDecoder = BencodeDecoder()) -> Bool {
    let document: BencodeDocument
    do {
        document = try decoder.decodeWithSpans(input)
    } catch {
        #expect(error.offset >= 0 && error.offset <= input.count, "offset out of range: \(error)")
        #expect(throws: error) { try decoder.decode(input) }
        return false
    }
    let encoded = BencodeEncoder().encode(document.value)
    #expect((try? decoder.decode(encoded)) == document.value)
    if (try? BencodeDecoder(limits: decoder.limits, requireSortedKeys: true).decode(input)) != nil {
        #expect(encoded == input)
    }
    for (key, range) in document.valueRanges {
        #expect((try? decoder.decode(input[range])) == document.value[key])
    }
    return true
}

@Suite("Garbage never crashes")
struct GarbageTests {
    /// Bytes biased towards the grammar, so random inputs get past the first byte.
    static let alphabet: [UInt8] = Array("ilde:-0123456789".utf8) + [0x00, 0x20, 0x61, 0xFF]

    @Test("uniformly random bytes")
    func randomBytes() {
        var generator = SplitMix64(seed: 1)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...64, using: &generator)
            let input = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            checkInvariants(input)
        }
    }

    @Test("random bytes from the grammar's alphabet, with small limits")
    func grammarBytes() {
        var generator = SplitMix64(seed: 2)
        let limits = BencodeLimits(maxDepth: 8, maxStringLength: 32, maxInputSize: 96, maxItems: 40)
        var decodedCount = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...100, using: &generator)
            let input = (0..<length).map { _ in Self.alphabet.randomElement(using: &generator) ?? 0 }
            if checkInvariants(input, decoder: BencodeDecoder(limits: limits)) { decodedCount += 1 }
        }
        #expect(decodedCount > 0)
    }

    @Test("mutations of a real-shaped torrent: flips, insertions, deletions, truncations")
    func mutatedTorrent() {
        var generator = SplitMix64(seed: 3)
        let original = SampleTorrent().file
        var decodedCount = 0
        for _ in 0..<3_000 {
            var input = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<input.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: input[position] = UInt8.random(in: .min ... .max, using: &generator)
                case 1: input.insert(Self.alphabet.randomElement(using: &generator) ?? 0, at: position)
                case 2: input.remove(at: position)
                default: input.removeLast(input.count - position)
                }
                if input.isEmpty { break }
            }
            if checkInvariants(input) { decodedCount += 1 }
        }
        #expect(decodedCount > 0)
    }
}
