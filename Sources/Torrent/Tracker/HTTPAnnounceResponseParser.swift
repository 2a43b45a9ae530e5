import Bencode

/// Reads the bencoded body of an HTTP tracker's announce answer (BEP 3, BEP 23 compact peers, BEP 7 `peers6`).
///
/// Contract: bodies larger than ``maxBodySize`` or outside ``limits`` are refused before any value is built;
/// anything that is not a dictionary with a non-negative integer `interval` (or a `failure reason`) throws
/// ``TrackerError/Reason/malformedResponse(what:offset:)`` naming the field or the bencode byte offset. A
/// `failure reason` throws ``TrackerError/Reason/failure(_:)``. Non-compact peer entries whose `ip` is not an
/// IP literal (a host name) are skipped: resolving them would bypass the engine's resolver. At most
/// ``maxPeers`` peers are kept.
public struct HTTPAnnounceResponseParser: Sendable {
    /// Largest body accepted, in bytes. Default 1 MiB.
    public var maxBodySize: Int
    /// Bencode bounds: depth 8, strings up to 1 MiB, 1 MiB input, 65,536 items by default.
    public var limits: BencodeLimits
    /// Most peers kept from one answer. Default 2,000.
    public var maxPeers: Int

    public init(
        maxBodySize: Int = 1 << 20,
        limits: BencodeLimits = BencodeLimits(maxDepth: 8, maxStringLength: 1 << 20, maxInputSize: 1 << 20, maxItems: 65_536),
        maxPeers: Int = 2000
    ) {
        self.maxBodySize = maxBodySize
        self.limits = limits
        self.maxPeers = maxPeers
    }

    /// Parses one body.
    public func parse(_ body: [UInt8]) throws(TrackerError.Reason) -> AnnounceResponse {
        guard body.count <= maxBodySize else { throw .responseTooLarge(limit: maxBodySize) }
        let value: BencodeValue
        do {
            value = try BencodeDecoder(limits: limits).decode(body)
        } catch {
            throw .malformedResponse(what: "bencode \(error.reason)", offset: error.offset)
        }
        guard let dict = value.dict else { throw .malformedResponse(what: "top level is not a dictionary", offset: 0) }
        if let failure = dict["failure reason"] {
            guard let bytes = failure.bytes else { throw .malformedResponse(what: "`failure reason` is not a string", offset: nil) }
            throw .failure(TrackerError.Reason.networkText(bytes))
        }
        guard let intervalValue = dict["interval"] else { throw .malformedResponse(what: "no `interval`", offset: nil) }
        let interval = try seconds(intervalValue, field: "interval")
        var response = AnnounceResponse(interval: interval)
        if let value = dict["min interval"] { response.minInterval = try seconds(value, field: "min interval") }
        if let value = dict["complete"] { response.complete = try count(value, field: "complete") }
        if let value = dict["incomplete"] { response.incomplete = try count(value, field: "incomplete") }
        if let value = dict["warning message"] {
            guard let bytes = value.bytes else { throw .malformedResponse(what: "`warning message` is not a string", offset: nil) }
            response.warningMessage = TrackerError.Reason.networkText(bytes)
        }
        if let value = dict["tracker id"] {
            guard let bytes = value.bytes, bytes.count <= 256 else {
                throw .malformedResponse(what: "`tracker id` is not a string of at most 256 bytes", offset: nil)
            }
            response.trackerID = bytes
        }
        var peers = PeerList(limit: maxPeers)
        switch dict["peers"] {
        case nil: break
        case .bytes(let compact)?: peers.add(PeerAddress.compactList(compact, ipv6: false))
        case .list(let entries)?: peers.add(try dictionaryPeers(entries))
        case _?: throw .malformedResponse(what: "`peers` is neither a string nor a list", offset: nil)
        }
        switch dict["peers6"] {
        case nil: break
        case .bytes(let compact)?: peers.add(PeerAddress.compactList(compact, ipv6: true))
        case _?: throw .malformedResponse(what: "`peers6` is not a string", offset: nil)
        }
        response.peers = peers.addresses
        return response
    }

    /// The original (BEP 3) peer list: dictionaries with `ip` (text) and `port`.
    private func dictionaryPeers(_ entries: [BencodeValue]) throws(TrackerError.Reason) -> [PeerAddress] {
        var out: [PeerAddress] = []
        for (index, entry) in entries.enumerated() {
            guard let ipText = entry["ip"]?.string, let port = entry["port"]?.int else {
                throw .malformedResponse(what: "peer \(index) lacks a text `ip` or an integer `port`", offset: nil)
            }
            guard port > 0, port <= 65535 else { continue }
            if let address = PeerAddress(ip: IPAddressText.parse(ipText) ?? [], port: UInt16(port)) {
                out.append(address)
            }
        }
        return out
    }

    private func seconds(_ value: BencodeValue, field: String) throws(TrackerError.Reason) -> Duration {
        guard let number = value.int, number >= 0 else {
            throw .malformedResponse(what: "`\(field)` is not a non-negative integer", offset: nil)
        }
        return .seconds(min(number, Int64(Int32.max)))
    }

    private func count(_ value: BencodeValue, field: String) throws(TrackerError.Reason) -> Int {
        guard let number = value.int, number >= 0 else {
            throw .malformedResponse(what: "`\(field)` is not a non-negative integer", offset: nil)
        }
        return Int(min(number, Int64(Int32.max)))
    }
}

/// Peer addresses in arrival order, without duplicates, up to a limit.
struct PeerList {
    let limit: Int
    private(set) var addresses: [PeerAddress] = []
    private var seen: Set<PeerAddress> = []

    init(limit: Int) { self.limit = limit }

    mutating func add(_ more: [PeerAddress]) {
        for address in more where addresses.count < limit && seen.insert(address).inserted {
            addresses.append(address)
        }
    }
}
