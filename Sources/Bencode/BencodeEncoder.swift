/// Encodes ``BencodeValue``s as canonical BEP 3 bencoding.
///
/// Contract: output is canonical — shortest integers, dictionary keys in ascending bytewise order
/// (``BencodeDictionary`` keeps them that way) — so decoding canonical input and encoding the result
/// reproduces the input byte for byte. Encoding cannot fail. Recursion depth equals the value's
/// nesting depth, which the decoder bounds with ``BencodeLimits/maxDepth``.
public struct BencodeEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// The encoding of `value`.
    public func encode(_ value: BencodeValue) -> [UInt8] {
        var output: [UInt8] = []
        encode(value, into: &output)
        return output
    }

    /// Appends the encoding of `value` to `output` (for building a peer message in place).
    public func encode(_ value: BencodeValue, into output: inout [UInt8]) {
        switch value {
        case .integer(let integer):
            output.append(ASCII.integerStart)
            if integer < 0 { output.append(ASCII.minus) }
            Self.appendDecimal(integer.magnitude, to: &output)
            output.append(ASCII.end)
        case .bytes(let bytes):
            Self.appendString(bytes, to: &output)
        case .list(let elements):
            output.append(ASCII.listStart)
            for element in elements { encode(element, into: &output) }
            output.append(ASCII.end)
        case .dictionary(let dictionary):
            output.append(ASCII.dictionaryStart)
            for entry in dictionary.entries {
                Self.appendString(entry.key, to: &output)
                encode(entry.value, into: &output)
            }
            output.append(ASCII.end)
        }
    }

    private static func appendString(_ bytes: [UInt8], to output: inout [UInt8]) {
        appendDecimal(UInt64(bytes.count), to: &output)
        output.append(ASCII.colon)
        output.append(contentsOf: bytes)
    }

    /// Appends the decimal digits of `number`, most significant first, without allocating.
    private static func appendDecimal(_ number: UInt64, to output: inout [UInt8]) {
        var divisor: UInt64 = 1
        while number / divisor >= 10 {
            divisor &*= 10
        }
        while divisor > 0 {
            output.append(ASCII.zero &+ UInt8(truncatingIfNeeded: (number / divisor) % 10))
            divisor /= 10
        }
    }
}
