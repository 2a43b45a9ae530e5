/// DNS record types Rill's mDNS responder reads or writes.
public enum DNSType {
    public static let a: UInt16 = 1
    public static let ptr: UInt16 = 12
    public static let txt: UInt16 = 16
    public static let aaaa: UInt16 = 28
    public static let srv: UInt16 = 33
    public static let nsec: UInt16 = 47
    public static let any: UInt16 = 255
}

/// The class Internet, and the mDNS meaning of the class field's top bit: "unicast response wanted" in a question
/// (QU), "cache flush" in a record (RFC 6762 §5.4, §10.2).
public enum DNSClass {
    public static let internet: UInt16 = 1
    public static let any: UInt16 = 255
    public static let topBit: UInt16 = 0x8000
}

/// One question: a name, a type and whether the asker wants a unicast reply (QU).
public struct DNSQuestion: Sendable, Equatable {
    public var name: DNSName
    public var type: UInt16
    public var `class`: UInt16
    public var unicastResponse: Bool

    public init(name: DNSName, type: UInt16, class: UInt16 = DNSClass.internet, unicastResponse: Bool = false) {
        self.name = name
        self.type = type
        self.class = `class`
        self.unicastResponse = unicastResponse
    }

    /// Whether `record` answers this question (name, type or ANY, class IN or ANY).
    public func isAnswered(by record: DNSRecord) -> Bool {
        (type == DNSType.any || type == record.type) && (self.class == DNSClass.any || self.class == record.class)
            && name == record.name
    }
}

/// The data of a record, parsed for the types mDNS uses and kept raw for the others.
public enum DNSRecordData: Sendable, Equatable {
    case a([UInt8])
    case aaaa([UInt8])
    case ptr(DNSName)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    /// Character strings of at most 255 bytes each.
    case txt([[UInt8]])
    /// RFC 4034 §4: the next name and the types that exist (the responder only ever lists types below 256).
    case nsec(next: DNSName, types: [UInt16])
    case other([UInt8])
}

/// One resource record.
public struct DNSRecord: Sendable, Equatable {
    public var name: DNSName
    public var type: UInt16
    public var `class`: UInt16
    /// The mDNS cache-flush bit: this host is the only one with records of this name and type.
    public var cacheFlush: Bool
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, type: UInt16, class: UInt16 = DNSClass.internet, cacheFlush: Bool, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.class = `class`
        self.cacheFlush = cacheFlush
        self.ttl = ttl
        self.data = data
    }

    /// Same name, type, class and data: the same record, whatever its TTL and cache-flush bit.
    public func isSameRecord(as other: DNSRecord) -> Bool {
        name == other.name && type == other.type && self.class == other.class && data == other.data
    }

    /// The data in canonical wire form (names lowercase and uncompressed), for RFC 6762 §8.2's tie-break.
    var canonicalData: [UInt8] {
        var writer = DNSWriter(compress: false)
        writer.data(data, canonical: true)
        return writer.bytes
    }
}
