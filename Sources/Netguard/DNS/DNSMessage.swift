/// The record types the engine asks for.
enum DNSRecordType: UInt16, Sendable {
    case a = 1
    case cname = 5
    case aaaa = 28
}

/// One question: a recursive query for A or AAAA records of a name, with an EDNS(0) record offering 1232-byte
/// answers (the size that avoids IP fragmentation, RFC 9715) so answers rarely come back truncated.
struct DNSQuery: Equatable {
    static let udpPayloadSize: UInt16 = 1232

    let id: UInt16
    /// The name in wire form, lowercased (`DNSName.encode`).
    let wireName: [UInt8]
    /// The name lowercased and dotted, as `DNSName.decode` returns names.
    let name: String
    let type: DNSRecordType

    init?(id: UInt16, host: String, type: DNSRecordType) {
        guard let wire = DNSName.encode(host) else { return nil }
        self.id = id
        wireName = wire
        var dotted = host.lowercased()
        if dotted.hasSuffix(".") { dotted.removeLast() }
        name = dotted
        self.type = type
    }

    var bytes: [UInt8] {
        var out = Self.u16(id) + Self.u16(0x0100) + Self.u16(1) + Self.u16(0) + Self.u16(0) + Self.u16(1)
        out += wireName + Self.u16(type.rawValue) + Self.u16(1)
        // OPT pseudo-record: root name, type 41, class = payload size, TTL 0 (extended rcode, version 0), no data.
        out += [0] + Self.u16(41) + Self.u16(Self.udpPayloadSize) + [0, 0, 0, 0] + Self.u16(0)
        return out
    }

    private static func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
}

/// A parsed response: the header fields that matter, the question it answers and its answer records.
struct DNSResponse: Equatable {
    enum Data: Equatable {
        case address(IPAddress)
        case cname(String)
        case other
    }

    struct Record: Equatable {
        let name: String
        let type: UInt16
        let ttl: UInt32
        let data: Data
    }

    static let maxAnswers = 64

    let id: UInt16
    let rcode: UInt8
    let truncated: Bool
    let questionName: String
    let questionType: UInt16
    let answers: [Record]

    /// Parses a response; everything read is bounds-checked, and only the first `maxAnswers` answers are kept.
    init(parsing message: [UInt8]) throws(DNSMessageError) {
        guard message.count >= 12 else { throw DNSMessageError(offset: 0, reason: "\(message.count) bytes, a header needs 12") }
        func u16(_ at: Int) -> UInt16 { UInt16(message[at]) << 8 | UInt16(message[at + 1]) }
        id = u16(0)
        let flags = u16(2)
        guard flags & 0x8000 != 0 else { throw DNSMessageError(offset: 2, reason: "not a response") }
        guard flags & 0x7800 == 0 else { throw DNSMessageError(offset: 2, reason: "not a standard query response") }
        truncated = flags & 0x0200 != 0
        rcode = UInt8(flags & 0x000F)
        guard u16(4) == 1 else { throw DNSMessageError(offset: 4, reason: "\(u16(4)) questions, expected 1") }
        let answerCount = Int(u16(6))

        let (name, afterName) = try DNSName.decode(message, at: 12)
        guard afterName + 4 <= message.count else { throw DNSMessageError(offset: afterName, reason: "question runs past the end") }
        questionName = name
        questionType = u16(afterName)
        guard u16(afterName + 2) == 1 else { throw DNSMessageError(offset: afterName + 2, reason: "question class is not IN") }

        var records: [Record] = []
        var offset = afterName + 4
        for _ in 0..<min(answerCount, Self.maxAnswers) {
            let (owner, afterOwner) = try DNSName.decode(message, at: offset)
            guard afterOwner + 10 <= message.count else {
                throw DNSMessageError(offset: afterOwner, reason: "record header runs past the end")
            }
            let type = u16(afterOwner)
            let recordClass = u16(afterOwner + 2)
            let ttl = UInt32(u16(afterOwner + 4)) << 16 | UInt32(u16(afterOwner + 6))
            let length = Int(u16(afterOwner + 8))
            let start = afterOwner + 10
            guard start + length <= message.count else {
                throw DNSMessageError(offset: afterOwner + 8, reason: "record data of \(length) bytes runs past the end")
            }
            var data = Data.other
            if recordClass == 1 {
                switch (type, length) {
                case (DNSRecordType.a.rawValue, 4), (DNSRecordType.aaaa.rawValue, 16):
                    data = IPAddress(bytes: message[start..<(start + length)]).map(Data.address) ?? .other
                case (DNSRecordType.a.rawValue, _), (DNSRecordType.aaaa.rawValue, _):
                    throw DNSMessageError(offset: start, reason: "address record with \(length) bytes")
                case (DNSRecordType.cname.rawValue, _):
                    let (target, end) = try DNSName.decode(message, at: start)
                    guard end <= start + length else { throw DNSMessageError(offset: start, reason: "CNAME runs past its record") }
                    data = .cname(target)
                default:
                    break
                }
            }
            records.append(Record(name: owner, type: type, ttl: ttl, data: data))
            offset = start + length
        }
        answers = records
    }

    /// Whether this is the answer to `query`: same id, same name (case-insensitively), same type.
    func answers(_ query: DNSQuery) -> Bool {
        id == query.id && questionName == query.name && questionType == query.type.rawValue
    }

    /// The addresses for `name` of `type`, following CNAMEs within this answer (at most `maxChain` links; a loop
    /// ends the chain). Returns them with the smallest TTL met on the way, or `nil` when the chain leads nowhere.
    func addresses(for name: String, type: DNSRecordType, maxChain: Int = 8) -> (addresses: [IPAddress], ttl: UInt32)? {
        var current = name
        var ttl = UInt32.max
        var visited: Set<String> = [current]
        for _ in 0...maxChain {
            let matching = answers.filter { $0.name == current && $0.type == type.rawValue }
            let found = matching.compactMap { record -> IPAddress? in
                if case .address(let address) = record.data { return address }
                return nil
            }
            if !found.isEmpty {
                return (found, min(ttl, matching.map(\.ttl).min() ?? ttl))
            }
            guard let alias = answers.first(where: { $0.name == current && $0.type == DNSRecordType.cname.rawValue }),
                  case .cname(let target) = alias.data, visited.insert(target).inserted else { return nil }
            ttl = min(ttl, alias.ttl)
            current = target
        }
        return nil
    }
}
