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

    @Test func htmlEscapeCoversEveryScalarEvenWithCombiningMarks() {
        #expect(HTML.escape("plain text é 日本") == "plain text é 日本")
        #expect(HTML.escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#39;f")
        #expect(HTML.escape("x\"\u{301} onclick=alert(1)") == "x&quot;\u{301} onclick=alert(1)")
        #expect(HTML.escape("<\u{338}script>") == "&lt;\u{338}script&gt;")
        var generator = SplitMix64(seed: 9)
        let alphabet = Array("&<>\"'a é\u{301}\u{338}日".unicodeScalars)
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<Int(generator.next() % 16) { text.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let escaped = HTML.escape(text)
            #expect(!escaped.unicodeScalars.contains { "<>\"'".unicodeScalars.contains($0) }, "\(Array(text.unicodeScalars))")
            #expect(Self.unescape(escaped) == Array(text.utf8))
        }
    }

    /// The bytes an HTML parser reads back (byte-wise: `String.replacing` compares `Character`s, and `&quot;` followed
    /// by a combining mark ends in a `Character` that is not `;`).
    static func unescape(_ text: String) -> [UInt8] {
        let entities: [([UInt8], UInt8)] = [("&lt;", 0x3C), ("&gt;", 0x3E), ("&quot;", 0x22), ("&#39;", 0x27), ("&amp;", 0x26)].map { (Array($0.0.utf8), $0.1) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        outer: while index < bytes.count {
            for (entity, byte) in entities where bytes[index...].starts(with: entity) {
                out.append(byte)
                index += entity.count
                continue outer
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }
}
