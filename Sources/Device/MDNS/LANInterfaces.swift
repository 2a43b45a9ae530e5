#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The LAN interfaces mDNS works on, from `getifaddrs`: up, multicast-capable, neither loopback nor point-to-point
/// (a WireGuard tunnel is point-to-point and has no multicast), and not excluded by name (the VPN interface).
/// Bounded: at most `maxInterfaces` interfaces with `maxAddresses` addresses of each family.
enum LANInterfaces {
    static let maxInterfaces = 16
    static let maxAddresses = 8

    static func current(excluding excluded: Set<String>) -> [MDNSInterface] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var byName: [String: MDNSInterface] = [:]
        var order: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let rawName = entry.pointee.ifa_name, let address = entry.pointee.ifa_addr else { continue }
            let name = String(cString: rawName)
            let flags = Int32(bitPattern: entry.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_MULTICAST) != 0, flags & Int32(IFF_LOOPBACK) == 0,
                  flags & Int32(IFF_POINTOPOINT) == 0, !excluded.contains(name) else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var interface: MDNSInterface
            if let known = byName[name] {
                interface = known
            } else {
                guard byName.count < maxInterfaces else { continue }
                let index = if_nametoindex(name)
                guard index != 0 else { continue }
                interface = MDNSInterface(index: index, name: name, ipv4: [], ipv6: [])
                order.append(name)
            }
            if family == AF_INET {
                let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
                if interface.ipv4.count < maxAddresses { interface.ipv4.append(bytes) }
            } else {
                let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                if interface.ipv6.count < maxAddresses { interface.ipv6.append(bytes) }
            }
            byName[name] = interface
        }
        return order.compactMap { byName[$0] }.filter { !$0.ipv4.isEmpty || !$0.ipv6.isEmpty }
    }
}

/// How an address reads in the status page and the log.
enum AddressText {
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return "?" }
        var groups: [String] = []
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
        }
        // Shorten the longest run of zero groups to "::".
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (index, group) in groups.enumerated() {
            if group == "0" {
                run = run.start < 0 ? (index, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        guard best.length > 1 else { return groups.joined(separator: ":") }
        let head = groups[..<best.start].joined(separator: ":")
        let tail = groups[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
