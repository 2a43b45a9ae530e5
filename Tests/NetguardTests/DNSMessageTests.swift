import TestSupport
import Testing
@testable import Netguard

/// DNS messages built by hand: answers, CNAME chains, compression, and every way a message can lie about lengths.
@Suite struct DNSMessageTests {
    enum Packet {
        static func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

        static func name(_ text: String) -> [UInt8] {
            text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
        }

        static func pointer(_ offset: Int) -> [UInt8] { [0xC0 | UInt8(offset >> 8), UInt8(offset & 0xFF)] }

        static func record(_ owner: [UInt8], type: UInt16, ttl: UInt32 = 60, _ data: [UInt8]) -> [UInt8] {
            owner + u16(type) + u16(1) + u16(UInt16(ttl >> 16)) + u16(UInt16(ttl & 0xFFFF)) + u16(UInt16(data.count)) + data
        }

        static func response(id: UInt16 = 0x1234, flags: UInt16 = 0x8180, question: String = "tracker.test",
                             type: UInt16 = 1, answers: [[UInt8]]) -> [UInt8] {
            u16(id) + u16(flags) + u16(1) + u16(UInt16(answers.count)) + u16(0) + u16(0)
                + name(question) + u16(type) + u16(1) + answers.flatMap { $0 }
        }
    }

    static let query = DNSQuery(id: 0x1234, host: "Tracker.TEST.", type: .a)!

    @Test func queryLayout() {
        let bytes = Self.query.bytes
        #expect(Array(bytes.prefix(12)) == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1])
        #expect(Array(bytes[12..<30]) == Packet.name("tracker.test") + [0, 1, 0, 1])
        #expect(Array(bytes[30...]) == [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0])  // OPT, 1232 bytes
        #expect(DNSQuery(id: 1, host: "bad name", type: .a) == nil)
        #expect(DNSQuery(id: 1, host: String(repeating: "a", count: 64) + ".test", type: .a) == nil)
        #expect(DNSQuery(id: 1, host: Array(repeating: "abcdefghi", count: 30).joined(separator: "."), type: .a) == nil)
        #expect(DNSQuery(id: 1, host: "..", type: .a) == nil)
    }

    @Test func answerWithCompressedCNAMEChain() throws {
        // tracker.test CNAME a.cdn.test (compressed against the question), a.cdn.test A 10.1.2.3 and 10.1.2.4.
        let cname = Packet.record(Packet.pointer(12), type: 5, ttl: 300, [1, UInt8(ascii: "a"), 3] + Array("cdn".utf8) + Packet.pointer(20))
        let aliasOffset = 12 + 14 + 4 + 12  // question, then the CNAME's owner pointer and fixed fields
        let a1 = Packet.record(Packet.pointer(aliasOffset), type: 1, ttl: 30, [10, 1, 2, 3])
        let a2 = Packet.record(Packet.pointer(aliasOffset), type: 1, ttl: 40, [10, 1, 2, 4])
        let response = try DNSResponse(parsing: Packet.response(answers: [cname, a1, a2]))
        #expect(response.answers(Self.query))
        #expect(response.answers.map(\.name) == ["tracker.test", "a.cdn.test", "a.cdn.test"])
        let found = try #require(response.addresses(for: "tracker.test", type: .a))
        #expect(found.addresses.map(\.description) == ["10.1.2.3", "10.1.2.4"])
        #expect(found.ttl == 30)
        #expect(response.addresses(for: "tracker.test", type: .aaaa) == nil)
    }

    @Test func mismatchesAreNotAnswers() throws {
        let other = try DNSResponse(parsing: Packet.response(id: 0x1235, answers: []))
        #expect(!other.answers(Self.query))
        let name = try DNSResponse(parsing: Packet.response(question: "tracker.evil", answers: []))
        #expect(!name.answers(Self.query))
        let type = try DNSResponse(parsing: Packet.response(type: 28, answers: []))
        #expect(!type.answers(Self.query))
        // Records for other names are not taken, even in a matching answer.
        let stray = try DNSResponse(parsing: Packet.response(answers: [Packet.record(Packet.name("evil.test"), type: 1, [6, 6, 6, 6])]))
        #expect(stray.addresses(for: "tracker.test", type: .a) == nil)
    }

    @Test func cnameLoopsAndLongChainsEnd() throws {
        let loop = [
            Packet.record(Packet.name("tracker.test"), type: 5, Packet.name("b.test")),
            Packet.record(Packet.name("b.test"), type: 5, Packet.name("tracker.test")),
        ]
        #expect(try DNSResponse(parsing: Packet.response(answers: loop)).addresses(for: "tracker.test", type: .a) == nil)
        var chain = (0..<20).map { Packet.record(Packet.name("n\($0).test"), type: 5, Packet.name("n\($0 + 1).test")) }
        chain.append(Packet.record(Packet.name("n20.test"), type: 1, [1, 2, 3, 4]))
        let response = try DNSResponse(parsing: Packet.response(question: "n0.test", answers: chain))
        #expect(response.addresses(for: "n0.test", type: .a, maxChain: 8) == nil)
        #expect(response.addresses(for: "n0.test", type: .a, maxChain: 20)?.addresses.map(\.description) == ["1.2.3.4"])
    }

    @Test(arguments: [
        // A pointer to itself, a pointer forwards, a pointer into its own name, two pointers to each other.
        ("self", Packet.response(answers: [Packet.pointer(30) + Packet.u16(1)]), "compression pointer to 30 does not point backwards"),
        ("forward", Packet.response(answers: [Packet.pointer(200)]), "compression pointer to 200 does not point backwards"),
        ("into own name", Packet.response(answers: [[1, 65] + Packet.pointer(30)]), "compression pointer to 30 does not point backwards"),
    ])
    func compressionLoopsAreRefused(label: String, message: [UInt8], reason: String) {
        #expect(throws: DNSMessageError(offset: label == "into own name" ? 32 : 30, reason: reason)) {
            try DNSResponse(parsing: message)
        }
    }

    @Test(arguments: [10, 17])
    func pointerChainsAreBounded(pointers: Int) throws {
        // A first record of another type carries "x" and a run of pointers, each to the one before; the second
        // record's owner is reached through `pointers` pointers in a row.
        var message = Packet.response(answers: [])
        message[7] = 2
        message += Packet.name("y") + Packet.u16(99) + Packet.u16(1) + [0, 0, 0, 1]
        let lengthAt = message.count
        message += [0, 0]
        let dataStart = message.count
        var previous = message.count
        message += Packet.name("x")
        for _ in 0..<(pointers - 1) {
            let here = message.count
            message += Packet.pointer(previous)
            previous = here
        }
        message.replaceSubrange(lengthAt..<(lengthAt + 2), with: Packet.u16(UInt16(message.count - dataStart)))
        message += Packet.pointer(previous) + Packet.u16(1) + Packet.u16(1) + [0, 0, 0, 1] + Packet.u16(4) + [1, 2, 3, 4]
        if pointers <= DNSName.maxPointers {
            #expect(try DNSResponse(parsing: message).answers.last?.name == "x")
        } else {
            #expect(throws: DNSMessageError.self) { try DNSResponse(parsing: message) }
            do {
                _ = try DNSResponse(parsing: message)
            } catch {
                #expect(error.reason == "too many compression pointers")
            }
        }
    }

    @Test func lengthsAreChecked() {
        #expect(throws: DNSMessageError(offset: 0, reason: "5 bytes, a header needs 12")) { try DNSResponse(parsing: [1, 2, 3, 4, 5]) }
        var query = Packet.response(answers: [])
        query[2] = 0x01  // QR clear
        #expect(throws: DNSMessageError(offset: 2, reason: "not a response")) { try DNSResponse(parsing: query) }
        let longData = Packet.response(answers: [Packet.name("tracker.test") + Packet.u16(1) + Packet.u16(1) + [0, 0, 0, 1] + Packet.u16(400) + [1, 2, 3, 4]])
        #expect(throws: DNSMessageError(offset: 52, reason: "record data of 400 bytes runs past the end")) { try DNSResponse(parsing: longData) }
        let shortA = Packet.response(answers: [Packet.record(Packet.name("tracker.test"), type: 1, [1, 2, 3])])
        #expect(throws: DNSMessageError(offset: 54, reason: "address record with 3 bytes")) { try DNSResponse(parsing: shortA) }
        let label = Packet.response(answers: [[40, 65, 66]])
        #expect(throws: DNSMessageError(offset: 30, reason: "label runs past the end")) { try DNSResponse(parsing: label) }
        let longName = Packet.response(answers: [Array(repeating: [63] + [UInt8](repeating: 97, count: 63), count: 5).flatMap { $0 } + [0]])
        #expect(throws: DNSMessageError.self) { try DNSResponse(parsing: longName) }
        let twoQuestions = { var m = Packet.response(answers: []); m[5] = 2; return m }()
        #expect(throws: DNSMessageError(offset: 4, reason: "2 questions, expected 1")) { try DNSResponse(parsing: twoQuestions) }
        let cnameOverrun = Packet.response(answers: [Packet.record(Packet.name("tracker.test"), type: 5, [3, 97, 98])])
        #expect(throws: DNSMessageError.self) { try DNSResponse(parsing: cnameOverrun) }
    }

    @Test func answersAreBounded() throws {
        let many = (0..<300).map { Packet.record(Packet.pointer(12), type: 1, [10, 0, UInt8($0 >> 8), UInt8($0 & 0xFF)]) }
        var message = Packet.response(answers: many)
        message.replaceSubrange(6..<8, with: Packet.u16(300))
        let response = try DNSResponse(parsing: message)
        #expect(response.answers.count == DNSResponse.maxAnswers)
    }

    /// Random bytes, and real answers with random damage: never a crash, never an out-of-bounds read.
    @Test func garbage() {
        var random = SplitMix64(seed: 0xD115)
        let cname = Packet.record(Packet.pointer(12), type: 5, ttl: 300, [1, 97] + Packet.pointer(20))
        let real = Packet.response(answers: [cname, Packet.record(Packet.pointer(42), type: 1, [10, 1, 2, 3]),
                                             Packet.record(Packet.pointer(42), type: 28, [UInt8](repeating: 1, count: 16))])
        var parsed = 0
        for round in 0..<30_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if bytes.count > 12, round % 4 == 0 { bytes[2] = 0x81; bytes[3] = 0x80; bytes[4] = 0; bytes[5] = 1 }
            } else {
                bytes = real
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                if round % 5 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random))) }
            }
            if let response = try? DNSResponse(parsing: bytes) {
                parsed += 1
                _ = response.addresses(for: "tracker.test", type: .a)
            }
        }
        #expect(parsed > 1000)
    }
}

@Suite struct DNSCacheTests {
    let t0 = ContinuousClock.now
    let a = [IPAddress(text: "10.0.0.1")!]

    @Test func keepsForTheClampedTTL() {
        var cache = DNSCache(capacity: 4, minimumTTL: .seconds(5), maximumTTL: .seconds(60))
        let key = DNSCache.Key(name: "t.test", includesIPv6: false)
        cache.insert(a, for: key, ttl: 1, now: t0)
        #expect(cache.lookup(key, now: t0 + .seconds(4)) == a)  // floor: 5 s
        #expect(cache.lookup(key, now: t0 + .seconds(5)) == nil)
        cache.insert(a, for: key, ttl: 86_400, now: t0)
        #expect(cache.lookup(key, now: t0 + .seconds(59)) == a)  // ceiling: 60 s
        #expect(cache.lookup(key, now: t0 + .seconds(61)) == nil)
        #expect(cache.lookup(.init(name: "t.test", includesIPv6: true), now: t0) == nil)
        cache.insert(a, for: .init(name: "zero.test", includesIPv6: false), ttl: 0, now: t0)
        #expect(cache.lookup(.init(name: "zero.test", includesIPv6: false), now: t0) == nil)
    }

    @Test func staysWithinCapacity() {
        var cache = DNSCache(capacity: 3, minimumTTL: .seconds(1), maximumTTL: .seconds(1000))
        for index in 0..<10 {
            cache.insert(a, for: .init(name: "n\(index).test", includesIPv6: false), ttl: UInt32(100 + index), now: t0)
            #expect(cache.count <= 3)
        }
        // The entries closest to expiry went first: the last three stay.
        #expect(cache.lookup(.init(name: "n9.test", includesIPv6: false), now: t0) == a)
        #expect(cache.lookup(.init(name: "n0.test", includesIPv6: false), now: t0) == nil)
    }
}
