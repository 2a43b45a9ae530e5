import Testing
import TestSupport
@testable import Web

#if canImport(Glibc)
import Glibc
#endif

@Suite("scrypt password hashes: format, bounds, garbage, the concurrency gate")
struct PasswordHashTests {
    @Test("a hash verifies its password only, survives its string form and never prints itself")
    func roundTrip() throws {
        let hash = try PasswordHash.make(password: "correct horse battery")
        #expect(hash.string.hasPrefix("$scrypt$ln=14,r=8,p=1$"))
        let parsed = try PasswordHash(parsing: hash.string)
        #expect(parsed == hash)
        #expect(try parsed.verify("correct horse battery"))
        #expect(try !parsed.verify("correct horse batterY"))
        #expect(!"\(hash)".contains(Base64URL.encode(hash.hash)))
        #expect("\(hash)".contains("redacted"))
        // Two hashes of one password differ (random salt).
        #expect(try PasswordHash.make(password: "correct horse battery").string != hash.string)
    }

    @Test("a vector computed independently (Python's hashlib.scrypt, OpenSSL) verifies; p=16 is refused")
    func knownVector() throws {
        // base64url(hashlib.scrypt(b"password", salt=b"NaClNaCl", n=1024, r=8, p=1, dklen=32)), no padding.
        let salt = Base64URL.encode(Array("NaClNaCl".utf8))
        let hash = try PasswordHash(parsing: "$scrypt$ln=10,r=8,p=1$\(salt)$8wGlwXmNXS2n1KDaxmhQaPHcojxLhIixEr3YNcqC-84")
        #expect(try hash.verify("password"))
        #expect(try !hash.verify("passwore"))
        #expect(throws: PasswordHashError.self) {
            try PasswordHash(parsing: "$scrypt$ln=10,r=8,p=16$\(salt)$8wGlwXmNXS2n1KDaxmhQaPHcojxLhIixEr3YNcqC-84")
        }
    }

    @Test("parameters, salts and hashes outside the bounds are refused before scrypt runs; empty passwords too")
    func bounds() throws {
        let salt = Base64URL.encode([UInt8](repeating: 1, count: 16))
        let hash = Base64URL.encode([UInt8](repeating: 2, count: 32))
        for bad in [
            "$scrypt$ln=30,r=8,p=1$\(salt)$\(hash)",      // 2^30 × 8 × 128 bytes
            "$scrypt$ln=17,r=16,p=1$\(salt)$\(hash)",     // 256 MiB
            "$scrypt$ln=14,r=8,p=9$\(salt)$\(hash)",
            "$scrypt$ln=14,r=0,p=1$\(salt)$\(hash)",
            "$scrypt$ln=14,r=8$\(salt)$\(hash)",
            "$scrypt$ln=14,r=8,p=1,p=1$\(salt)$\(hash)",
            "$scrypt$ln=14,r=8,p=1$\(Base64URL.encode([1, 2]))$\(hash)",
            "$scrypt$ln=14,r=8,p=1$\(salt)$\(Base64URL.encode([1, 2]))",
            "$scrypt$ln=14,r=8,p=1$\(salt)$\(hash)$",
            "$bcrypt$ln=14,r=8,p=1$\(salt)$\(hash)",
            "$scrypt$ln=-1,r=8,p=1$\(salt)$\(hash)",
            "$scrypt$ln=99999999999999999999,r=8,p=1$\(salt)$\(hash)",
            "", "$", "$$$$", String(repeating: "$scrypt", count: 100),
        ] {
            #expect(throws: PasswordHashError.self, "\(bad.prefix(40))") { try PasswordHash(parsing: bad) }
        }
        let good = try PasswordHash(parsing: "$scrypt$ln=10,r=8,p=1$\(salt)$\(hash)")
        #expect(throws: PasswordHashError.unacceptablePassword) { try good.verify("") }
        #expect(throws: PasswordHashError.unacceptablePassword) { try good.verify(String(repeating: "x", count: 1025)) }
        #expect(throws: PasswordHashError.unacceptablePassword) { try PasswordHash.make(password: "") }
    }

    @Test("garbage strings never crash the parser")
    func garbage() {
        var random = SplitMix64(seed: 7)
        let alphabet = Array("$scrypt=ln,rp0123456789abcdefABCDEF-_=+/ \u{0}é".unicodeScalars)
        for _ in 0..<20_000 {
            let length = Int(random.next() % 120)
            var text = String.UnicodeScalarView()
            for _ in 0..<length { text.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            _ = try? PasswordHash(parsing: String(text))
            _ = try? PasswordHash(parsing: "$scrypt$" + String(text))
        }
    }

    @Test("the standard parameters' time here (docs/UI.md records it)")
    func timing() throws {
        let hash = try PasswordHash.make(password: "measure me please")
        var times: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            _ = try hash.verify("measure me please")
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        // A debug build compiles BoringSSL without optimisation (~2 s here); release takes ~50 ms (docs/UI.md).
        print("scrypt ln=14 r=8 p=1 verify: \(times.map { Int($0) }) ms")
        #expect(times.min()! < 10_000)
    }

    @Test("the gate runs at most maxConcurrent at once and refuses beyond the queue")
    func gate() async throws {
        let hasher = PasswordHasher(maxConcurrent: 1, maxWaiting: 3)
        // ln=13 (8 MiB; ~1 s in a debug build, 25 ms in release): all eight calls arrive while the first runs.
        let hash = try PasswordHash(parsing: "$scrypt$ln=13,r=8,p=1$\(Base64URL.encode([UInt8](repeating: 1, count: 16)))$\(Base64URL.encode([UInt8](repeating: 2, count: 32)))")
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        return try await hasher.verify("password1", against: hash) ? "match" : "no match"
                    } catch is PasswordHasherBusy {
                        return "busy"
                    } catch {
                        return "error"
                    }
                }
            }
            var all: [String] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(await hasher.peakRunning == 1)
        #expect(outcomes.filter { $0 == "no match" }.count == 4)
        #expect(outcomes.filter { $0 == "busy" }.count == 4)
    }
}
