#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Synchronization

/// The mDNS responder of docs/DEVICE.md: `rill.local` and `rill-XXXX.local` with the LAN interfaces' addresses, and
/// the web UI as an `_http._tcp` service, without avahi.
///
/// Runs `MDNSResponderCore` on a thread of its own that waits in `poll` on an IPv4 and (when the kernel has IPv6) an
/// IPv6 socket, both on port 5353 with `SO_REUSEADDR`/`SO_REUSEPORT` so other responders on the host keep working.
/// Every 5 s it looks at the interfaces again; a change is handed to the core (probe or re-announce). Packets the
/// responder sent itself come back through multicast loopback and are recognised by their bytes (the last 32 sent)
/// and dropped. Incoming packets are read into one 9000-byte buffer and parsed with `DNSMessage(parsing:)`'s limits;
/// malformed ones are counted and dropped. `stop()` sends the goodbyes and closes.
public final class MDNSResponder: Sendable {
    public let settings: MDNSSettings
    private let logger: Logger
    private let wake: WakeupPipe
    private let stopping = Mutex(false)
    private let thread = Mutex<DeviceThread?>(nil)
    private let published = Mutex(MDNSStatus(
        phase: "stopped", names: [], service: "", interfaces: [], questionsAnswered: 0, malformedPackets: 0, conflicts: 0
    ))
    /// How often the interfaces are looked at again.
    static let interfaceScanSeconds = 5.0

    public init(settings: MDNSSettings, logger: Logger) throws(MDNSError) {
        guard let wake = WakeupPipe() else { throw MDNSError("pipe", 24) }
        self.settings = settings
        self.logger = logger
        self.wake = wake
    }

    /// Opens the sockets and starts the thread. Fails when not even the IPv4 socket can be bound.
    public func start() throws(MDNSError) {
        let ipv4 = try MDNSSocket(family: .v4)
        let ipv6 = try? MDNSSocket(family: .v6)
        let sockets = Sockets(ipv4: ipv4, ipv6: ipv6)
        guard let started = DeviceThread(body: { [self] in run(sockets) }) else { throw MDNSError("thread", 11) }
        thread.withLock { $0 = started }
    }

    /// Sends the goodbyes, closes the sockets, ends the thread.
    public func stop() {
        stopping.withLock { $0 = true }
        wake.signal()
        let running = thread.withLock { thread -> DeviceThread? in
            defer { thread = nil }
            return thread
        }
        running?.join()
    }

    /// What it is doing now.
    public var status: MDNSStatus { published.withLock { $0 } }

    /// The sockets, handed to the thread that alone uses them.
    private final class Sockets: @unchecked Sendable {
        let all: [MDNSSocket]
        init(ipv4: MDNSSocket, ipv6: MDNSSocket?) { all = [ipv4] + (ipv6.map { [$0] } ?? []) }
        func socket(for family: MDNSFamily) -> MDNSSocket? { all.first { $0.family == family } }
    }

    private func run(_ sockets: Sockets) {
        var interfaces = LANInterfaces.current(excluding: settings.excludedInterfaces)
        let core = MDNSResponderCore(settings: settings, interfaces: interfaces)
        var sent: [(hash: Int, at: Double)] = []
        var malformed = 0
        var buffer = [UInt8](repeating: 0, count: DNSLimits.maxMessageBytes)

        func join() {
            for socket in sockets.all {
                let wanted = Set(interfaces.filter { socket.family == .v4 ? !$0.ipv4.isEmpty : !$0.ipv6.isEmpty }.map(\.index))
                for (index, error) in socket.joinOnly(wanted) {
                    logger.warning("mDNS cannot join the group", metadata: ["interface": "\(index)", "errno": "\(error)"])
                }
            }
        }
        func transmit(_ sends: [MDNSSend], now: Double) {
            for send in sends {
                let family: MDNSFamily
                switch send.destination {
                case .multicast(_, let chosen): family = chosen
                case .unicast(let peer): family = peer.family
                }
                guard let socket = sockets.socket(for: family) else { continue }
                let bytes = send.message.encoded
                sent = sent.filter { now - $0.at < 5 }.suffix(31) + [(bytes.hashValue, now)]
                let error = socket.send(bytes, to: send.destination)
                if error != 0 { logger.debug("mDNS send failed", metadata: ["errno": "\(error)"]) }
            }
        }
        func publish() {
            let interfaceText = interfaces.map { interface in
                "\(interface.name) (" + (interface.ipv4 + interface.ipv6).map(AddressText.format).joined(separator: ", ") + ")"
            }
            published.withLock {
                $0 = MDNSStatus(
                    phase: core.phase.rawValue, names: [core.hostName, core.uniqueHostName].map { String($0.description.dropLast()) },
                    service: String(core.instanceName.description.dropLast()), interfaces: interfaceText,
                    questionsAnswered: core.questionsAnswered, malformedPackets: malformed, conflicts: core.conflicts
                )
            }
        }

        join()
        var now = SystemFacts.monotonicSeconds()
        transmit(core.start(now: now), now: now)
        var nextScan = now + Self.interfaceScanSeconds
        var lastPhase = core.phase
        publish()
        logger.info("mDNS responder started", metadata: ["interfaces": "\(interfaces.map(\.name))", "families": "\(sockets.all.map(\.family))"])

        var descriptors = sockets.all.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        descriptors.append(pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0))
        while !stopping.withLock({ $0 }) {
            now = SystemFacts.monotonicSeconds()
            let deadline = min(core.nextDeadline ?? .infinity, nextScan)
            let milliseconds = Int32(max(0, min(60_000, ((deadline - now) * 1000).rounded(.up))))
            for index in descriptors.indices { descriptors[index].revents = 0 }
            _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
            if stopping.withLock({ $0 }) { break }
            now = SystemFacts.monotonicSeconds()
            for (index, socket) in sockets.all.enumerated() where descriptors[index].revents & Int16(POLLIN) != 0 {
                // At most 64 packets per wake-up, so a flood cannot starve the timers.
                for _ in 0..<64 {
                    guard let (count, peer) = socket.receive(into: &buffer) else { break }
                    let bytes = Array(buffer[..<min(count, buffer.count)])
                    if peer.port == MDNSAddress.port, sent.contains(where: { $0.hash == bytes.hashValue && now - $0.at < 5 }) { continue }
                    let message: DNSMessage
                    do {
                        guard count <= buffer.count else { throw DNSParseError(offset: buffer.count, "packet of \(count) bytes") }
                        message = try DNSMessage(parsing: bytes)
                    } catch {
                        malformed += 1
                        // Logged at debug level only, and only the first few: anyone on the LAN can send garbage.
                        if malformed <= 10 {
                            logger.debug("mDNS packet ignored", metadata: ["from": "\(AddressText.format(peer.address))", "error": "\(error)"])
                        }
                        continue
                    }
                    let conflictsBefore = core.conflicts
                    transmit(core.receive(message, from: peer, now: now), now: now)
                    if core.conflicts != conflictsBefore {
                        logger.notice("mDNS name conflict", metadata: [
                            "from": "\(AddressText.format(peer.address))", "names": "\(core.hostName), \(core.uniqueHostName)",
                        ])
                    }
                    logger.trace("mDNS packet", metadata: ["from": "\(AddressText.format(peer.address)):\(peer.port)", "interface": "\(peer.interface)", "response": "\(message.isResponse)", "answers": "\(message.answers.map { "\($0.name) \($0.type)" })"])
                }
            }
            if now >= nextScan {
                nextScan = now + Self.interfaceScanSeconds
                let current = LANInterfaces.current(excluding: settings.excludedInterfaces)
                if current != interfaces {
                    logger.info("mDNS interfaces changed", metadata: ["interfaces": "\(current.map(\.name))"])
                    interfaces = current
                    join()
                    transmit(core.interfacesChanged(current, now: now), now: now)
                }
            }
            transmit(core.tick(now: now), now: now)
            if core.phase != lastPhase {
                lastPhase = core.phase
                if core.phase == .answering {
                    logger.info("mDNS names announced", metadata: [
                        "names": "\(core.hostName), \(core.uniqueHostName)", "service": "\(core.instanceName)",
                    ])
                }
            }
            publish()
        }
        now = SystemFacts.monotonicSeconds()
        transmit(core.goodbye(), now: now)
        publish()
    }
}
