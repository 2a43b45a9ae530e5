/// Writes a DNS message, compressing names against the ones already written (RFC 1035 §4.1.4).
struct DNSWriter {
    var bytes: [UInt8] = []
    let compress: Bool
    /// Offsets of name suffixes already written, by their folded labels.
    private var suffixes: [[[UInt8]]: Int] = [:]

    init(compress: Bool) {
        self.compress = compress
    }

    mutating func u16(_ value: UInt16) {
        bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    mutating func u32(_ value: UInt32) {
        u16(UInt16(value >> 16))
        u16(UInt16(value & 0xFFFF))
    }

    mutating func name(_ name: DNSName, canonical: Bool = false) {
        let labels = canonical ? name.folded : name.labels
        let folded = name.folded
        for index in labels.indices {
            if compress, let earlier = suffixes[Array(folded[index...])] {
                u16(0xC000 | UInt16(earlier))
                return
            }
            if compress, bytes.count < 0x3FFF { suffixes[Array(folded[index...])] = bytes.count }
            bytes.append(UInt8(labels[index].count))
            bytes += labels[index]
        }
        bytes.append(0)
    }

    mutating func record(_ record: DNSRecord) {
        name(record.name)
        u16(record.type)
        u16(record.class | (record.cacheFlush ? DNSClass.topBit : 0))
        u32(record.ttl)
        let lengthAt = bytes.count
        u16(0)
        data(record.data, canonical: false)
        let length = bytes.count - lengthAt - 2
        bytes[lengthAt] = UInt8(length >> 8)
        bytes[lengthAt + 1] = UInt8(length & 0xFF)
    }

    /// Record data; names in PTR and SRV data are compressed (RFC 6762 §18.14 allows it), NSEC's next name never is.
    mutating func data(_ data: DNSRecordData, canonical: Bool) {
        switch data {
        case .a(let address), .aaaa(let address), .other(let address):
            bytes += address
        case .ptr(let target):
            name(target, canonical: canonical)
        case .srv(let priority, let weight, let port, let target):
            u16(priority)
            u16(weight)
            u16(port)
            name(target, canonical: canonical)
        case .txt(let strings):
            if strings.isEmpty { bytes.append(0) }
            for string in strings {
                let part = string.prefix(255)
                bytes.append(UInt8(part.count))
                bytes += part
            }
        case .nsec(let next, let types):
            var plain = DNSWriter(compress: false)
            plain.name(next, canonical: canonical)
            bytes += plain.bytes
            let low = types.filter { $0 < 256 }
            guard let highest = low.max() else { return }
            var bitmap = [UInt8](repeating: 0, count: Int(highest) / 8 + 1)
            for type in low { bitmap[Int(type) / 8] |= 0x80 >> UInt8(type % 8) }
            bytes += [0, UInt8(bitmap.count)] + bitmap
        }
    }
}
