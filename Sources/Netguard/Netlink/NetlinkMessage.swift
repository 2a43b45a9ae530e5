/// One rtnetlink message, reduced to what an interface watch needs.
enum NetlinkMessage: Equatable, Sendable {
    /// RTM_NEWLINK / RTM_DELLINK.
    case link(LinkInfo, deleted: Bool)
    /// RTM_NEWADDR / RTM_DELADDR.
    case address(AddressInfo, deleted: Bool)
    /// The end of a dump.
    case done(sequence: UInt32)
    /// An NLMSG_ERROR; code 0 is an acknowledgement.
    case error(code: Int32, sequence: UInt32)
    /// Any other type (NLMSG_NOOP, NLMSG_OVERRUN, other rtnetlink families): nothing to do.
    case other(type: UInt16)
}

/// The parts of `struct ifinfomsg` and its attributes that say whether a link is usable.
struct LinkInfo: Equatable, Sendable {
    var index: Int32
    var flags: UInt32
    var name: String?
    var mtu: UInt32?
    var operState: UInt8?
}

/// The parts of `struct ifaddrmsg` and its attributes that describe one address.
struct AddressInfo: Equatable, Sendable {
    var index: UInt32
    var prefixLength: UInt8
    var scope: UInt8
    var flags: UInt32
    /// IFA_LOCAL when present (point-to-point links put the peer in IFA_ADDRESS), else IFA_ADDRESS.
    var address: IPAddress?
}
