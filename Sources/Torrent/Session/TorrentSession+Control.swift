import Logging
import NIOCore

/// What users change while a torrent runs: pause, resume, file priorities, and the streaming hook.
extension TorrentSession {
    func pause() {
        guard state != .paused, !isStopped else { return }
        stateBeforePause = state
        state = .paused
        for peer in peers.values { peer.close(reason: "paused") }
        stopAnnouncing()
        writeResume(force: true) {}
    }

    func resume() {
        guard state == .paused else { return }
        if info == nil {
            state = .fetchingMetadata
            startAnnouncing()
        } else if stateBeforePause == .checking {
            if let info { check(info) }
            return
        } else {
            state = isDone ? .seeding : .downloading
        }
        connectMore()
        startAnnouncing()
    }

    /// Sets the priority of each file (in torrent order); pieces follow the most wanted file they touch.
    func setFilePriorities(_ priorities: [PiecePriority]) {
        filePriorities = priorities
        guard let info, picker != nil else { return }
        picker?.setPriorities(Self.piecePriorities(priorities, layout: FileLayout(info: info), pieceCount: info.pieceCount))
        guard picker != nil else { return }
        if state == .seeding, !isDone { state = .downloading }
        if state == .downloading, isDone {
            state = .seeding
            notifyCompletion(nil)
        }
        for peer in peers.values {
            updateInterest(peer)
            peer.flush()
        }
    }

    func fileSnapshots() -> [FileSnapshot] {
        guard let info, let picker else { return [] }
        let layout = FileLayout(info: info)
        return info.files.enumerated().compactMap { index, file in
            guard !file.isPadding else { return nil }
            var verified: Int64 = 0
            if let pieces = layout.pieces(ofFile: index) {
                for piece in pieces where picker.have[piece] {
                    let start = max(file.offset, Int64(piece) * Int64(info.pieceLength))
                    let end = min(file.range.upperBound, Int64(piece + 1) * Int64(info.pieceLength))
                    verified += end - start
                }
            }
            return FileSnapshot(
                index: index, path: layout.relativePaths[index], length: file.length, verifiedBytes: verified,
                priority: filePriorities.flatMap { index < $0.count ? $0[index] : nil } ?? .normal
            )
        }
    }
}

/// One file of a torrent, for the detail API and the streaming layer.
public struct FileSnapshot: Sendable, Equatable, Codable {
    public var index: Int
    /// Relative to the torrent's save path.
    public var path: String
    public var length: Int64
    public var verifiedBytes: Int64
    public var priority: PiecePriority
}
