import Synchronization
import Torrent

/// When each piece was last read by a stream, in seconds of a monotonic clock: the disk cache evicts the least
/// recently read first. Written from every reader (a lock, not an actor hop per chunk), bounded by
/// ``maxEntries`` (the oldest half goes when it is full), saved to and loaded from a small text file.
public final class ReadRecency: Sendable {
    public static let maxEntries = 1 << 20
    private let entries = Mutex<[InfoHash: [Int: Int64]]>([:])
    private let count = Atomic<Int>(0)
    private let dirty = Atomic<Bool>(false)

    public init() {}

    /// Records a read of `piece` at `seconds`.
    public func noted(_ piece: Int, of infoHash: InfoHash, at seconds: Int64) {
        entries.withLock { all in
            if all[infoHash]?[piece] == nil {
                if count.load(ordering: .relaxed) >= Self.maxEntries { Self.dropOldestHalf(&all, count: count) }
                count.add(1, ordering: .relaxed)
            }
            all[infoHash, default: [:]][piece] = seconds
        }
        dirty.store(true, ordering: .relaxed)
    }

    /// When `piece` was last read, or nil if never (or forgotten).
    public func lastRead(_ piece: Int, of infoHash: InfoHash) -> Int64? {
        entries.withLock { $0[infoHash]?[piece] }
    }

    /// Forgets what no longer exists: pieces evicted, torrents removed.
    public func forget(_ pieces: [Int], of infoHash: InfoHash) {
        entries.withLock { all in
            for piece in pieces where all[infoHash]?.removeValue(forKey: piece) != nil { count.subtract(1, ordering: .relaxed) }
        }
        dirty.store(true, ordering: .relaxed)
    }

    public func keep(only torrents: Set<InfoHash>) {
        entries.withLock { all in
            for key in all.keys where !torrents.contains(key) {
                count.subtract(all[key]?.count ?? 0, ordering: .relaxed)
                all[key] = nil
            }
        }
    }

    /// `<info-hash hex> <piece> <seconds>` per line.
    public func encoded() -> [UInt8] {
        dirty.store(false, ordering: .relaxed)
        return entries.withLock { all in
            var text = ""
            for (infoHash, pieces) in all {
                for (piece, seconds) in pieces { text += "\(infoHash.hex) \(piece) \(seconds)\n" }
            }
            return Array(text.utf8)
        }
    }

    public var needsSaving: Bool { dirty.load(ordering: .relaxed) }

    /// Reads what ``encoded()`` wrote; malformed lines are skipped.
    public func load(_ bytes: [UInt8]) {
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "))
            guard fields.count == 3, let infoHash = InfoHash(hex: String(decoding: fields[0], as: UTF8.self)),
                  let piece = Int(String(decoding: fields[1], as: UTF8.self)), piece >= 0,
                  let seconds = Int64(String(decoding: fields[2], as: UTF8.self)) else { continue }
            noted(piece, of: infoHash, at: seconds)
        }
        dirty.store(false, ordering: .relaxed)
    }

    private static func dropOldestHalf(_ all: inout [InfoHash: [Int: Int64]], count: borrowing Atomic<Int>) {
        let times = all.values.flatMap(\.values).sorted()
        guard !times.isEmpty else { return }
        let cut = times[times.count / 2]
        var kept = 0
        for key in all.keys {
            all[key] = all[key]?.filter { $0.value > cut }
            kept += all[key]?.count ?? 0
        }
        count.store(kept, ordering: .relaxed)
    }
}
