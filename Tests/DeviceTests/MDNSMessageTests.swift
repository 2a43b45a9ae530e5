import TestSupport
import Testing

@testable import Device

/// The DNS message parser and writer of the mDNS responder: records of every type it uses, compression, and every
/// way a packet can lie (pointer loops, forward pointers, long names, counts, lengths), plus random garbage.
@Suite struct MDNSMessageTests {
    enum Packet {
        static func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
        static func name(_ text: String) -> [UInt8] {
            text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
        }
        static func header(id: UInt16 = 0, flags: UInt16 = 0, counts: [UInt16]) -> [UInt8] {
            u16(id) + u16(flags) + counts.flatMap(u16)
        }
        static func record(_ owner: [UInt8], type: UInt16, ttl: UInt32 = 120, _ data: [UInt8]) -> [UInt8] {
            owner + u16(type) + u16(0x8001) + u16(UInt16(ttl >> 16)) + u16(UInt16(ttl & 0xFFFF)) + u16(UInt16(data.count)) + data
        }
    }

    static let host = DNSName("rill.local")!

    @Test("every record type round-trips, names are compressed, and compare without case")
    func roundTrip() throws {
        let instance = try #require(DNSName(label: "Rill rill-3f9a", parent: DNSName("_http._tcp.local")!))
        let message = DNSMessage(
            id: 7, flags: DNSMessage.responseFlags,
            questions: [DNSQuestion(name: Self.host, type: DNSType.any, unicastResponse: true)],
            answers: [
                DNSRecord(name: Self.host, type: DNSType.a, cacheFlush: true, ttl: 120, data: .a([192, 168, 1, 5])),
                DNSRecord(name: Self.host, type: DNSType.aaaa, cacheFlush: true, ttl: 120, data: .aaaa([0xFE, 0x80] + Array(repeating: 0, count: 13) + [1])),
                DNSRecord(name: DNSName("_http._tcp.local")!, type: DNSType.ptr, cacheFlush: false, ttl: 4500, data: .ptr(instance)),
                DNSRecord(name: instance, type: DNSType.srv, cacheFlush: true, ttl: 120, data: .srv(priority: 0, weight: 0, port: 8080, target: Self.host)),
                DNSRecord(name: instance, type: DNSType.txt, cacheFlush: true, ttl: 4500, data: .txt([Array("path=/".utf8), []])),
            ],
            additionals: [DNSRecord(name: Self.host, type: DNSType.nsec, cacheFlush: true, ttl: 120, data: .nsec(next: Self.host, types: [1, 28]))]
        )
        let bytes = message.encoded
        #expect(try DNSMessage(parsing: bytes) == message)
        // rill.local is written in full once, and once more as the NSEC's next name (never compressed); elsewhere
        // it is pointed at.
        let full = Packet.name("rill.local")
        #expect(bytes.indices.filter { Array(bytes[$0...].prefix(full.count)) == full }.count == 2)
        #expect(bytes.count < 250, "\(bytes.count) bytes")
        #expect(DNSName("RILL.Local") == Self.host)
        #expect(Set([DNSName("RILL.Local")!, Self.host]).count == 1)
        #expect(instance.description == "Rill rill-3f9a._http._tcp.local.")
        #expect(DNSName(labels: [Array(repeating: 0x61, count: 64)]) == nil)
        #expect(DNSName(String(repeating: "abcdefghi.", count: 26)) == nil)
        #expect(DNSName("a..b") == nil)
    }

    /// Expects `bytes` to be refused, with the offset and a reason containing `reason`.
    func refused(_ bytes: [UInt8], at offset: Int? = nil, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try DNSMessage(parsing: bytes)
            Issue.record("accepted: \(bytes)", sourceLocation: sourceLocation)
        } catch {
            if let offset { #expect(error.offset == offset, "\(error)", sourceLocation: sourceLocation) }
            #expect(error.reason.contains(reason), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("compression pointers: a loop, a forward pointer and a long chain are refused with the place")
    func pointers() {
        let one = Packet.header(counts: [1, 0, 0, 0])
        refused(one + [0xC0, 12] + Packet.u16(1) + Packet.u16(1), at: 12, "does not point backwards")
        refused(one + [0xC0, 40] + Packet.u16(1) + Packet.u16(1), at: 12, "does not point backwards")
        // Each name is a 60-byte label and a pointer to the name before it: the sixth is longer than 255 bytes.
        var long = Packet.header(counts: [6, 0, 0, 0]) + Packet.name("a") + Packet.u16(1) + Packet.u16(1)
        var previous = 12
        for _ in 0..<5 {
            let here = long.count
            long += [60] + Array(repeating: 0x78, count: 60) + [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)] + Packet.u16(1) + Packet.u16(1)
            previous = here
        }
        refused(long, "longer than 255 bytes")
        // Names that are only a pointer to the name before: every hop is legal, the 33rd is one too many.
        var hops = Packet.header(counts: [40, 0, 0, 0]) + Packet.name("a") + Packet.u16(1) + Packet.u16(1)
        var target = 12
        for _ in 0..<39 {
            let here = hops.count
            hops += [0xC0 | UInt8(target >> 8), UInt8(target & 0xFF)] + Packet.u16(1) + Packet.u16(1)
            target = here
        }
        refused(hops, "more than 32 compression pointers")
        refused(one + [0x80, 0x0C], "label type 0x2 is not supported")
    }

    @Test("lengths and counts: labels, names, record data, TXT strings, the packet and its counts are checked")
    func limits() {
        let one = Packet.header(counts: [1, 0, 0, 0])
        refused(one + [63] + Array(repeating: 0x61, count: 10), "runs past the end")
        refused(one + Packet.name(String(repeating: "abcdefghi.", count: 26)) + Packet.u16(1) + Packet.u16(1), "longer than 255 bytes")
        refused(Packet.header(counts: [65, 0, 0, 0]), at: 4, "65 questions")
        refused(Packet.header(counts: [0, 200, 57, 0]), at: 6, "257 records")
        refused(Array(repeating: 0, count: 9001), at: 0, "larger than 9000")
        refused([0, 0, 0], "header: message ends")
        let answer = Packet.header(flags: 0x8400, counts: [0, 1, 0, 0])
        refused(answer + Packet.record(Packet.name("rill.local"), type: DNSType.a, [1, 2, 3]), "A record of 3 bytes")
        refused(answer + Packet.record(Packet.name("rill.local"), type: DNSType.aaaa, [1, 2, 3, 4]), "AAAA record of 4 bytes")
        refused(answer + Packet.record(Packet.name("rill.local"), type: DNSType.txt, [5, 0x61]), "TXT string of 5 bytes runs past its record")
        refused(answer + Packet.record(Packet.name("rill.local"), type: DNSType.ptr, Packet.name("a.local") + [0]), "says 10 data bytes but holds 9")
        refused(answer + Packet.record(Packet.name("rill.local"), type: DNSType.nsec, Packet.name("a") + [0, 40] + [0]), "NSEC bitmap of 40 bytes")
        var tooLong = Packet.record(Packet.name("rill.local"), type: 99, [1, 2, 3, 4])
        tooLong[tooLong.count - 5] = 0x10  // claims 4100 data bytes
        refused(answer + tooLong, "runs past the end")
        let txt = (0..<65).flatMap { _ -> [UInt8] in [1, 0x61] }
        refused(answer + Packet.record(Packet.name("rill.local"), type: DNSType.txt, txt), "more than 64 TXT strings")
    }

    @Test("random bytes and mutated packets are refused or parsed, never trap, and refusals point inside the input")
    func garbage() {
        var generator = SplitMix64(seed: 0x6d646e73)
        let seed = DNSMessage(
            flags: DNSMessage.responseFlags, questions: [DNSQuestion(name: Self.host, type: 1)],
            answers: [DNSRecord(name: Self.host, type: DNSType.a, cacheFlush: true, ttl: 120, data: .a([10, 0, 0, 1]))]
        ).encoded
        var parsed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                bytes = seed
                for _ in 0..<(1 + generator.next() % 4) {
                    let index = Int(generator.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            do {
                let message = try DNSMessage(parsing: bytes)
                parsed += 1
                #expect((try? DNSMessage(parsing: message.encoded)) != nil)
            } catch {
                #expect(error.offset >= 0 && error.offset <= max(bytes.count, 1), "\(error) for \(bytes.count) bytes")
            }
        }
        #expect(parsed > 100, "mutations of a valid packet should often still parse (\(parsed))")
    }
}
