import Logging
import Crypto
import NIOCore
import NIOPosix

/// BEP 10 extension messages: the extension handshake, BEP 9 metadata exchange and BEP 11 peer exchange.
extension TorrentSession {
    func receivedExtended(id: UInt8, payload: ByteBuffer, from peer: PeerConnection) {
        guard peer.supportsExtensions else { return peerMisbehaved(peer, "an extended message without BEP 10") }
        do {
            switch id {
            case 0:
                peer.extensions = try ExtensionHandshake(payload: payload)
                if state == .fetchingMetadata { requestMetadata() }
            case ExtensionHandshake.localIDs[ExtensionHandshake.metadataExtension]:
                receivedMetadata(try MetadataMessage(payload: payload), from: peer)
            case ExtensionHandshake.localIDs[ExtensionHandshake.pexExtension]:
                guard info?.isPrivate != true else { return }
                addPeers(try PexMessage(payload: payload).added)
            default:
                break
            }
        } catch {
            peerMisbehaved(peer, error.message)
        }
    }

    // MARK: - BEP 11

    /// Once a minute: tells each PEX-speaking peer which peers we connected to and dropped since last time
    /// (at most 50 of each; never for private torrents).
    func sendPeerExchange() {
        guard info?.isPrivate != true else { return }
        let current = Set(peers.values.filter { $0.isOutgoing || $0.extensions.listenPort != nil }.map(\.listenAddress))
        for peer in peers.values {
            guard let remoteID = peer.extensions.extensions[ExtensionHandshake.pexExtension], remoteID != 0 else { continue }
            let others = current.subtracting([peer.listenAddress])
            let added = Array(others.subtracting(peer.pexSent).prefix(PexMessage.maxEntries))
            let dropped = Array(peer.pexSent.subtracting(others).prefix(PexMessage.maxEntries))
            guard !added.isEmpty || !dropped.isEmpty else { continue }
            peer.pexSent.formUnion(added)
            peer.pexSent.subtract(dropped)
            var payload = peer.allocator.buffer(capacity: 64)
            payload.writeBytes(PexMessage(added: added, dropped: dropped).encode())
            peer.send(.extended(id: remoteID, payload: payload))
            peer.flush()
        }
    }

    // MARK: - BEP 9

    /// Asks peers that have the metadata for the pieces we miss (each piece from one peer at a time, re-asked
    /// after 10 s).
    func requestMetadata() {
        guard state == .fetchingMetadata else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        for peer in peers.values {
            guard let remoteID = peer.extensions.extensions[ExtensionHandshake.metadataExtension], remoteID != 0,
                  let size = peer.extensions.metadataSize else { continue }
            guard size <= configuration.maxMetadataSize else { continue }
            if metadata == nil || metadata?.size != size && metadata?.missing.count == metadata?.pieceCount {
                metadata = MetadataAssembler(size: size)
            }
            guard var assembler = metadata, assembler.size == size else { continue }
            for piece in assembler.missing where peer.metadataRequests.count < 4 {
                if let asked = assembler.requestedAt[piece], now - asked < 10_000_000_000 { continue }
                assembler.requestedAt[piece] = now
                peer.metadataRequests.insert(piece)
                sendMetadata(.request(piece: piece), to: peer, id: remoteID)
            }
            metadata = assembler
            peer.flush()
        }
    }

    private func receivedMetadata(_ message: MetadataMessage, from peer: PeerConnection) {
        switch message {
        case .request(let piece):
            guard let remoteID = peer.extensions.extensions[ExtensionHandshake.metadataExtension], remoteID != 0 else { return }
            guard let raw = info?.rawBytes, piece * MetadataMessage.pieceSize < raw.count else {
                return sendMetadata(.reject(piece: piece), to: peer, id: remoteID)
            }
            let start = piece * MetadataMessage.pieceSize
            let bytes = Array(raw[start..<min(raw.count, start + MetadataMessage.pieceSize)])
            sendMetadata(.data(piece: piece, totalSize: raw.count, bytes: bytes), to: peer, id: remoteID)
        case .data(let piece, let totalSize, let bytes):
            peer.metadataRequests.remove(piece)
            guard state == .fetchingMetadata, var assembler = metadata, assembler.size == totalSize else { return }
            guard assembler.add(piece: piece, bytes: bytes) else { return peerMisbehaved(peer, "a metadata piece of the wrong size") }
            metadata = assembler
            if assembler.isComplete { metadataComplete(assembler.bytes) } else { requestMetadata() }
        case .reject(let piece):
            peer.metadataRequests.remove(piece)
            metadata?.requestedAt[piece] = nil
        }
    }

    private func metadataComplete(_ bytes: [UInt8]) {
        guard Array(Insecure.SHA1.hash(data: bytes)) == infoHash.bytes else {
            logger.warning("assembled metadata does not match the info-hash; fetching again")
            metadata = nil
            return
        }
        do {
            let info = try TorrentInfo(rawBytes: bytes)
            logger.info("metadata received", metadata: ["name": "\(info.name)", "bytes": "\(bytes.count)"])
            metadata = nil
            saveMetainfo(bytes)
            attach(info)
            check(info)
        } catch {
            fail("the metadata peers sent is not a valid torrent: \(error)")
        }
    }

    private func sendMetadata(_ message: MetadataMessage, to peer: PeerConnection, id: UInt8) {
        var payload = peer.allocator.buffer(capacity: 64)
        payload.writeBytes(message.encode())
        peer.send(.extended(id: id, payload: payload))
    }
}
