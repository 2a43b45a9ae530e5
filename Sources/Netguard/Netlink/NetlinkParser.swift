/// A netlink datagram that does not hold together: what was wrong and at which byte.
public struct NetlinkParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public var description: String { "netlink message at byte \(offset): \(reason)" }
}

/// Splits a netlink datagram into messages and decodes the link and address ones. Every length is checked
/// against what is left before it is used; integers are in host byte order, as netlink sends them.
enum NetlinkParser {
    static func parse(_ bytes: some Collection<UInt8>) throws(NetlinkParseError) -> [NetlinkMessage] {
        let bytes = Array(bytes)[...]
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= Netlink.headerSize else {
                throw NetlinkParseError(offset: offset, reason: "\(bytes.count - offset) bytes left, a header needs 16")
            }
            let length = Int(read(UInt32.self, bytes, offset))
            guard length >= Netlink.headerSize, length <= bytes.count - offset else {
                throw NetlinkParseError(offset: offset, reason: "length \(length) with \(bytes.count - offset) bytes left")
            }
            let type = read(UInt16.self, bytes, offset + 4)
            let sequence = read(UInt32.self, bytes, offset + 8)
            let body = bytes[(offset + Netlink.headerSize)..<(offset + length)]
            messages.append(try message(type: type, sequence: sequence, body: body))
            offset += Netlink.aligned(length)
        }
        return messages
    }

    private static func message(type: UInt16, sequence: UInt32, body: ArraySlice<UInt8>)
        throws(NetlinkParseError) -> NetlinkMessage {
        switch type {
        case Netlink.done:
            return .done(sequence: sequence)
        case Netlink.error:
            try need(4, in: body, what: "an error code")
            return .error(code: read(Int32.self, body, body.startIndex), sequence: sequence)
        case Netlink.newLink, Netlink.deleteLink:
            return .link(try link(body), deleted: type == Netlink.deleteLink)
        case Netlink.newAddress, Netlink.deleteAddress:
            return .address(try address(body), deleted: type == Netlink.deleteAddress)
        default:
            return .other(type: type)
        }
    }

    private static func link(_ body: ArraySlice<UInt8>) throws(NetlinkParseError) -> LinkInfo {
        try need(Netlink.linkHeaderSize, in: body, what: "struct ifinfomsg")
        let start = body.startIndex
        var info = LinkInfo(index: read(Int32.self, body, start + 4), flags: read(UInt32.self, body, start + 8))
        for (type, value) in try attributes(body.dropFirst(Netlink.linkHeaderSize)) {
            switch type {
            case Netlink.linkName:
                let name = value.prefix { $0 != 0 }
                guard name.count < 16 else { throw NetlinkParseError(offset: value.startIndex, reason: "interface name longer than 15 bytes") }
                info.name = String(decoding: name, as: UTF8.self)
            case Netlink.linkMTU where value.count >= 4:
                info.mtu = read(UInt32.self, value, value.startIndex)
            case Netlink.linkOperState where value.count >= 1:
                info.operState = value[value.startIndex]
            default:
                break
            }
        }
        return info
    }

    private static func address(_ body: ArraySlice<UInt8>) throws(NetlinkParseError) -> AddressInfo {
        try need(Netlink.addressHeaderSize, in: body, what: "struct ifaddrmsg")
        let start = body.startIndex
        var info = AddressInfo(index: read(UInt32.self, body, start + 4), prefixLength: body[start + 1],
                               scope: body[start + 3], flags: UInt32(body[start + 2]), address: nil)
        var local: IPAddress?
        var remote: IPAddress?
        for (type, value) in try attributes(body.dropFirst(Netlink.addressHeaderSize)) {
            switch type {
            case Netlink.addressAddress: remote = IPAddress(bytes: value)
            case Netlink.addressLocal: local = IPAddress(bytes: value)
            case Netlink.addressFlags where value.count >= 4: info.flags = read(UInt32.self, value, value.startIndex)
            default: break
            }
        }
        info.address = local ?? remote
        return info
    }

    /// The (type, value) pairs of a run of `struct rtattr`.
    private static func attributes(_ bytes: ArraySlice<UInt8>) throws(NetlinkParseError) -> [(UInt16, ArraySlice<UInt8>)] {
        var out: [(UInt16, ArraySlice<UInt8>)] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= Netlink.attributeHeaderSize {
            let length = Int(read(UInt16.self, bytes, offset))
            guard length >= Netlink.attributeHeaderSize, length <= bytes.endIndex - offset else {
                throw NetlinkParseError(offset: offset, reason: "attribute length \(length) with \(bytes.endIndex - offset) bytes left")
            }
            let type = read(UInt16.self, bytes, offset + 2) & Netlink.attributeTypeMask
            out.append((type, bytes[(offset + Netlink.attributeHeaderSize)..<(offset + length)]))
            offset += Netlink.aligned(length)
        }
        return out
    }

    private static func need(_ count: Int, in body: ArraySlice<UInt8>, what: String) throws(NetlinkParseError) {
        guard body.count >= count else {
            throw NetlinkParseError(offset: body.startIndex, reason: "\(body.count) bytes where \(what) needs \(count)")
        }
    }

    /// A fixed-width integer in host byte order at absolute index `offset`; the caller has checked the bounds.
    private static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: ArraySlice<UInt8>, _ offset: Int) -> T {
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { out in
            for position in 0..<MemoryLayout<T>.size { out[position] = bytes[offset + position] }
        }
        return value
    }
}
