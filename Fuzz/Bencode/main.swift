// libFuzzer entry point for the Bencode target. Built by `ci/fuzz bencode <seconds>`, compiled in one
// module with Sources/Bencode/*.swift (so no `import Bencode`).
//
// Properties checked on every input (a violation is a `fatalError`, which libFuzzer reports as a crash):
// - decoding never traps, and a failure's offset lies within the input;
// - `decode`, `decodeWithSpans` and `decodePrefix` agree;
// - a decoded value re-encodes to bytes that decode to an equal value;
// - canonical input (accepted with sorted keys required) re-encodes byte for byte;
// - every top-level span decodes to the value stored under its key.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBencode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    checkBencode(input, decoder: BencodeDecoder())
    checkBencode(input, decoder: BencodeDecoder(limits: .peerMessage))
    return 0
}

private func checkBencode(_ input: UnsafeRawBufferPointer, decoder: BencodeDecoder) {
    let document: BencodeDocument
    do {
        document = try decoder.decodeWithSpans(input)
    } catch {
        guard error.offset >= 0, error.offset <= input.count else { fatalError("offset out of range: \(error)") }
        do {
            _ = try decoder.decode(input)
            fatalError("decode accepted what decodeWithSpans rejected: \(error)")
        } catch let again {
            guard again == error else { fatalError("decode and decodeWithSpans disagree: \(again) vs \(error)") }
        }
        return
    }
    let value = document.value
    guard (try? decoder.decode(input)) == value else { fatalError("decode and decodeWithSpans disagree") }
    guard let prefix = try? decoder.decodePrefix(input), prefix.value == value, prefix.count == input.count else {
        fatalError("decodePrefix disagrees with decode")
    }

    let encoded = BencodeEncoder().encode(value)
    let reparsed: BencodeValue
    do {
        reparsed = try decoder.decode(encoded)
    } catch {
        fatalError("re-encoded value does not decode: \(error)")
    }
    guard reparsed == value else { fatalError("round trip changed the value: \(value) → \(reparsed)") }

    let strict = BencodeDecoder(limits: decoder.limits, requireSortedKeys: true)
    if (try? strict.decode(input)) != nil, !encoded.elementsEqual(input) {
        fatalError("canonical input did not re-encode byte for byte")
    }

    for (key, range) in document.valueRanges {
        guard range.lowerBound >= 0, range.upperBound <= input.count,
            let slice = try? decoder.decode(UnsafeRawBufferPointer(rebasing: input[range])),
            slice == value[key]
        else { fatalError("span of key \(key) does not decode to its value") }
    }
}
