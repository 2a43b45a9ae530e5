/// One DNS message as mDNS uses it (RFC 1035 §4, RFC 6762): header, questions, answers, authority records (a
/// probe's proposed records) and additional records.
public struct DNSMessage: Sendable, Equatable {
    public var id: UInt16
    /// The header's flag bits (QR, opcode, AA, TC, ...).
    public var flags: UInt16
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authorities: [DNSRecord]
    public var additionals: [DNSRecord]

    public init(
        id: UInt16 = 0, flags: UInt16, questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
        authorities: [DNSRecord] = [], additionals: [DNSRecord] = []
    ) {
        self.id = id
        self.flags = flags
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// QR clear, opcode 0: a query (or probe).
    public static let queryFlags: UInt16 = 0
    /// QR and AA set: every mDNS response (RFC 6762 §18.2, §18.4).
    public static let responseFlags: UInt16 = 0x8400

    public var isResponse: Bool { flags & 0x8000 != 0 }
    /// Opcode (bits 11–14); mDNS messages with another opcode than 0 are ignored (§18.3).
    public var opcode: UInt16 { (flags >> 11) & 0xF }
    /// TC: the asker has more known answers in following packets (§7.2).
    public var isTruncated: Bool { flags & 0x0200 != 0 }
    /// A query with records in the authority section is a probe (§8.1).
    public var isProbe: Bool { !isResponse && !authorities.isEmpty }

    /// The wire bytes, names compressed.
    public var encoded: [UInt8] {
        var writer = DNSWriter(compress: true)
        writer.u16(id)
        writer.u16(flags)
        writer.u16(UInt16(questions.count))
        writer.u16(UInt16(answers.count))
        writer.u16(UInt16(authorities.count))
        writer.u16(UInt16(additionals.count))
        for question in questions {
            writer.name(question.name)
            writer.u16(question.type)
            writer.u16(question.class | (question.unicastResponse ? DNSClass.topBit : 0))
        }
        for record in answers + authorities + additionals { writer.record(record) }
        return writer.bytes
    }

    /// Parses a message of at most `DNSLimits.maxMessageBytes`, checking every length, count and name pointer.
    public init(parsing bytes: [UInt8]) throws(DNSParseError) {
        var reader = DNSReader(bytes)
        guard bytes.count <= DNSLimits.maxMessageBytes else {
            throw DNSParseError(offset: 0, "message of \(bytes.count) bytes is larger than \(DNSLimits.maxMessageBytes)")
        }
        id = try reader.u16("header")
        flags = try reader.u16("header")
        let counts = [try reader.u16("header"), try reader.u16("header"), try reader.u16("header"), try reader.u16("header")].map(Int.init)
        guard counts[0] <= DNSLimits.maxQuestions else {
            throw DNSParseError(offset: 4, "\(counts[0]) questions, more than \(DNSLimits.maxQuestions)")
        }
        guard counts[1] + counts[2] + counts[3] <= DNSLimits.maxRecords else {
            throw DNSParseError(offset: 6, "\(counts[1] + counts[2] + counts[3]) records, more than \(DNSLimits.maxRecords)")
        }
        var questions: [DNSQuestion] = []
        for _ in 0..<counts[0] {
            let name = try reader.name("question name")
            let type = try reader.u16("question type")
            let rawClass = try reader.u16("question class")
            questions.append(DNSQuestion(
                name: name, type: type, class: rawClass & ~DNSClass.topBit, unicastResponse: rawClass & DNSClass.topBit != 0
            ))
        }
        self.questions = questions
        answers = try (0..<counts[1]).map { _ throws(DNSParseError) in try reader.record() }
        authorities = try (0..<counts[2]).map { _ throws(DNSParseError) in try reader.record() }
        additionals = try (0..<counts[3]).map { _ throws(DNSParseError) in try reader.record() }
        // Trailing bytes after the last record are ignored, as resolvers do.
    }
}

/// The parser's limits: an mDNS message fits in 9000 bytes (RFC 6762 §17); Rill's responder never needs more than
/// a few dozen questions or records from anyone.
public enum DNSLimits {
    public static let maxMessageBytes = 9000
    public static let maxQuestions = 64
    public static let maxRecords = 256
    /// Compression pointers followed for one name; each must point before the previous, so this is a second fence.
    public static let maxPointerHops = 32
    public static let maxTXTStrings = 64
}

/// A message that is not well-formed: the byte offset and what is wrong there.
public struct DNSParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "byte \(offset): \(reason)" }
}
