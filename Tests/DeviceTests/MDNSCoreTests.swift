import Testing

@testable import Device

/// The responder's protocol core, driven by hand through time: probing, announcing, answering (multicast, QU,
/// legacy unicast, delays, known answers, NSEC), conflicts and renames, tie-breaks, interface changes, goodbyes.
@Suite struct MDNSCoreTests {
    static let lan = MDNSInterface(
        index: 2, name: "lan0", ipv4: [[192, 168, 1, 20]], ipv6: [[0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20]]
    )
    static let settings = MDNSSettings(hostname: "rill", suffix: "3f9a", port: 8080, txt: ["path=/"], excludedInterfaces: [])
    static let asker = MDNSPeer(family: .v4, address: [192, 168, 1, 99], port: 5353, interface: 2)
    static let other = MDNSPeer(family: .v4, address: [192, 168, 1, 77], port: 5353, interface: 2)

    /// A core that has probed and announced (fixed "random" delays: the lowest of each range).
    static func answering(_ interfaces: [MDNSInterface] = [lan]) -> (MDNSResponderCore, Double) {
        let core = MDNSResponderCore(settings: settings, interfaces: interfaces, random: { $0.lowerBound })
        _ = core.start(now: 0)
        var now = 0.0
        while core.phase != .answering, now < 10 {
            _ = core.tick(now: now)
            now += 0.25
        }
        return (core, now + 5)
    }

    static func query(_ name: String, _ type: UInt16, qu: Bool = false, known: [DNSRecord] = []) -> DNSMessage {
        DNSMessage(flags: DNSMessage.queryFlags, questions: [DNSQuestion(name: DNSName(name)!, type: type, unicastResponse: qu)], answers: known)
    }

    @Test("probes three times 250 ms apart (QU first) with the proposed records, then announces twice a second apart")
    func probeAndAnnounce() throws {
        let core = MDNSResponderCore(settings: Self.settings, interfaces: [Self.lan], random: { $0.lowerBound })
        #expect(core.start(now: 0).isEmpty)
        #expect(core.nextDeadline == 0)
        var sent: [(Double, MDNSSend)] = []
        var now = 0.0
        while let next = core.nextDeadline, next < 10 {
            now = next
            sent += core.tick(now: now).map { (now, $0) }
        }
        #expect(core.phase == .answering)
        let probes = sent.filter { !$0.1.message.isResponse }
        #expect(probes.map(\.0) == [0, 0, 0.25, 0.25, 0.5, 0.5])  // IPv4 and IPv6 each
        let first = probes[0].1.message
        #expect(first.questions.map(\.name.description) == ["rill.local.", "rill-3f9a.local.", "Rill rill-3f9a._http._tcp.local."])
        #expect(first.questions.allSatisfy { $0.unicastResponse && $0.type == DNSType.any })
        #expect(probes[2].1.message.questions.allSatisfy { !$0.unicastResponse })
        #expect(Set(first.authorities.map(\.type)) == [DNSType.a, DNSType.aaaa, DNSType.srv, DNSType.txt])
        let announcements = sent.filter { $0.1.message.isResponse }
        #expect(announcements.map(\.0) == [0.75, 0.75, 1.75, 1.75])
        let records = announcements[0].1.message.answers
        #expect(records.contains { $0.name == DNSName("rill.local")! && $0.data == .a([192, 168, 1, 20]) && $0.cacheFlush && $0.ttl == 120 })
        #expect(records.contains { $0.data == .ptr(core.instanceName) && !$0.cacheFlush && $0.ttl == 4500 })
        #expect(records.contains { $0.data == .srv(priority: 0, weight: 0, port: 8080, target: DNSName("rill-3f9a.local")!) })
        #expect(announcements.map(\.1.destination) == [.multicast(interface: 2, family: .v4), .multicast(interface: 2, family: .v6)] + [.multicast(interface: 2, family: .v4), .multicast(interface: 2, family: .v6)])
    }

    @Test("answers an A question at once by multicast on the interface it came from, with the AAAA and NSEC as additionals")
    func answerA() throws {
        let (core, now) = Self.answering()
        let sends = core.receive(Self.query("RILL.local", DNSType.a), from: Self.asker, now: now)
        let send = try #require(sends.first)
        #expect(sends.count == 1)
        #expect(send.destination == .multicast(interface: 2, family: .v4))
        #expect(send.message.answers.map(\.data) == [.a([192, 168, 1, 20])])
        #expect(Set(send.message.additionals.map(\.type)) == [DNSType.aaaa, DNSType.nsec])
        // The same question within a second: the record was just multicast, so nothing (§6.2).
        #expect(core.receive(Self.query("rill.local", DNSType.a), from: Self.asker, now: now + 0.5).isEmpty)
        #expect(core.receive(Self.query("rill.local", DNSType.a), from: Self.asker, now: now + 1.1).count == 1)
        #expect(core.receive(Self.query("other.local", DNSType.a), from: Self.asker, now: now + 3).isEmpty)
    }

    @Test("a QU question is answered by unicast when the records were multicast within a quarter TTL, else by multicast")
    func unicastResponse() throws {
        let (core, now) = Self.answering()
        let recent = try #require(core.receive(Self.query("rill-3f9a.local", DNSType.a, qu: true), from: Self.asker, now: now).first)
        #expect(recent.destination == .unicast(Self.asker))
        let late = try #require(core.receive(Self.query("rill-3f9a.local", DNSType.a, qu: true), from: Self.asker, now: now + 60).first)
        #expect(late.destination == .multicast(interface: 2, family: .v4))
    }

    @Test("legacy unicast (source port not 5353, as dig sends): to the asker, with its id and question, TTL 10, no cache flush")
    func legacyUnicast() throws {
        let (core, now) = Self.answering()
        let dig = MDNSPeer(family: .v4, address: [192, 168, 1, 99], port: 40_123, interface: 2)
        var query = Self.query("rill.local", DNSType.a)
        query.id = 0xBEEF
        let send = try #require(core.receive(query, from: dig, now: now).first)
        #expect(send.destination == .unicast(dig))
        #expect(send.message.id == 0xBEEF)
        #expect(send.message.questions == query.questions)
        #expect(send.message.answers.allSatisfy { $0.ttl == 10 && !$0.cacheFlush })
        // And an mDNS response from such a port is ignored (§11).
        let fake = DNSMessage(flags: DNSMessage.responseFlags, answers: [DNSRecord(name: DNSName("rill.local")!, type: DNSType.a, cacheFlush: true, ttl: 120, data: .a([10, 0, 0, 1]))])
        _ = core.receive(fake, from: dig, now: now + 1)
        #expect(core.phase == .answering)
    }

    @Test("a PTR question is answered after 20-120 ms with SRV, TXT and addresses as additionals; known answers are suppressed")
    func ptrAndKnownAnswers() throws {
        let (core, now) = Self.answering()
        #expect(core.receive(Self.query("_http._tcp.local", DNSType.ptr), from: Self.asker, now: now).isEmpty)
        #expect(core.nextDeadline == now + 0.02)
        let send = try #require(core.tick(now: now + 0.02).first)
        #expect(send.message.answers.map(\.data) == [.ptr(core.instanceName)])
        #expect(Set(send.message.additionals.map(\.type)) == [DNSType.srv, DNSType.txt, DNSType.nsec, DNSType.a, DNSType.aaaa])
        let known = DNSRecord(name: DNSName("_http._tcp.local")!, type: DNSType.ptr, cacheFlush: false, ttl: 4000, data: .ptr(core.instanceName))
        #expect(core.receive(Self.query("_http._tcp.local", DNSType.ptr, known: [known]), from: Self.asker, now: now + 5).isEmpty)
        #expect(core.tick(now: now + 6).isEmpty)
        var stale = known
        stale.ttl = 100  // less than half of 4500: answered again
        _ = core.receive(Self.query("_http._tcp.local", DNSType.ptr, known: [stale]), from: Self.asker, now: now + 7)
        #expect(core.tick(now: now + 7.2).count == 1)
    }

    @Test("a question for a type the name lacks gets the NSEC; service enumeration is answered")
    func negativeAndEnumeration() throws {
        let (core, now) = Self.answering([MDNSInterface(index: 2, name: "lan0", ipv4: [[10, 0, 0, 5]], ipv6: [])])
        let send = try #require(core.receive(Self.query("rill.local", DNSType.aaaa), from: Self.asker, now: now).first)
        #expect(send.message.answers.map(\.data) == [.nsec(next: DNSName("rill.local")!, types: [DNSType.a])])
        _ = core.receive(Self.query("_services._dns-sd._udp.local", DNSType.ptr), from: Self.asker, now: now)
        let enumeration = try #require(core.tick(now: now + 1).first)
        #expect(enumeration.message.answers.map(\.data) == [.ptr(DNSName("_http._tcp.local")!)])
    }

    @Test("a response claiming our name while probing makes us rename (rill-2, then rill-3) and probe again")
    func conflictWhileProbing() throws {
        let core = MDNSResponderCore(settings: Self.settings, interfaces: [Self.lan], random: { $0.lowerBound })
        _ = core.start(now: 0)
        _ = core.tick(now: 0)
        let claim = DNSMessage(flags: DNSMessage.responseFlags, answers: [
            DNSRecord(name: DNSName("rill.local")!, type: DNSType.a, cacheFlush: true, ttl: 120, data: .a([192, 168, 1, 77])),
        ])
        _ = core.receive(claim, from: Self.other, now: 0.1)
        #expect(core.hostName == DNSName("rill-2.local")!)
        #expect(core.uniqueHostName == DNSName("rill-3f9a.local")!)
        #expect(core.phase == .probing)
        var second = claim
        second.answers[0].name = DNSName("rill-2.local")!
        _ = core.receive(second, from: Self.other, now: 0.2)
        #expect(core.hostName == DNSName("rill-3.local")!)
        // A goodbye claims nothing.
        var goodbye = claim
        goodbye.answers[0].name = DNSName("rill-3.local")!
        goodbye.answers[0].ttl = 0
        _ = core.receive(goodbye, from: Self.other, now: 0.3)
        #expect(core.hostName == DNSName("rill-3.local")!)
        #expect(core.conflicts == 2)
    }

    @Test("simultaneous probes: the lexicographically later records win, the loser probes again a second later")
    func tieBreak() throws {
        let core = MDNSResponderCore(settings: Self.settings, interfaces: [Self.lan], random: { $0.lowerBound })
        _ = core.start(now: 0)
        _ = core.tick(now: 0)
        func probe(_ address: [UInt8]) -> DNSMessage {
            DNSMessage(flags: DNSMessage.queryFlags, questions: [DNSQuestion(name: DNSName("rill.local")!, type: DNSType.any)], authorities: [
                DNSRecord(name: DNSName("rill.local")!, type: DNSType.a, cacheFlush: true, ttl: 120, data: .a(address)),
            ])
        }
        _ = core.receive(probe([192, 168, 1, 1]), from: Self.other, now: 0.1)  // theirs is earlier: we win
        #expect(core.nextDeadline == 0.25)
        _ = core.receive(probe([192, 168, 1, 200]), from: Self.other, now: 0.1)  // A sorts before AAAA: ours has more, but theirs 200 > 20
        #expect(core.nextDeadline == 1.1)
        #expect(core.hostName == DNSName("rill.local")!)
        #expect(MDNSResponderCore.compare([], []) == 0)
    }

    @Test("a conflicting response after probing sends it back to probing; a probe for our name is defended at once")
    func defend() throws {
        let (core, now) = Self.answering()
        let probe = DNSMessage(flags: DNSMessage.queryFlags, questions: [DNSQuestion(name: DNSName("rill.local")!, type: DNSType.any)], authorities: [
            DNSRecord(name: DNSName("rill.local")!, type: DNSType.a, cacheFlush: true, ttl: 120, data: .a([192, 168, 1, 77])),
        ])
        let defense = try #require(core.receive(probe, from: Self.other, now: now).first)
        #expect(defense.message.answers.contains { $0.data == .a([192, 168, 1, 20]) })
        let claim = DNSMessage(flags: DNSMessage.responseFlags, answers: probe.authorities)
        _ = core.receive(claim, from: Self.other, now: now + 1)
        #expect(core.phase == .probing)
        #expect(core.hostName == DNSName("rill.local")!)
    }

    @Test("changed addresses: goodbyes for the old ones and new announcements; a new interface: probing again; goodbye at stop")
    func changesAndGoodbye() throws {
        let (core, now) = Self.answering()
        var moved = Self.lan
        moved.ipv4 = [[192, 168, 1, 21]]
        let goodbyes = core.interfacesChanged([moved], now: now)
        #expect(goodbyes.count == 2)
        #expect(goodbyes[0].message.answers.allSatisfy { $0.ttl == 0 })
        #expect(goodbyes[0].message.answers.map(\.data).contains(.a([192, 168, 1, 20])))
        #expect(!goodbyes[0].message.answers.map(\.data).contains(.aaaa(Self.lan.ipv6[0])))
        #expect(core.phase == .announcing)
        let announced = core.tick(now: now)
        #expect(announced.first?.message.answers.contains { $0.data == .a([192, 168, 1, 21]) } == true)

        _ = core.interfacesChanged([moved, MDNSInterface(index: 3, name: "wlan0", ipv4: [[10, 0, 0, 2]], ipv6: [])], now: now + 1)
        #expect(core.phase == .probing)

        let (stopping, later) = Self.answering()
        let last = stopping.goodbye()
        #expect(last.count == 2)
        #expect(last.allSatisfy { $0.message.answers.allSatisfy { $0.ttl == 0 } })
        #expect(stopping.phase == .stopped)
        #expect(stopping.receive(Self.query("rill.local", DNSType.a), from: Self.asker, now: later).isEmpty)
    }
}
