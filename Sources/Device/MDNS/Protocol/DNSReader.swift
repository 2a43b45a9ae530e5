/// Reads a DNS message front to back; every read checks the bounds and says what was being read when it fails.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func u8(_ what: String) throws(DNSParseError) -> UInt8 {
        guard offset < bytes.count else { throw DNSParseError(offset: offset, "\(what): message ends") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: String) throws(DNSParseError) -> UInt16 {
        guard offset + 2 <= bytes.count else { throw DNSParseError(offset: offset, "\(what): message ends") }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ what: String) throws(DNSParseError) -> UInt32 {
        let high = try u16(what)
        return UInt32(high) << 16 | UInt32(try u16(what))
    }

    mutating func take(_ count: Int, _ what: String) throws(DNSParseError) -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw DNSParseError(offset: offset, "\(what): message ends") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A name at the current offset, following compression pointers. A pointer must point before the place it was
    /// read from (so pointers cannot loop), hops are capped, and the name's length obeys DNS limits.
    mutating func name(_ what: String) throws(DNSParseError) -> DNSName {
        let start = offset
        var labels: [[UInt8]] = []
        var length = 1
        var position = offset
        var resumeAt: Int?
        var hops = 0
        while true {
            guard position < bytes.count else { throw DNSParseError(offset: position, "\(what) at byte \(start): message ends inside the name") }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 {
                    offset = resumeAt ?? position + 1
                    guard let name = DNSName(labels: labels) else {
                        throw DNSParseError(offset: start, "\(what): not a valid name")
                    }
                    return name
                }
                let count = Int(byte)
                guard position + 1 + count <= bytes.count else {
                    throw DNSParseError(offset: position, "\(what) at byte \(start): label of \(count) bytes runs past the end")
                }
                length += count + 1
                guard length <= DNSName.maxWireLength else {
                    throw DNSParseError(offset: position, "\(what) at byte \(start): longer than \(DNSName.maxWireLength) bytes")
                }
                labels.append(Array(bytes[position + 1...position + count]))
                position += 1 + count
            case 0xC0:
                guard position + 1 < bytes.count else { throw DNSParseError(offset: position, "\(what): message ends inside a pointer") }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < position else {
                    throw DNSParseError(offset: position, "\(what) at byte \(start): compression pointer to byte \(target) does not point backwards")
                }
                hops += 1
                guard hops <= DNSLimits.maxPointerHops else {
                    throw DNSParseError(offset: position, "\(what) at byte \(start): more than \(DNSLimits.maxPointerHops) compression pointers")
                }
                if resumeAt == nil { resumeAt = position + 2 }
                position = target
            default:
                throw DNSParseError(offset: position, "\(what) at byte \(start): label type 0x\(String(byte >> 6, radix: 16)) is not supported")
            }
        }
    }

    /// One resource record; the data of A, AAAA, PTR, SRV, TXT and NSEC records must fill their length exactly.
    mutating func record() throws(DNSParseError) -> DNSRecord {
        let name = try name("record name")
        let type = try u16("record type")
        let rawClass = try u16("record class")
        let ttl = try u32("record TTL")
        let length = Int(try u16("record data length"))
        let dataStart = offset
        guard dataStart + length <= bytes.count else {
            throw DNSParseError(offset: dataStart, "data of \(length) bytes of the \(type) record of \(name) runs past the end")
        }
        let data: DNSRecordData
        switch type {
        case DNSType.a:
            guard length == 4 else { throw DNSParseError(offset: dataStart, "A record of \(length) bytes, not 4") }
            data = .a(try take(4, "A record"))
        case DNSType.aaaa:
            guard length == 16 else { throw DNSParseError(offset: dataStart, "AAAA record of \(length) bytes, not 16") }
            data = .aaaa(try take(16, "AAAA record"))
        case DNSType.ptr:
            data = .ptr(try self.name("PTR target"))
        case DNSType.srv:
            let priority = try u16("SRV priority")
            let weight = try u16("SRV weight")
            let port = try u16("SRV port")
            data = .srv(priority: priority, weight: weight, port: port, target: try self.name("SRV target"))
        case DNSType.txt:
            var strings: [[UInt8]] = []
            while offset < dataStart + length {
                let count = Int(try u8("TXT string length"))
                guard offset + count <= dataStart + length else {
                    throw DNSParseError(offset: offset, "TXT string of \(count) bytes runs past its record")
                }
                guard strings.count < DNSLimits.maxTXTStrings else {
                    throw DNSParseError(offset: offset, "more than \(DNSLimits.maxTXTStrings) TXT strings")
                }
                strings.append(try take(count, "TXT string"))
            }
            data = .txt(strings)
        case DNSType.nsec:
            let next = try self.name("NSEC next name")
            var types: [UInt16] = []
            while offset < dataStart + length {
                let window = try u8("NSEC window")
                let size = Int(try u8("NSEC bitmap length"))
                guard (1...32).contains(size), offset + size <= dataStart + length else {
                    throw DNSParseError(offset: offset, "NSEC bitmap of \(size) bytes does not fit its record")
                }
                for (index, byte) in try take(size, "NSEC bitmap").enumerated() {
                    for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                        types.append(UInt16(window) << 8 | UInt16(index * 8 + bit))
                    }
                }
            }
            data = .nsec(next: next, types: types)
        default:
            data = .other(try take(length, "record data"))
        }
        guard offset == dataStart + length else {
            throw DNSParseError(offset: dataStart, "the \(type) record of \(name) says \(length) data bytes but holds \(offset - dataStart)")
        }
        return DNSRecord(
            name: name, type: type, class: rawClass & ~DNSClass.topBit, cacheFlush: rawClass & DNSClass.topBit != 0,
            ttl: ttl, data: data
        )
    }
}
