import TestSupport
import Testing
@testable import Web

/// `trimmed` (every request's cookie goes through it): the same answer as trimming scalar by scalar, for Strings and
/// Substrings, including non-ASCII text and CR LF pairs.
@Suite struct TextTests {
    static func reference(_ text: String) -> String {
        let spaces: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r"]
        var scalars = Array(text.unicodeScalars)
        while let first = scalars.first, spaces.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, spaces.contains(last) { scalars.removeLast() }
        var out = ""
        out.unicodeScalars.append(contentsOf: scalars)
        return out
    }

    @Test func trimsSpacesTabsAndLineBreaksOnly() {
        #expect("".trimmed == "")
        #expect(" \t\r\n ".trimmed == "")
        #expect(" a ".trimmed == "a")
        #expect("\r\n rill_session=abc \r\n".trimmed == "rill_session=abc")
        #expect(" a b ".trimmed == "a b")
        #expect(" 日本 ".trimmed == "日本")
        #expect("é\u{301} ".trimmed == "é\u{301}")
        #expect("x; y".split(separator: ";")[1].trimmed == "y")
        var generator = SplitMix64(seed: 5)
        let alphabet = Array(" \t\r\nab=é日\u{301}\u{0}".unicodeScalars)
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(generator.next() % 12) { text.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            #expect(text.trimmed == Self.reference(text), "\(Array(text.unicodeScalars))")
            let sub = text.dropFirst(text.isEmpty ? 0 : 1)
            #expect(sub.trimmed == Self.reference(String(sub)))
        }
    }
}
