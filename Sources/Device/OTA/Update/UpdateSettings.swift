#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the update service needs to know about this device (from `[update]` in the configuration; see
/// docs/CONFIGURATION.md): its board, the keys it trusts, where the slot state and the slots' partitions are, and the
/// limits of an install.
public struct UpdateSettings: Sendable {
    /// This device's board; a bundle must list it among its compatible boards.
    public var board: String
    /// Bundles must be signed by one of these (one, or two while keys rotate). None: updates are unavailable.
    public var trustedKeys: [BundlePublicKey]
    /// The slot state's folder (`/data/ota` on the device).
    public var stateDirectory: String
    /// Each image name a bundle carries → where it goes in each slot.
    public var slotImages: [String: [Slot: String]]
    /// Largest bundle accepted, upload or download.
    public var maxBundleBytes: Int
    /// Boots a staged slot is tried (1 ... 5) before the device falls back; the Pi firmware's tryboot gives one.
    public var tries: Int
    /// How URL downloads retry and give up.
    public var download: DownloadSettings

    public init(
        board: String, trustedKeys: [BundlePublicKey], stateDirectory: String, slotImages: [String: [Slot: String]],
        maxBundleBytes: Int, tries: Int, download: DownloadSettings = DownloadSettings()
    ) {
        self.board = board
        self.trustedKeys = trustedKeys
        self.stateDirectory = stateDirectory
        self.slotImages = slotImages
        self.maxBundleBytes = maxBundleBytes
        self.tries = tries
        self.download = download
    }

    /// Parses where each image goes: `NAME=PATH` with `{slot}` standing for `a` or `b`
    /// (`system.squashfs=/data/slots/system_{slot}.img`), or one entry per slot, `NAME@a=PATH` and `NAME@b=PATH`
    /// (`boot.vfat@a=/dev/mmcblk0p2`). Every image needs both slots, on different paths.
    public static func parseSlotImages(_ entries: [String]) throws(UpdateSettingsError) -> [String: [Slot: String]] {
        var images: [String: [Slot: String]] = [:]
        for entry in entries {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw UpdateSettingsError("slot image `\(entry)`: not NAME=PATH or NAME@SLOT=PATH")
            }
            var name = String(entry[..<equals])
            let path = String(entry[entry.index(after: equals)...])
            guard !path.isEmpty else { throw UpdateSettingsError("slot image `\(entry)`: no path") }
            var slots: [Slot] = Slot.allCases
            if let at = name.firstIndex(of: "@") {
                guard let slot = Slot(rawValue: String(name[name.index(after: at)...])) else {
                    throw UpdateSettingsError("slot image `\(entry)`: the slot after @ must be a or b")
                }
                slots = [slot]
                name = String(name[..<at])
            } else if !path.contains("{slot}") {
                throw UpdateSettingsError("slot image `\(entry)`: the path must contain {slot}, or give NAME@a= and NAME@b=")
            }
            for slot in slots {
                guard images[name]?[slot] == nil else { throw UpdateSettingsError("slot image `\(name)` is named twice for slot \(slot)") }
                images[name, default: [:]][slot] = path.replacing("{slot}", with: slot.rawValue)
            }
        }
        for (name, paths) in images {
            guard paths.count == 2 else { throw UpdateSettingsError("slot image `\(name)` has a path for one slot only") }
            guard paths[.a] != paths[.b] else { throw UpdateSettingsError("slot image `\(name)` is the same path in both slots") }
        }
        return images
    }

    /// Parses trusted keys given as 64 hex digits each.
    public static func parseKeys(_ hexKeys: [String]) throws(UpdateSettingsError) -> [BundlePublicKey] {
        var keys: [BundlePublicKey] = []
        for text in hexKeys {
            guard text.utf8.count == 64, let bytes = Hex.decode(Array(text.utf8)),
                  let key = try? BundlePublicKey(rawBytes: bytes) else {
                throw UpdateSettingsError("public key `\(text.prefix(80))`: not 64 lowercase hex digits of an Ed25519 key")
            }
            keys.append(key)
        }
        return keys
    }

    /// The targets of `slot`: each image's path with `{slot}` replaced, and the partition's size when the path is a
    /// block device (a regular file, as on test boards, has no fixed size).
    func targets(for slot: Slot) -> [String: SlotTarget] {
        var targets: [String: SlotTarget] = [:]
        for (name, paths) in slotImages {
            guard let path = paths[slot] else { continue }
            targets[name] = SlotTarget(path: path, capacity: Self.blockDeviceSize(path))
        }
        return targets
    }

    /// The size of the block device at `path`; nil for anything else (a file, nothing).
    static func blockDeviceSize(_ path: String) -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var facts = stat()
        guard fstat(descriptor, &facts) == 0, (facts.st_mode & S_IFMT) == S_IFBLK else { return nil }
        let end = lseek(descriptor, 0, SEEK_END)
        return end > 0 ? Int(end) : nil
    }
}

/// How `rill` downloads a bundle from a URL.
public struct DownloadSettings: Sendable, Equatable {
    /// Connections tried in all; after a dropped connection the download resumes where it stopped (HTTP range).
    public var attempts: Int
    /// A connection that moves no byte for this long is dropped (and resumed, while attempts remain).
    public var stallSeconds: Int
    public var connectTimeoutSeconds: Int
    /// The wait before the first retry; it doubles each time, up to 30 s.
    public var retryDelayMilliseconds: Int

    public init(attempts: Int = 5, stallSeconds: Int = 30, connectTimeoutSeconds: Int = 15, retryDelayMilliseconds: Int = 1000) {
        self.attempts = attempts
        self.stallSeconds = stallSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.retryDelayMilliseconds = retryDelayMilliseconds
    }
}

/// An `[update]` setting that cannot be used.
public struct UpdateSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
