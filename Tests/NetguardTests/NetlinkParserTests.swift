#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing
import Torrent
@testable import Netguard

/// Netlink messages built by hand, the tracker fed with them, and garbage.
@Suite struct NetlinkParserTests {
    /// Little helpers that lay out netlink structures in host byte order.
    enum Build {
        static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

        static func attribute(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
            let body = bytes(UInt16(4 + value.count)) + bytes(type) + value
            return body + [UInt8](repeating: 0, count: Netlink.aligned(body.count) - body.count)
        }

        static func message(_ type: UInt16, sequence: UInt32 = 0, _ body: [UInt8]) -> [UInt8] {
            let total = 16 + body.count
            let message = bytes(UInt32(total)) + bytes(type) + bytes(UInt16(0)) + bytes(sequence) + bytes(UInt32(0)) + body
            return message + [UInt8](repeating: 0, count: Netlink.aligned(total) - total)
        }

        static func link(_ type: UInt16 = Netlink.newLink, index: Int32, flags: UInt32, name: String?, oper: UInt8? = nil,
                         mtu: UInt32? = nil) -> [UInt8] {
            var body = [0, 0] + bytes(UInt16(1)) + bytes(index) + bytes(flags) + bytes(UInt32(0xFFFF_FFFF))
            if let name { body += attribute(Netlink.linkName, Array(name.utf8) + [0]) }
            if let mtu { body += attribute(Netlink.linkMTU, bytes(mtu)) }
            if let oper { body += attribute(Netlink.linkOperState, [oper]) }
            return message(type, body)
        }

        static func address(_ type: UInt16 = Netlink.newAddress, index: UInt32, _ text: String, prefix: UInt8,
                            local: String? = nil, flags: UInt32 = 0, scope: UInt8 = 0) -> [UInt8] {
            let address = IPAddress(text: text)!.bytes
            var body: [UInt8] = [address.count == 4 ? 2 : 10, prefix, 0, scope] + bytes(index)
            body += attribute(Netlink.addressAddress, address)
            if let local { body += attribute(Netlink.addressLocal, IPAddress(text: local)!.bytes) }
            body += attribute(Netlink.addressFlags, bytes(flags))
            return message(type, body)
        }
    }

    @Test func linkAndAddressMessagesParse() throws {
        let datagram = Build.link(index: 7, flags: 0x41, name: "wg0", oper: 0, mtu: 1420)
            + Build.address(index: 7, "10.0.0.1", prefix: 32, local: "10.64.0.2")
            + Build.message(Netlink.done, sequence: 9, Build.bytes(Int32(0)))
        let messages = try NetlinkParser.parse(datagram)
        #expect(messages == [
            .link(LinkInfo(index: 7, flags: 0x41, name: "wg0", mtu: 1420, operState: 0), deleted: false),
            .address(AddressInfo(index: 7, prefixLength: 32, scope: 0, flags: 0, address: IPAddress(text: "10.64.0.2")), deleted: false),
            .done(sequence: 9),
        ])
    }

    @Test func lengthsAreChecked() {
        let good = Build.link(index: 1, flags: 1, name: "lo")
        var tooLong = good
        tooLong.replaceSubrange(0..<4, with: Build.bytes(UInt32(good.count + 4)))
        #expect(throws: NetlinkParseError(offset: 0, reason: "length \(good.count + 4) with \(good.count) bytes left")) {
            try NetlinkParser.parse(tooLong)
        }
        var tooShort = good
        tooShort.replaceSubrange(0..<4, with: Build.bytes(UInt32(8)))
        #expect(throws: NetlinkParseError.self) { try NetlinkParser.parse(tooShort) }
        #expect(throws: NetlinkParseError(offset: 0, reason: "10 bytes left, a header needs 16")) {
            try NetlinkParser.parse(good.prefix(10))
        }
        var badAttribute = good
        badAttribute[32] = 200  // the IFLA_IFNAME rtattr claims 200 bytes
        #expect(throws: NetlinkParseError(offset: 32, reason: "attribute length 200 with 8 bytes left")) {
            try NetlinkParser.parse(badAttribute)
        }
        let shortBody = Build.message(Netlink.newLink, [1, 2, 3])
        #expect(throws: NetlinkParseError(offset: 16, reason: "3 bytes where struct ifinfomsg needs 16")) {
            try NetlinkParser.parse(shortBody)
        }
        let longName = Build.link(index: 1, flags: 1, name: String(repeating: "x", count: 20))
        #expect(throws: NetlinkParseError.self) { try NetlinkParser.parse(longName) }
    }

    @Test func trackerFollowsOneInterface() throws {
        var tracker = InterfaceTracker(name: "wg0")
        func feed(_ bytes: [UInt8]) throws { try NetlinkParser.parse(bytes).forEach { tracker.apply($0) } }
        #expect(tracker.state.unusableReason == "wg0 does not exist")
        try feed(Build.link(index: 3, flags: 0, name: "eth0", oper: 6) + Build.address(index: 3, "192.168.1.2", prefix: 24))
        #expect(tracker.state.unusableReason == "wg0 does not exist")
        try feed(Build.link(index: 5, flags: 0, name: "wg0", oper: 2))
        #expect(tracker.state.unusableReason == "wg0 is down")
        try feed(Build.link(index: 5, flags: 0x41, name: "wg0", oper: 0))
        #expect(tracker.state.unusableReason == "wg0 has no address")
        try feed(Build.address(index: 5, "fe80::1", prefix: 64, scope: Netlink.scopeLink))
        try feed(Build.address(index: 5, "fd00::2", prefix: 64, flags: Netlink.addressTentative))
        #expect(tracker.state.unusableReason == "wg0 has no address")
        try feed(Build.address(index: 5, "10.64.0.2", prefix: 32))
        #expect(tracker.state.isUsable)
        #expect(tracker.state.binding == .init(interfaceName: "wg0", sourceAddress: "10.64.0.2", allowsIPv6: false))
        try feed(Build.address(index: 5, "fd00::2", prefix: 64))
        #expect(tracker.state.binding?.allowsIPv6 == true)
        try feed(Build.link(index: 5, flags: 0x1, name: "wg0", oper: 2))
        #expect(tracker.state.unusableReason == "wg0 is not running")
        try feed(Build.link(index: 5, flags: 0x41, name: "wg0", oper: 0))
        try feed(Build.address(Netlink.deleteAddress, index: 5, "10.64.0.2", prefix: 32)
            + Build.address(Netlink.deleteAddress, index: 5, "fd00::2", prefix: 64))
        #expect(tracker.state.unusableReason == "wg0 has no address")
        try feed(Build.address(index: 5, "10.64.0.2", prefix: 32))
        try feed(Build.link(Netlink.deleteLink, index: 5, flags: 0, name: "wg0"))
        #expect(tracker.state.unusableReason == "wg0 does not exist")
        #expect(tracker.state.addresses.isEmpty)
        // Back with a new index; then renamed away.
        try feed(Build.link(index: 9, flags: 0x41, name: "wg0", oper: 0) + Build.address(index: 9, "10.64.0.3", prefix: 32))
        #expect(tracker.state.isUsable && tracker.state.index == 9)
        try feed(Build.address(index: 5, "10.9.9.9", prefix: 32))  // the old index: not ours
        #expect(tracker.state.addresses.count == 1)
        try feed(Build.link(index: 9, flags: 0x41, name: "wg-old", oper: 0))
        #expect(tracker.state.unusableReason == "wg0 does not exist")
    }

    @Test func trackerBoundsAddresses() throws {
        var tracker = InterfaceTracker(name: "d0")
        try NetlinkParser.parse(Build.link(index: 2, flags: 0x41, name: "d0")).forEach { tracker.apply($0) }
        for value in 0..<200 {
            try NetlinkParser.parse(Build.address(index: 2, "10.1.\(value).1", prefix: 32)).forEach { tracker.apply($0) }
        }
        #expect(tracker.state.addresses.count == InterfaceTracker.maxAddresses)
    }

    /// Random bytes and damaged real messages: the parser returns or throws, never reads out of bounds.
    @Test func garbage() throws {
        var random = SplitMix64(seed: 0x6E6C)
        let real = Build.link(index: 5, flags: 0x41, name: "wg0", oper: 0, mtu: 1420)
            + Build.address(index: 5, "fd00::2", prefix: 64, local: "fd00::3") + Build.message(Netlink.done, [0, 0, 0, 0])
        var parsed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if bytes.count >= 4, round % 4 == 0 {  // a plausible length now and then, to get past the first check
                    bytes.replaceSubrange(0..<4, with: Build.bytes(UInt32(Int.random(in: 16...max(16, bytes.count), using: &random))))
                }
            } else {
                bytes = real
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                if round % 3 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random))) }
            }
            var tracker = InterfaceTracker(name: "wg0")
            if let messages = try? NetlinkParser.parse(bytes) {
                parsed += 1
                messages.forEach { tracker.apply($0) }
            }
        }
        #expect(parsed > 100)
    }
}
