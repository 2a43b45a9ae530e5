import Testing
import TestSupport

@testable import Config

@Suite("TOML parser")
struct TOMLParserTests {
    private func values(_ text: String) throws -> [String: TOMLValue] {
        let document = try TOMLParser.parse(text)
        return Dictionary(uniqueKeysWithValues: document.entries.map { ($0.path.joined(separator: "."), $0.value) })
    }

    @Test("the value forms Rill's configuration uses")
    func valueForms() throws {
        let parsed = try values(#"""
            a = "basic \"quoted\" \t \u00e9 \U0001F600"
            b = 'C:\literal\path'
            c = 1_000
            d = -17
            e = 0x1F
            f = 0o17
            g = 0b101
            h = 3.25
            i = 6.02e23
            j = true
            k = false
            l = [1, 2, [3, "x"], ]
            m = { x = 1, y.z = "deep" }
            n = """
            two\
               lines"""
            o = '''
            raw \n'''
            "quoted key" = 1
            p = -inf
            """#)
        #expect(parsed["a"] == .string("basic \"quoted\" \t é 😀"))
        #expect(parsed["b"] == .string(#"C:\literal\path"#))
        #expect(parsed["c"] == .integer(1000))
        #expect(parsed["d"] == .integer(-17))
        #expect(parsed["e"] == .integer(31))
        #expect(parsed["f"] == .integer(15))
        #expect(parsed["g"] == .integer(5))
        #expect(parsed["h"] == .float(3.25))
        #expect(parsed["i"] == .float(6.02e23))
        #expect(parsed["j"] == .boolean(true))
        #expect(parsed["k"] == .boolean(false))
        #expect(parsed["l"] == .array([.integer(1), .integer(2), .array([.integer(3), .string("x")])]))
        #expect(parsed["m.x"] == .integer(1))
        #expect(parsed["m.y.z"] == .string("deep"))
        #expect(parsed["n"] == .string("twolines"))
        #expect(parsed["o"] == .string("raw \\n"))
        #expect(parsed["quoted key"] == .integer(1))
        #expect(parsed["p"] == .float(-.infinity))
    }

    @Test("tables, dotted keys and lines")
    func tablesAndLines() throws {
        let document = try TOMLParser.parse("# top\n\n[http]\nport = 1 # trailing\n\n[store]\nbusy_timeout_ms = 2\r\nx.y = 3\n")
        #expect(document.tables == [.init(path: ["http"], line: 3), .init(path: ["store"], line: 6)])
        #expect(document.entries.map(\.line) == [4, 7, 8])
        #expect(document.entries.map { $0.path.joined(separator: ".") } == ["http.port", "store.busy_timeout_ms", "store.x.y"])
    }

    @Test("invalid text is refused with line and column", arguments: [
        ("a = 1\nb = \"open\n", 2),
        ("a = 1\na = 2\n", 2),
        ("[t]\n[t]\n", 2),
        ("a = 1 2\n", 1),
        ("a = 01\n", 1),
        ("a = 1__0\n", 1),
        ("a = 1.\n", 1),
        ("a = [1, 2\n", 2),
        ("a = { b = 1,\n", 1),
        ("a = \"\\q\"\n", 1),
        ("a = 1979-05-27\n", 1),
        ("[[servers]]\n", 1),
        ("= 1\n", 1),
        ("a = 1\na.b = 2\n", 2),
        ("a = \"\u{01}\"\n", 1),
        ("a = tru\n", 1),
        ("a = \"\\uD800\"\n", 1),
    ])
    func refuses(text: String, line: Int) {
        #expect(throws: TOMLSyntaxError.self) { try TOMLParser.parse(text) }
        do {
            _ = try TOMLParser.parse(text)
        } catch {
            #expect(error.line == line, "\(text.debugDescription): \(error)")
            #expect(error.column >= 1)
        }
    }

    @Test("nesting is bounded: a deep array is refused, not a stack overflow")
    func depthBomb() {
        let deep = "a = " + String(repeating: "[", count: 100_000) + "\n"
        #expect(throws: TOMLSyntaxError.self) { try TOMLParser.parse(deep) }
        let deepTable = "a = " + String(repeating: "{ b = ", count: 10_000) + "1\n"
        #expect(throws: TOMLSyntaxError.self) { try TOMLParser.parse(deepTable) }
    }

    @Test("the input the C++ toml++ parser asserted on is a plain syntax error here")
    func tomlPlusPlusAssertion() {
        let text = "[,'\t2t1ptp0_c78{[cpp#[='- ,cpt[3'5.=t9 o}\\\no[7,6tpr[p-\\'o,\\732'}ccr}t=c=p4p:{\"6p3\\9817-btt9bt =92=]b\"8o'a4-h64#.]6[co=4\n"
        #expect(throws: TOMLSyntaxError.self) { try TOMLParser.parse(text) }
    }

    @Test("random bytes never crash the parser")
    func randomBytes() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 64)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? TOMLParser.parse(String(decoding: bytes, as: UTF8.self))
        }
    }
}
