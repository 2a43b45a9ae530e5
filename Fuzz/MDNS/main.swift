// libFuzzer entry point for Rill's mDNS responder. Built by `ci/fuzz mdns <seconds>`, compiled in one module with
// Sources/Device/MDNS/Protocol/*.swift (the message parser and writer and the responder's protocol core: no sockets,
// no `import Device`).
//
// Properties checked on every input (a violation is a `fatalError`, which libFuzzer reports as a crash):
// - parsing never traps; a refusal names an offset within the input;
// - an accepted message re-encodes to bytes that parse, and encoding is stable from then on;
// - the responder core, fed the message from a peer on its interface (port 5353 and a legacy port) while probing and
//   while answering, never traps, and everything it would send parses back and fits in an mDNS packet.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMDNS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    let message: DNSMessage
    do {
        message = try DNSMessage(parsing: input)
    } catch {
        guard error.offset >= 0, error.offset <= max(input.count, 1), !error.reason.isEmpty else {
            fatalError("refusal out of range: \(error)")
        }
        return 0
    }
    let encoded = message.encoded
    guard let again = try? DNSMessage(parsing: encoded) else { fatalError("an accepted message re-encodes to bytes that do not parse") }
    guard again.encoded == encoded else { fatalError("encoding is not stable") }
    exercise(message)
    return 0
}

private let interface = MDNSInterface(index: 2, name: "lan0", ipv4: [[192, 168, 1, 20]], ipv6: [[0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]])
private let settings = MDNSSettings(hostname: "rill", suffix: "3f9a", port: 80, txt: ["path=/"], excludedInterfaces: [])

private func exercise(_ message: DNSMessage) {
    for peerPort: UInt16 in [5353, 40000] {
        let peer = MDNSPeer(family: .v4, address: [192, 168, 1, 99], port: peerPort, interface: 2)
        // While probing (the message may be a conflict or a competing probe)...
        let probing = MDNSResponderCore(settings: settings, interfaces: [interface], random: { $0.lowerBound })
        var sends = probing.start(now: 0) + probing.tick(now: 0) + probing.receive(message, from: peer, now: 0.1)
        sends += probing.tick(now: 2)
        // ...and once answering (a query, a known-answer list, a conflict).
        let answering = MDNSResponderCore(settings: settings, interfaces: [interface], random: { $0.lowerBound })
        _ = answering.start(now: 0)
        var now = 0.0
        while answering.phase != .answering, now < 5 {
            _ = answering.tick(now: now)
            now += 0.25
        }
        sends += answering.receive(message, from: peer, now: now + 10)
        sends += answering.tick(now: now + 11) + answering.goodbye()
        for send in sends {
            let bytes = send.message.encoded
            guard bytes.count <= DNSLimits.maxMessageBytes else { fatalError("a \(bytes.count)-byte packet") }
            guard (try? DNSMessage(parsing: bytes)) != nil else { fatalError("the responder would send bytes that do not parse") }
        }
    }
}
