import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where one image of a slot goes: a partition (or, in tests and on the QEMU board, a file standing in for one).
public struct SlotTarget: Sendable, Equatable {
    public let path: String
    /// Bytes the target holds (a partition's size); nil when unbounded (a file).
    public let capacity: Int?

    public init(path: String, capacity: Int? = nil) {
        self.path = path
        self.capacity = capacity
    }
}

/// A `BundleImageSink` that installs a bundle into the inactive slot.
///
/// `prepare` checks that the bundle's images are exactly the slot's targets and fit, then records the install in
/// the slot state (which ends any trial of that slot) before the first byte is written. Each image is written to its
/// target, fsynced, then read back from the medium (cached pages dropped) and re-hashed; only when every image read
/// back right can `stage` put the slot on trial. Memory: one read-back buffer of `readBufferSize` bytes.
public struct SlotWriter: BundleImageSink {
    /// The slot being written.
    public let slot: Slot
    /// The slot the running system booted from (must be the last good one).
    public let booted: Slot
    private let targets: [String: SlotTarget]
    private let store: SlotStore
    private let readBufferSize: Int
    /// Tests cut the power here.
    var powerCut = PowerCut.never

    private var manifest: BundleManifest?
    private var file: OTAFile?
    private var readBack: [BundleImage] = []
    private var aborted = false

    /// A writer of `slot` with one target per image name (`system.squashfs`, `boot.vfat`).
    public init(slot: Slot, targets: [String: SlotTarget], store: SlotStore, booted: Slot, readBufferSize: Int = 1 << 20) {
        self.slot = slot
        self.targets = targets
        self.store = store
        self.booted = booted
        self.readBufferSize = max(4096, readBufferSize)
    }

    public mutating func prepare(for manifest: BundleManifest) throws(BundleSinkError) {
        let names = manifest.images.map(\.name)
        guard Set(names) == Set(targets.keys) else {
            throw .refused(
                "bundle images [\(names.joined(separator: ", "))] are not this slot's [\(targets.keys.sorted().joined(separator: ", "))]"
            )
        }
        for image in manifest.images {
            if let capacity = targets[image.name]?.capacity, image.size > capacity {
                throw .refused("image \(image.name) is \(image.size) bytes, its target holds \(capacity)")
            }
        }
        do {
            try store.beginInstall(version: manifest.version, into: slot, booted: booted)
        } catch {
            throw .slotState(error)
        }
        self.manifest = manifest
    }

    public mutating func begin(image: BundleImage) throws(BundleSinkError) {
        guard manifest != nil, let target = targets[image.name] else { throw .refused("image \(image.name) was not prepared") }
        do {
            file = try OTAFile.open(target.path, flags: O_WRONLY | O_CREAT, mode: 0o644)
            try powerCut.point("slot-open", path: target.path)
        } catch {
            throw .file(error)
        }
    }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(BundleSinkError) {
        guard let file else { throw .refused("bytes outside an image") }
        do {
            try file.write(bytes)
            try powerCut.point("slot-write", path: file.path)
        } catch {
            throw .file(error)
        }
    }

    public mutating func finish(image: BundleImage) throws(BundleSinkError) {
        guard let file else { throw .refused("image \(image.name) was not begun") }
        self.file = nil
        let digest: [UInt8]?
        do throws(OTAFileError) {
            if file.isRegularFile { try file.truncate(to: image.size) }
            try file.sync()
            try file.close()
            try powerCut.point("slot-fsync", path: file.path)
            digest = try hash(file.path, size: image.size)
            try powerCut.point("slot-readback", path: file.path)
        } catch {
            throw .file(error)
        }
        guard digest == image.sha256 else { throw .readbackMismatch(image: image.name, path: file.path) }
        readBack.append(image)
    }

    public mutating func abort() {
        file = nil
        aborted = true
        // Best effort: if this fails too, the state still says "installing", which never boots this slot.
        if manifest != nil { try? store.installFailed(into: slot) }
    }

    /// After `BundleVerifier.finish()` returned `bundle`: put the slot on trial for `tries` boots (1 ... 5; the Pi
    /// firmware's tryboot gives exactly 1). Refused unless every image of that bundle was written and read back.
    public func stage(_ bundle: VerifiedBundle, tries: Int) throws(SlotStateError) -> SlotState {
        guard !aborted, let manifest, bundle.manifest == manifest, readBack == manifest.images else {
            throw .slotNotVerified(slot)
        }
        try store.stage(VerifiedSlot(slot: slot, version: manifest.version, images: readBack), tries: tries)
        return store.load().state
    }

    /// The SHA-256 of the first `size` bytes of `path`, read from the medium; nil when it is shorter.
    private func hash(_ path: String, size: Int) throws(OTAFileError) -> [UInt8]? {
        let file = try OTAFile.reading(path)
        file.dropCachedPages()
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: readBufferSize)
        var remaining = size
        while remaining > 0 {
            let wanted = min(remaining, buffer.count)
            let result: Result<Int, OTAFileError> = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(OTAFileError) in try file.readFully(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<wanted])) }
            }
            let count = try result.get()
            guard count == wanted else { return nil }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            remaining -= count
        }
        try file.close()
        return Array(hasher.finalize())
    }
}
