/// Follows one interface by name through rtnetlink messages: a pure state machine, fed by `InterfaceWatch`'s
/// reader thread (and by tests directly). A rename away or RTM_DELLINK makes it absent; a new link with the name
/// (possibly a new index) makes it present with no addresses until RTM_NEWADDR says otherwise.
struct InterfaceTracker {
    /// At most this many addresses are kept for the interface; more are ignored.
    static let maxAddresses = 64

    private(set) var state: InterfaceState

    init(name: String) { state = InterfaceState(name: name) }

    /// Forget everything: a dump follows.
    mutating func reset() { state = InterfaceState(name: state.name) }

    mutating func apply(_ message: NetlinkMessage) {
        switch message {
        case .link(let link, let deleted): apply(link, deleted: deleted)
        case .address(let address, let deleted): apply(address, deleted: deleted)
        case .done, .error, .other: break
        }
    }

    private mutating func apply(_ link: LinkInfo, deleted: Bool) {
        let named = link.name == state.name
        let ours = state.index == link.index
        if deleted {
            if ours || named { reset() }
            return
        }
        if !named {
            guard ours else { return }
            if link.name != nil {  // renamed away
                reset()
                return
            }
        }
        if !ours { state.addresses = [] }
        state.index = link.index
        state.isUp = link.flags & Netlink.interfaceUp != 0
        state.isRunning = link.flags & Netlink.interfaceRunning != 0
        if let oper = link.operState { state.operState = InterfaceState.OperState(rawValue: oper) ?? .unknown }
        if let mtu = link.mtu { state.mtu = Int(mtu) }
    }

    private mutating func apply(_ info: AddressInfo, deleted: Bool) {
        guard let index = state.index, info.index == UInt32(bitPattern: index), let address = info.address,
              let network = IPNetwork(address: address, prefixLength: Int(info.prefixLength)) else { return }
        state.addresses.removeAll { $0.network == network }
        guard !deleted, state.addresses.count < Self.maxAddresses else { return }
        state.addresses.append(InterfaceAddress(
            network: network, isTentative: info.flags & Netlink.addressTentative != 0,
            isDuplicate: info.flags & Netlink.addressDADFailed != 0, isLinkLocal: info.scope == Netlink.scopeLink))
    }
}
