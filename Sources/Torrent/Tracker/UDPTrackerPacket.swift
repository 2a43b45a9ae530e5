/// The BEP 15 wire format: requests this client sends and the responses it accepts.
///
/// Contract: encoders produce the exact fixed-size requests (16-byte connect, 98-byte announce). ``parse``
/// never reads out of bounds: a datagram shorter than its action needs, with an unknown action, or whose
/// peer bytes are not a whole number of entries throws ``TrackerError/Reason/malformedResponse(what:offset:)``
/// with the byte offset — except a bare 8-byte announce answer (action and transaction id only), which is how
/// opentracker refuses a torrent it does not serve: that is a ``TrackerError/Reason/failure(_:)`` saying so.
/// Matching transaction ids is the caller's job (``transactionID(of:)``), because a
/// datagram with someone else's id is dropped, not an error.
enum UDPTrackerPacket {
    /// The magic `protocol_id` of a connect request.
    static let protocolID: UInt64 = 0x417_2710_1980

    enum Action: UInt32 {
        case connect = 0
        case announce = 1
        case scrape = 2
        case error = 3
    }

    /// A decoded response.
    enum Response: Equatable {
        case connected(connectionID: UInt64)
        case announced(AnnounceResponse)
        case error(String)
    }

    /// The failure text for a bare 8-byte announce answer.
    static let bareRefusal = "the tracker refused the announce without a reason (empty answer)"

    static func connectRequest(transactionID: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        append(protocolID, to: &out)
        append(Action.connect.rawValue, to: &out)
        append(transactionID, to: &out)
        return out
    }

    static func announceRequest(_ request: AnnounceRequest, connectionID: UInt64, transactionID: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(98)
        append(connectionID, to: &out)
        append(Action.announce.rawValue, to: &out)
        append(transactionID, to: &out)
        out += request.infoHash.bytes
        out += request.peerID.bytes
        append(UInt64(max(0, request.downloaded)), to: &out)
        append(UInt64(max(0, request.left)), to: &out)
        append(UInt64(max(0, request.uploaded)), to: &out)
        append(request.event.udpValue, to: &out)
        append(UInt32(0), to: &out)  // IP address: 0 = the sender's; never ours.
        append(request.key, to: &out)
        append(UInt32(bitPattern: Int32(clamping: request.numWant < 0 ? -1 : request.numWant)), to: &out)
        out += [UInt8(request.port >> 8), UInt8(request.port & 0xFF)]
        return out
    }

    /// The transaction id of a response (bytes 4–7), or `nil` when the datagram is too short to have one.
    static func transactionID(of datagram: [UInt8]) -> UInt32? {
        datagram.count >= 8 ? readUInt32(datagram, at: 4) : nil
    }

    /// Decodes a response to a request of `expected` action. `ipv6` says which peer format to read: BEP 15 sends
    /// 18-byte entries when the tracker was reached over IPv6, 6-byte ones over IPv4.
    static func parse(_ datagram: [UInt8], expected: Action, ipv6: Bool) throws(TrackerError.Reason) -> Response {
        guard datagram.count >= 8 else {
            throw .malformedResponse(what: "UDP response of \(datagram.count) bytes, need at least 8", offset: datagram.count)
        }
        let actionValue = readUInt32(datagram, at: 0)
        if actionValue == Action.error.rawValue {
            return .error(TrackerError.Reason.networkText(datagram[8...]))
        }
        guard actionValue == expected.rawValue else {
            throw .malformedResponse(what: "UDP action \(actionValue), expected \(expected.rawValue)", offset: 0)
        }
        switch expected {
        case .connect:
            guard datagram.count >= 16 else {
                throw .malformedResponse(what: "UDP connect response of \(datagram.count) bytes, need 16", offset: datagram.count)
            }
            return .connected(connectionID: readUInt64(datagram, at: 8))
        case .announce:
            if datagram.count == 8 { return .error(Self.bareRefusal) }
            guard datagram.count >= 20 else {
                throw .malformedResponse(what: "UDP announce response of \(datagram.count) bytes, need at least 20", offset: datagram.count)
            }
            let stride = ipv6 ? 18 : 6
            let peerBytes = datagram.count - 20
            guard peerBytes % stride == 0 else {
                throw .malformedResponse(
                    what: "UDP peer list of \(peerBytes) bytes is not a multiple of \(stride)",
                    offset: 20 + peerBytes - peerBytes % stride
                )
            }
            var peers = PeerList(limit: Int.max)
            peers.add(PeerAddress.compactList(datagram[20...], ipv6: ipv6))
            return .announced(AnnounceResponse(
                interval: .seconds(Int64(readUInt32(datagram, at: 8))),
                peers: peers.addresses,
                complete: Int(readUInt32(datagram, at: 16)),
                incomplete: Int(readUInt32(datagram, at: 12))
            ))
        case .scrape, .error:
            throw .malformedResponse(what: "unexpected action \(expected.rawValue)", offset: 0)
        }
    }

    private static func append(_ value: some FixedWidthInteger, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out += $0 }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
