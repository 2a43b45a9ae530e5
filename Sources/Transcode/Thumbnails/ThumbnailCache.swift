#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One JPEG frame per file for the library, made by ffmpeg on first request and kept on disk.
///
/// Contract: at most `thumbnailMaxCount` files and `thumbnailMaxBytes` bytes in `workDirectory/thumbnails`; the
/// least recently used go first (recency is the file's mtime, touched on every hit, so it survives restarts).
/// One ffmpeg at a time makes thumbnails (a library page asking for fifty must not start fifty), each under
/// `thumbnailTimeoutSeconds`. Requests for the same key while it is being made share that one run.
public actor ThumbnailCache {
    public let settings: TranscodeSettings
    private var entries: [String: Entry]?
    private var inFlight: [String: Task<SegmentFile, any Error>] = [:]
    private var generating = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private struct Entry {
        var size: Int
        var used: Double
    }

    public init(settings: TranscodeSettings) {
        self.settings = settings
    }

    /// The thumbnail of `source`, identified by `key` (anything that changes when the file does: a torrent's
    /// info-hash and file index, or ``fileKey(path:)``). `duration` (from the probe) picks the frame: 10 % in,
    /// at most a minute; the first frame when it is unknown or that frame cannot be had.
    public func thumbnail(for source: MediaSource, key: String, duration: Double?) async throws(TranscodeError)
        -> SegmentFile
    {
        let name = Self.fileName(for: key)
        let path = settings.thumbnailDirectory + "/" + name
        loadEntries()
        if entries?[name] != nil, let size = ScratchFiles.size(path) {
            ScratchFiles.touch(path)
            entries?[name] = Entry(size: size, used: ScratchFiles.modificationTime(path) ?? 0)
            return SegmentFile(path: path, size: size)
        }
        let task = inFlight[name] ?? Task { try await self.make(source: source, name: name, duration: duration) }
        inFlight[name] = task
        defer { inFlight[name] = nil }
        do {
            return try await task.value
        } catch let error as TranscodeError {
            throw error
        } catch {
            throw .fileSystem(path: path, detail: "\(error)")
        }
    }

    /// A key for a local file: its path, size and modification time.
    public nonisolated static func fileKey(path: String) -> String? {
        guard let size = ScratchFiles.size(path), let time = ScratchFiles.modificationTime(path) else { return nil }
        return "\(path)|\(size)|\(time)"
    }

    /// The cached thumbnails' count and bytes.
    public var usage: (count: Int, bytes: Int) {
        loadEntries()
        return (entries?.count ?? 0, entries?.values.reduce(0) { $0 + $1.size } ?? 0)
    }

    private func make(source: MediaSource, name: String, duration: Double?) async throws(TranscodeError) -> SegmentFile {
        await acquire()
        defer { release() }
        try ScratchFiles.makeDirectory(settings.thumbnailDirectory)
        let path = settings.thumbnailDirectory + "/" + name
        let temporary = path + ".tmp.jpg"
        let offset = duration.map { min(60, max(0, $0 * 0.1)) } ?? 0
        var lastError: TranscodeError?
        for start in offset > 0 ? [offset, 0] : [0] {
            ScratchFiles.remove(temporary)
            let arguments = ["-hide_banner", "-nostdin", "-v", "error"]
                + source.inputOptions(readTimeoutSeconds: settings.readTimeoutSeconds)
                + (start > 0 ? ["-ss", HLSPlaylist.decimal(start)] : [])
                + ["-i", source.location, "-map", "0:V:0", "-frames:v", "1",
                   "-vf", "scale=\(settings.thumbnailWidth):-2", "-q:v", "5", "-f", "image2", "-c:v", "mjpeg",
                   "-y", temporary]
            let command = ToolCommand(tool: settings.ffmpegPath, arguments: arguments, niceness: settings.niceness)
            do {
                let output = try await ToolRunner.run(command, toolName: "ffmpeg", source: source.location,
                                                      timeout: .seconds(settings.thumbnailTimeoutSeconds),
                                                      stdoutLimit: 1 << 16)
                if output.exit.succeeded, let size = ScratchFiles.size(temporary), size > 0,
                   rename(temporary, path) == 0 {
                    entries?[name] = Entry(size: size, used: ScratchFiles.modificationTime(path) ?? 0)
                    evict(keeping: name)
                    return SegmentFile(path: path, size: size)
                }
                lastError = .unreadableMedia(source: source.location, status: output.exit.statusNumber,
                                             message: output.stderr.isEmpty ? "no frame" : output.stderr)
            } catch {
                lastError = error
            }
        }
        ScratchFiles.remove(temporary)
        throw lastError ?? .unreadableMedia(source: source.location, status: -1, message: "no frame")
    }

    /// Drops least recently used thumbnails until both bounds hold (never `keeping`, the one just made).
    private func evict(keeping: String) {
        guard var current = entries else { return }
        var bytes = current.values.reduce(0) { $0 + $1.size }
        let order = current.sorted { $0.value.used < $1.value.used }.map(\.key)
        for name in order where current.count > settings.thumbnailMaxCount || bytes > settings.thumbnailMaxBytes {
            guard name != keeping, let entry = current.removeValue(forKey: name) else { continue }
            bytes -= entry.size
            ScratchFiles.remove(settings.thumbnailDirectory + "/" + name)
        }
        entries = current
    }

    /// Reads the directory once: the cache outlives the process.
    private func loadEntries() {
        guard entries == nil else { return }
        var found: [String: Entry] = [:]
        for name in ScratchFiles.list(settings.thumbnailDirectory) {
            let path = settings.thumbnailDirectory + "/" + name
            guard name.hasSuffix(".jpg"), !name.contains(".tmp"), let size = ScratchFiles.size(path) else {
                ScratchFiles.remove(path)
                continue
            }
            found[name] = Entry(size: size, used: ScratchFiles.modificationTime(path) ?? 0)
        }
        entries = found
    }

    private func acquire() async {
        guard generating else {
            generating = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            generating = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// FNV-1a (64 bit) of the key, in hex: a file name that reveals nothing of the path.
    static func fileName(for key: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + ".jpg"
    }
}
