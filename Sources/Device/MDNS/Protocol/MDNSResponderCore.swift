/// The mDNS responder's protocol logic (RFC 6762, with DNS-SD per RFC 6763), without sockets or clocks: packets and
/// the time go in, packets to send come out. `MDNSResponder` runs it on its socket thread; tests drive it directly.
///
/// Life: **probing** — three probes 250 ms apart for the unique names (both host names, the service instance), each
/// a query for the names with our proposed records in the authority section; a response that claims one of the
/// names, or a simultaneous probe that wins the tie-break (§8.2), makes it pick another name (`rill-2`, `rill-3`, ...)
/// or wait a second and probe again. **Announcing** — two unsolicited responses a second apart. **Answering** —
/// questions for our names, on the interface they came in on, with that interface's addresses: unique answers at
/// once, shared ones (PTR) after 20–120 ms; known answers suppressed (§7.1); QU questions answered by unicast when
/// the records were multicast recently (§5.4); legacy unicast (source port ≠ 5353) answered to the asker with its id,
/// the questions and TTLs of at most 10 s (§6.7); a record multicast at most once a second per interface (§6.2).
/// A conflicting response after probing sends it back to probing (§9). `goodbye()` makes the TTL-0 announcements.
///
/// Not `Sendable`: one thread owns it.
public final class MDNSResponderCore {
    public enum Phase: String, Sendable {
        case probing, announcing, answering, stopped
    }

    /// TTLs of RFC 6762 §10: records with a host name in them 120 s, the others 75 minutes.
    static let hostTTL: UInt32 = 120
    static let otherTTL: UInt32 = 4500
    static let legacyTTL: UInt32 = 10
    static let maxPending = 32

    public private(set) var phase = Phase.probing
    public private(set) var interfaces: [MDNSInterface]
    let settings: MDNSSettings
    private let random: (ClosedRange<Int>) -> Int

    /// Renames so far, per name: 0 is the configured name, 1 gives `-2`, 2 gives `-3`...
    private var hostRenames = 0
    private var uniqueRenames = 0
    private var instanceRenames = 0

    private var probesSent = 0
    private var announcementsSent = 0
    private var nextStep: Double?
    private var probeStarts: [Double] = []
    private var pending: [(due: Double, send: MDNSSend)] = []
    /// When each of our records was last multicast on an interface: key "interface|name|type|data".
    private var lastMulticast: [String: Double] = [:]
    public private(set) var questionsAnswered = 0
    public private(set) var conflicts = 0

    /// `random(range)` picks delays in milliseconds; tests pass a fixed one.
    public init(settings: MDNSSettings, interfaces: [MDNSInterface], random: @escaping (ClosedRange<Int>) -> Int = { Int.random(in: $0) }) {
        self.settings = settings
        self.interfaces = interfaces
        self.random = random
    }

    // MARK: names and records

    static let local = DNSName(labels: [Array("local".utf8)])!
    static let serviceType = DNSName("_http._tcp.local")!
    static let serviceEnumeration = DNSName("_services._dns-sd._udp.local")!

    /// `rill.local`, or `rill-2.local` after a conflict.
    public var hostName: DNSName { Self.name(settings.hostname, renames: hostRenames) }
    /// `rill-3f9a.local`, or `rill-3f9a-2.local` after a conflict.
    public var uniqueHostName: DNSName { Self.name(settings.hostname + "-" + settings.suffix, renames: uniqueRenames) }
    /// `Rill rill-3f9a._http._tcp.local`, or `Rill rill-3f9a (2)._http._tcp.local` after a conflict.
    public var instanceName: DNSName {
        let label = "Rill \(settings.hostname)-\(settings.suffix)" + (instanceRenames == 0 ? "" : " (\(instanceRenames + 1))")
        return DNSName(label: label, parent: Self.serviceType) ?? Self.serviceType
    }

    private static func name(_ base: String, renames: Int) -> DNSName {
        let label = renames == 0 ? base : "\(base)-\(renames + 1)"
        return DNSName(labels: [Array(label.utf8)] + local.labels) ?? local
    }

    /// Our unique names (the ones probed for).
    var uniqueNames: [DNSName] { [hostName, uniqueHostName, instanceName] }

    /// Every record we own on `interface`, answers and NSECs (negative answers) included.
    func records(on interface: MDNSInterface) -> [DNSRecord] {
        var records: [DNSRecord] = []
        for host in [hostName, uniqueHostName] {
            records += interface.ipv4.map { DNSRecord(name: host, type: DNSType.a, cacheFlush: true, ttl: Self.hostTTL, data: .a($0)) }
            records += interface.ipv6.map { DNSRecord(name: host, type: DNSType.aaaa, cacheFlush: true, ttl: Self.hostTTL, data: .aaaa($0)) }
            let types = (interface.ipv4.isEmpty ? [] : [DNSType.a]) + (interface.ipv6.isEmpty ? [] : [DNSType.aaaa])
            records.append(DNSRecord(name: host, type: DNSType.nsec, cacheFlush: true, ttl: Self.hostTTL, data: .nsec(next: host, types: types)))
        }
        let instance = instanceName
        records.append(DNSRecord(name: Self.serviceType, type: DNSType.ptr, cacheFlush: false, ttl: Self.otherTTL, data: .ptr(instance)))
        records.append(DNSRecord(
            name: instance, type: DNSType.srv, cacheFlush: true, ttl: Self.hostTTL,
            data: .srv(priority: 0, weight: 0, port: settings.port, target: uniqueHostName)
        ))
        records.append(DNSRecord(
            name: instance, type: DNSType.txt, cacheFlush: true, ttl: Self.otherTTL, data: .txt(settings.txt.map { Array($0.utf8) })
        ))
        records.append(DNSRecord(
            name: instance, type: DNSType.nsec, cacheFlush: true, ttl: Self.hostTTL,
            data: .nsec(next: instance, types: [DNSType.txt, DNSType.srv])
        ))
        records.append(DNSRecord(
            name: Self.serviceEnumeration, type: DNSType.ptr, cacheFlush: false, ttl: Self.otherTTL, data: .ptr(Self.serviceType)
        ))
        return records
    }

    /// The records that are not NSECs (what probes propose and announcements carry).
    private func positiveRecords(on interface: MDNSInterface) -> [DNSRecord] {
        records(on: interface).filter { $0.type != DNSType.nsec }
    }

    // MARK: time

    /// When `tick(now:)` next has something to do; nil when nothing is scheduled.
    public var nextDeadline: Double? {
        let due = pending.map(\.due).min()
        switch (nextStep, due) {
        case (let step?, let due?): return min(step, due)
        case (let step?, nil): return step
        case (nil, let due): return due
        }
    }

    /// Starts probing after a random 0–250 ms (§8.1).
    public func start(now: Double) -> [MDNSSend] {
        restartProbing(now: now, delay: Double(random(0...250)) / 1000)
        return []
    }

    /// Sends what is due at `now`: probes, announcements, delayed answers.
    public func tick(now: Double) -> [MDNSSend] {
        var sends: [MDNSSend] = []
        let due = pending.filter { $0.due <= now }
        pending.removeAll { $0.due <= now }
        for item in due { sends += rateLimited(item.send, now: now) }
        guard let step = nextStep, step <= now else { return sends }
        switch phase {
        case .probing:
            if probesSent < 3 {
                sends += probes(first: probesSent == 0)
                probesSent += 1
                nextStep = now + 0.25
            } else {
                phase = .announcing
                announcementsSent = 0
                nextStep = now
                return sends + tick(now: now)
            }
        case .announcing:
            sends += announcements(now: now)
            announcementsSent += 1
            if announcementsSent >= 2 {
                phase = .answering
                nextStep = nil
            } else {
                nextStep = now + 1
            }
        case .answering, .stopped:
            nextStep = nil
        }
        return sends
    }

    private func restartProbing(now: Double, delay: Double) {
        probeStarts = probeStarts.filter { now - $0 < 10 } + [now]
        // §8.1: after 15 conflicts within 10 seconds, wait 5 seconds before probing again.
        let wait = probeStarts.count > 15 ? 5.0 : delay
        phase = .probing
        probesSent = 0
        nextStep = now + wait
        pending.removeAll()
    }

    private func probes(first: Bool) -> [MDNSSend] {
        interfaces.flatMap { interface -> [MDNSSend] in
            let questions = uniqueNames.map { DNSQuestion(name: $0, type: DNSType.any, unicastResponse: first) }
            let proposed = positiveRecords(on: interface).filter { uniqueNames.contains($0.name) }
            let message = DNSMessage(flags: DNSMessage.queryFlags, questions: questions, authorities: proposed)
            return families(of: interface).map { MDNSSend(message: message, destination: .multicast(interface: interface.index, family: $0)) }
        }
    }

    private func announcements(now: Double) -> [MDNSSend] {
        interfaces.flatMap { interface -> [MDNSSend] in
            let records = positiveRecords(on: interface)
            for record in records { lastMulticast[key(record, interface.index)] = now }
            let message = DNSMessage(flags: DNSMessage.responseFlags, answers: records)
            return families(of: interface).map { MDNSSend(message: message, destination: .multicast(interface: interface.index, family: $0)) }
        }
    }

    /// The families an interface is reached by: IPv4 when it has an IPv4 address, IPv6 when it has an IPv6 one.
    private func families(of interface: MDNSInterface) -> [MDNSFamily] {
        (interface.ipv4.isEmpty ? [] : [.v4]) + (interface.ipv6.isEmpty ? [] : [.v6])
    }

    // MARK: receiving

    /// Handles one message that arrived from `peer` (the socket layer has already dropped our own packets).
    public func receive(_ message: DNSMessage, from peer: MDNSPeer, now: Double) -> [MDNSSend] {
        guard phase != .stopped, message.opcode == 0,
              let interface = interfaces.first(where: { $0.index == peer.interface }) else { return [] }
        if message.isResponse {
            // §11: responses not from port 5353 are ignored.
            guard peer.port == MDNSAddress.port else { return [] }
            handleResponse(message, on: interface, now: now)
            return []
        }
        if message.isProbe, phase == .probing {
            handleSimultaneousProbe(message, on: interface, now: now)
            return []
        }
        guard phase != .probing else { return [] }
        return answer(message, from: peer, on: interface, now: now)
    }

    /// A response from someone else claiming one of our unique names with other data is a conflict.
    private func handleResponse(_ message: DNSMessage, on interface: MDNSInterface, now: Double) {
        let ours = records(on: interface)
        for record in message.answers + message.additionals where uniqueNames.contains(record.name) {
            // Goodbyes (TTL 0) and NSECs claim nothing.
            guard record.type != DNSType.nsec, record.ttl > 0, !ours.contains(where: { $0.isSameRecord(as: record) }) else { continue }
            // Another host's record of another type for a name we hold still means the name is taken.
            conflicts += 1
            switch phase {
            case .probing:
                rename(record.name)
                restartProbing(now: now, delay: 0)
            case .announcing, .answering:
                // §9: back to probing, which will meet the other host and rename.
                restartProbing(now: now, delay: 0)
            case .stopped:
                break
            }
            return
        }
    }

    /// §8.2: two hosts probing for the same name at once. The one whose proposed records compare lexicographically
    /// later wins; the loser waits a second and probes again.
    private func handleSimultaneousProbe(_ message: DNSMessage, on interface: MDNSInterface, now: Double) {
        let proposed = positiveRecords(on: interface)
        for name in uniqueNames {
            let theirs = message.authorities.filter { $0.name == name }
            guard !theirs.isEmpty else { continue }
            let mine = proposed.filter { $0.name == name }
            if Self.compare(mine, theirs) < 0 {
                conflicts += 1
                restartProbing(now: now, delay: 1)
                return
            }
        }
    }

    /// RFC 6762 §8.2: sort each side by class, type, data; compare pairwise; a side that runs out first is earlier.
    static func compare(_ lhs: [DNSRecord], _ rhs: [DNSRecord]) -> Int {
        func sortKey(_ record: DNSRecord) -> [UInt8] {
            [UInt8(record.class >> 8), UInt8(record.class & 0xFF), UInt8(record.type >> 8), UInt8(record.type & 0xFF)] + record.canonicalData
        }
        let left = lhs.map(sortKey).sorted { $0.lexicographicallyPrecedes($1) }
        let right = rhs.map(sortKey).sorted { $0.lexicographicallyPrecedes($1) }
        for (a, b) in zip(left, right) where a != b {
            return a.lexicographicallyPrecedes(b) ? -1 : 1
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }

    private func rename(_ name: DNSName) {
        if name == hostName { hostRenames += 1 }
        if name == uniqueHostName { uniqueRenames += 1 }
        if name == instanceName { instanceRenames += 1 }
    }

    private func answer(_ message: DNSMessage, from peer: MDNSPeer, on interface: MDNSInterface, now: Double) -> [MDNSSend] {
        let ours = records(on: interface)
        var answers: [DNSRecord] = []
        func add(_ record: DNSRecord) {
            if !answers.contains(where: { $0.isSameRecord(as: record) }) { answers.append(record) }
        }
        for question in message.questions {
            let matched = ours.filter { $0.type != DNSType.nsec && question.isAnswered(by: $0) }
            matched.forEach(add)
            // A question for a type one of our unique names lacks (AAAA without IPv6): the NSEC says so (§6.1).
            if matched.isEmpty, question.type != DNSType.any,
               let negative = ours.first(where: { $0.type == DNSType.nsec && $0.name == question.name }) {
                add(negative)
            }
        }
        // §7.1 known-answer suppression.
        answers.removeAll { record in
            message.answers.contains { $0.isSameRecord(as: record) && $0.ttl >= record.ttl / 2 }
        }
        guard !answers.isEmpty else { return [] }
        questionsAnswered += message.questions.count

        let additionals = self.additionals(for: answers, among: ours)
        let legacy = peer.port != MDNSAddress.port
        if legacy {
            // §6.7: straight back, with the query's id and questions, short TTLs and no cache-flush bits.
            func legacyForm(_ record: DNSRecord) -> DNSRecord {
                var copy = record
                copy.cacheFlush = false
                copy.ttl = min(copy.ttl, Self.legacyTTL)
                return copy
            }
            let reply = DNSMessage(
                id: message.id, flags: DNSMessage.responseFlags, questions: message.questions,
                answers: answers.map(legacyForm), additionals: additionals.map(legacyForm)
            )
            return [MDNSSend(message: reply, destination: .unicast(peer))]
        }
        let reply = DNSMessage(flags: DNSMessage.responseFlags, answers: answers, additionals: additionals)
        let wantsUnicast = !message.questions.isEmpty && message.questions.allSatisfy(\.unicastResponse)
        // §5.4: a QU question gets a unicast answer unless the records have not been multicast for a quarter of their
        // TTL on this interface (then everybody benefits from a multicast).
        let multicastRecently = answers.allSatisfy { record in
            lastMulticast[key(record, interface.index)].map { now - $0 < Double(record.ttl) / 4 } ?? false
        }
        if wantsUnicast && multicastRecently {
            return [MDNSSend(message: reply, destination: .unicast(peer))]
        }
        let send = MDNSSend(message: reply, destination: .multicast(interface: interface.index, family: peer.family))
        // §6: answers that are all unique go at once; shared ones (PTR) after 20-120 ms.
        if answers.allSatisfy(\.cacheFlush) {
            return rateLimited(send, now: now, probeDefense: message.isProbe)
        }
        if pending.count < Self.maxPending {
            pending.append((now + Double(random(20...120)) / 1000, send))
        }
        return []
    }

    /// RFC 6763 §12 additional records: for a PTR, the SRV and TXT of the instance and the target's addresses; for
    /// an SRV, the target's addresses; for an address, the other family's and the NSEC.
    private func additionals(for answers: [DNSRecord], among ours: [DNSRecord]) -> [DNSRecord] {
        var wanted: [DNSRecord] = []
        func add(_ record: DNSRecord) {
            if !answers.contains(where: { $0.isSameRecord(as: record) }) && !wanted.contains(where: { $0.isSameRecord(as: record) }) {
                wanted.append(record)
            }
        }
        func addHost(_ host: DNSName) {
            for record in ours where record.name == host { add(record) }
        }
        for answer in answers {
            switch answer.data {
            case .ptr(let target) where target == instanceName:
                for record in ours where record.name == instanceName { add(record) }
                addHost(uniqueHostName)
            case .srv(_, _, _, let target):
                addHost(target)
            case .a, .aaaa:
                addHost(answer.name)
            default:
                break
            }
        }
        return wanted
    }

    /// Drops the records of a multicast answer that went out on this interface less than a second ago (a quarter
    /// second when defending against a probe, §6.2); nothing is sent when none remain.
    private func rateLimited(_ send: MDNSSend, now: Double, probeDefense: Bool = false) -> [MDNSSend] {
        guard case .multicast(let interface, _) = send.destination else { return [send] }
        let gap = probeDefense ? 0.25 : 1.0
        var message = send.message
        message.answers.removeAll { record in
            lastMulticast[key(record, interface)].map { now - $0 < gap } ?? false
        }
        guard !message.answers.isEmpty else { return [] }
        for record in message.answers + message.additionals { lastMulticast[key(record, interface)] = now }
        return [MDNSSend(message: message, destination: send.destination)]
    }

    private func key(_ record: DNSRecord, _ interface: UInt32) -> String {
        "\(interface)|\(record.name)|\(record.type)|\(record.data)"
    }

    // MARK: changes and the end

    /// The LAN interfaces or their addresses changed: a new interface means probing again (there may be a conflict on
    /// its link); changed addresses mean announcing again, with goodbyes for the addresses that went away.
    public func interfacesChanged(_ new: [MDNSInterface], now: Double) -> [MDNSSend] {
        guard new != interfaces, phase != .stopped else { return [] }
        var sends: [MDNSSend] = []
        for old in interfaces {
            let current = new.first { $0.index == old.index }
            let gone = positiveRecords(on: old).filter { record in
                !(current.map { positiveRecords(on: $0) } ?? []).contains { $0.isSameRecord(as: record) }
            }
            guard !gone.isEmpty else { continue }
            sends += goodbyes(gone, on: old)
        }
        let added = new.contains { candidate in !interfaces.contains { $0.index == candidate.index } }
        interfaces = new
        lastMulticast.removeAll()
        if added || phase == .probing {
            restartProbing(now: now, delay: Double(random(0...250)) / 1000)
        } else {
            phase = .announcing
            announcementsSent = 0
            nextStep = now
        }
        return sends
    }

    /// The goodbye packets (every record with TTL 0, §10.1) for a clean stop; the responder is stopped afterwards.
    public func goodbye() -> [MDNSSend] {
        defer {
            phase = .stopped
            nextStep = nil
            pending.removeAll()
        }
        guard phase != .probing, phase != .stopped else { return [] }
        return interfaces.flatMap { goodbyes(positiveRecords(on: $0), on: $0) }
    }

    private func goodbyes(_ records: [DNSRecord], on interface: MDNSInterface) -> [MDNSSend] {
        let dead = records.map { record -> DNSRecord in
            var copy = record
            copy.ttl = 0
            return copy
        }
        let message = DNSMessage(flags: DNSMessage.responseFlags, answers: dead)
        return families(of: interface).map { MDNSSend(message: message, destination: .multicast(interface: interface.index, family: $0)) }
    }
}
