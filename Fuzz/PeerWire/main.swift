// libFuzzer entry point for the peer wire decoders of the Torrent target. Built by `ci/fuzz peerwire <seconds>`
// as a small SwiftPM package that depends on Rill's `Torrent` library (NIO's ByteBuffer is part of the API).
//
// Properties checked on every input (a violation is a `fatalError`, which libFuzzer reports as a crash):
// - the frame decoder never traps, with and without a leading handshake, whatever the message limit;
// - every decoded message re-encodes to bytes that decode to the same message;
// - extension payloads (BEP 10 handshake, BEP 9 metadata, BEP 11 PEX) and bitfields parse or throw, never trap,
//   and what parses re-encodes to an equal value.
import NIOCore
import Torrent

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPeerWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let first = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    switch first % 4 {
    case 0: checkFrames(rest, expectHandshake: false, limit: 1 << 17)
    case 1: checkFrames(rest, expectHandshake: true, limit: 64)
    case 2: checkExtensionPayloads(rest)
    default: checkBitfield(rest)
    }
    return 0
}

private func checkFrames(_ bytes: [UInt8], expectHandshake: Bool, limit: Int) {
    var decoder = PeerWireDecoder(expectHandshake: expectHandshake, maxMessageLength: limit)
    var buffer = ByteBuffer(bytes: bytes)
    while true {
        let frame: PeerWireFrame?
        do {
            frame = try decoder.next(from: &buffer)
        } catch {
            return
        }
        guard let frame else { return }
        guard case .message(let message) = frame else { continue }
        var encoded = ByteBuffer()
        message.write(into: &encoded)
        var again = PeerWireDecoder(expectHandshake: false, maxMessageLength: Int(UInt32.max))
        guard case .message(let decoded)? = try? again.next(from: &encoded), decoded == message else {
            fatalError("\(message) does not survive a round trip")
        }
    }
}

private func checkExtensionPayloads(_ bytes: [UInt8]) {
    let payload = ByteBuffer(bytes: bytes)
    if let handshake = try? ExtensionHandshake(payload: payload) {
        guard let again = try? ExtensionHandshake(payload: ByteBuffer(bytes: handshake.encode())), again == handshake else {
            fatalError("extension handshake does not survive a round trip")
        }
    }
    if let message = try? MetadataMessage(payload: payload) {
        guard (try? MetadataMessage(payload: ByteBuffer(bytes: message.encode()))) == message else {
            fatalError("metadata message does not survive a round trip")
        }
    }
    if let pex = try? PexMessage(payload: payload) {
        guard (try? PexMessage(payload: ByteBuffer(bytes: pex.encode()))) == pex else {
            fatalError("PEX message does not survive a round trip")
        }
    }
}

private func checkBitfield(_ bytes: [UInt8]) {
    let count = bytes.count * 8 - Int(bytes.first ?? 0) % 8
    guard count >= 0, let bits = Bitfield(wire: bytes, count: count) else { return }
    guard bits.wireBytes == bytes, bits.indices.count == bits.setCount else { fatalError("bitfield round trip") }
}
