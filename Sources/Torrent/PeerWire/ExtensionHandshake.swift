import Bencode
import NIOCore

/// The BEP 10 extension handshake (extended message 0): which extensions a peer speaks under which message
/// ids, and a few facts about it. Unknown keys are ignored; every field is optional.
public struct ExtensionHandshake: Sendable, Equatable {
    /// Extension name → the id the sender wants to receive it under (0 = disabled).
    public var extensions: [String: UInt8] = [:]
    /// BEP 9: the size of the `info` dictionary, when the sender has it.
    public var metadataSize: Int?
    /// The sender's listen port.
    public var listenPort: UInt16?
    /// How many outstanding requests the sender accepts.
    public var requestQueueLength: Int?
    public var client: String?

    public init() {}

    public static let metadataExtension = "ut_metadata"
    public static let pexExtension = "ut_pex"

    /// The ids Rill wants to receive its extensions under.
    public static let localIDs: [String: UInt8] = [metadataExtension: 1, pexExtension: 2]

    public init(payload: ByteBuffer) throws(PeerWireError) {
        let value: BencodeValue
        do {
            value = try BencodeDecoder(limits: .peerMessage).decode(payload.readableBytesView)
        } catch {
            throw PeerWireError(.protocolViolation, "extension handshake: \(error)")
        }
        if let map = value["m"]?.dict {
            for entry in map.prefix(64) {
                guard let name = String(validating: entry.key, as: UTF8.self), let id = entry.value.int,
                      (0...255).contains(id) else { continue }
                extensions[name] = UInt8(id)
            }
        }
        if let size = value["metadata_size"]?.int, size > 0, size <= Int64(Int32.max) { metadataSize = Int(size) }
        if let port = value["p"]?.int, (1...65535).contains(port) { listenPort = UInt16(port) }
        if let reqq = value["reqq"]?.int, reqq > 0 { requestQueueLength = Int(min(reqq, 100_000)) }
        client = value["v"]?.string.map { String($0.prefix(64)) }
    }

    public func encode() -> [UInt8] {
        var root = BencodeDictionary()
        var map = BencodeDictionary()
        for (name, id) in extensions { map[name] = .integer(Int64(id)) }
        root["m"] = .dictionary(map)
        if let metadataSize { root["metadata_size"] = .integer(Int64(metadataSize)) }
        if let listenPort { root["p"] = .integer(Int64(listenPort)) }
        if let requestQueueLength { root["reqq"] = .integer(Int64(requestQueueLength)) }
        if let client { root["v"] = .bytes(Array(client.utf8)) }
        return BencodeEncoder().encode(.dictionary(root))
    }
}
