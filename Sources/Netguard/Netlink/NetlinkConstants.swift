/// rtnetlink numbers from `<linux/netlink.h>`, `<linux/rtnetlink.h>`, `<linux/if_link.h>`, `<linux/if_addr.h>` and
/// `<linux/if.h>` (stable kernel ABI; those headers are not part of the Swift Glibc/Musl modules).
enum Netlink {
    static let protocolRoute: Int32 = 0  // NETLINK_ROUTE
    static let headerSize = 16  // struct nlmsghdr
    static let linkHeaderSize = 16  // struct ifinfomsg
    static let addressHeaderSize = 8  // struct ifaddrmsg
    static let attributeHeaderSize = 4  // struct rtattr

    // nlmsg_type
    static let noop: UInt16 = 1
    static let error: UInt16 = 2
    static let done: UInt16 = 3
    static let overrun: UInt16 = 4
    static let newLink: UInt16 = 16
    static let deleteLink: UInt16 = 17
    static let getLink: UInt16 = 18
    static let newAddress: UInt16 = 20
    static let deleteAddress: UInt16 = 21
    static let getAddress: UInt16 = 22

    // nlmsg_flags
    static let flagRequest: UInt16 = 0x1
    static let flagDump: UInt16 = 0x300

    // multicast groups (the RTMGRP_* bit masks)
    static let groupLink: UInt32 = 0x1
    static let groupIPv4Address: UInt32 = 0x10
    static let groupIPv6Address: UInt32 = 0x100

    // attribute types; the top two bits are flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER)
    static let attributeTypeMask: UInt16 = 0x3FFF
    static let linkName: UInt16 = 3  // IFLA_IFNAME
    static let linkMTU: UInt16 = 4  // IFLA_MTU
    static let linkOperState: UInt16 = 16  // IFLA_OPERSTATE
    static let addressAddress: UInt16 = 1  // IFA_ADDRESS
    static let addressLocal: UInt16 = 2  // IFA_LOCAL
    static let addressFlags: UInt16 = 8  // IFA_FLAGS

    // ifi_flags
    static let interfaceUp: UInt32 = 0x1  // IFF_UP
    static let interfaceRunning: UInt32 = 0x40  // IFF_RUNNING

    // ifa_flags
    static let addressDADFailed: UInt32 = 0x08  // IFA_F_DADFAILED
    static let addressDeprecated: UInt32 = 0x20  // IFA_F_DEPRECATED
    static let addressTentative: UInt32 = 0x40  // IFA_F_TENTATIVE

    // ifa_scope
    static let scopeLink: UInt8 = 253  // RT_SCOPE_LINK

    /// Netlink aligns messages and attributes to 4 bytes.
    static func aligned(_ length: Int) -> Int { (length + 3) & ~3 }
}
