import Logging
import Bencode
import NIOCore
import NIOPosix

/// Finding out what is already on disk, and remembering what is verified.
extension TorrentSession {
    var resumePath: String? { stateDirectory.map { "\($0)/\(infoHash.hex).resume" } }
    var metainfoPath: String? { stateDirectory.map { "\($0)/\(infoHash.hex).torrent" } }

    /// Works out which pieces are on disk already: resume data when every file still matches it, else a re-check
    /// that hashes each piece holding any data. Then starts downloading (or seeding).
    func check(_ info: TorrentInfo) {
        guard let storage else { return }
        state = .checking
        let resumePath = resumePath, infoHash = infoHash
        directory.disk.runIfActive(eventLoop: loop) { () -> (Bitfield, Bool) in
            try storage.createEmptyFiles()  // no piece will ever write them
            let files = storage.fileStates()
            var have = Bitfield(count: info.pieceCount)
            if zip(files, info.files).allSatisfy({ $0.0 == nil || $0.1.length == 0 }) { return (have, false) }
            if let resumePath, let bytes = AtomicFile.read(resumePath, limit: 64 << 20),
               let resume = ResumeData(bytes: bytes, infoHash: infoHash, pieceCount: info.pieceCount, fileCount: info.files.count),
               resume.files == files {
                return (resume.have, false)
            }
            for piece in 0..<info.pieceCount {
                let length = info.length(ofPiece: piece)
                guard storage.hasData(piece: piece, length: length) else { continue }
                if try storage.hash(piece: piece, length: length) == Array(info.hash(ofPiece: piece)) { have.insert(piece) }
            }
            return (have, true)
        }.assumeIsolated().whenComplete { [self] result in
            guard !isStopped else { return }
            switch result {
            case .failure(let error):
                fail("cannot check existing data: \(error)")
            case .success(let (have, rechecked)):
                if rechecked { logger.info("re-checked existing data", metadata: ["pieces": "\(have.setCount)/\(have.count)"]) }
                picker?.markHave(have)
                state = .downloading
                if have.setCount > 0 { resumeDirty = true }
                for peer in peers.values {
                    updateInterest(peer)
                    peer.flush()
                }
                refreshAnnounceProgress()
                startAnnouncing()
                if isDone {
                    state = .seeding
                    writeResume(force: true) {}
                    notifyCompletion(nil)
                } else {
                    connectMore()
                }
            }
        }
    }

    /// Writes resume data (after flushing written data to the disk, so it never claims more than is durable).
    /// Batched: at most every `resumeIntervalSeconds` unless `force`. One write at a time: a forced write
    /// asked for while one is running runs right after it, with the newer state.
    func writeResume(force: Bool, whenDone: @escaping () -> Void) {
        guard let resumePath, let storage, let picker, let stateDirectory, resumeDirty || force else {
            return whenDone()
        }
        guard !resumeWriteInFlight else {
            resumeDirty = true
            resumeWaiters.append(whenDone)
            return
        }
        resumeDirty = false
        resumeWriteInFlight = true
        lastResumeWrite = .now()
        var claimed = picker.have
        for piece in evicting { _ = claimed.remove(piece) }  // gone from the resume data before their holes are punched
        let have = claimed, infoHash = infoHash
        directory.disk.runIfActive(eventLoop: loop) {
            storage.sync()
            AtomicFile.makeFolders(stateDirectory)
            let resume = ResumeData(infoHash: infoHash, have: have, files: storage.fileStates())
            try AtomicFile.write(resume.encode(), to: resumePath)
        }.assumeIsolated().whenComplete { [self] result in
            resumeWriteInFlight = false
            if case .failure(let error) = result {
                logger.warning("cannot write resume data", metadata: ["error": "\(error)"])
                resumeDirty = true
            }
            whenDone()
            if !resumeWaiters.isEmpty {
                let waiters = resumeWaiters
                resumeWaiters.removeAll()
                writeResume(force: true) { for waiter in waiters { waiter() } }
            }
        }
    }

    /// Keeps the `info` dictionary of a magnet once fetched, as a .torrent, so a restart need not fetch it again.
    func saveMetainfo(_ infoBytes: [UInt8]) {
        guard let metainfoPath, let stateDirectory else { return }
        var file: [UInt8] = Array("d".utf8)
        if let tracker = announceTiers.first?.first {
            file += Array("8:announce\(tracker.utf8.count):".utf8) + Array(tracker.utf8)
        }
        file += Array("4:info".utf8) + infoBytes + Array("e".utf8)
        let bytes = file
        directory.disk.runIfActive(eventLoop: loop) {
            AtomicFile.makeFolders(stateDirectory)
            try AtomicFile.write(bytes, to: metainfoPath)
        }.whenFailure { _ in }
    }
}
