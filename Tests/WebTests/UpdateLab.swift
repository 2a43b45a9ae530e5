import Crypto
import Device
import Logging
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A device on files for the update routes: slot targets `slot-<image>-a|b` in a temporary folder, the slot state
/// next to them, a trusted key, and signed bundles of deterministic images.
final class WebUpdateLab: @unchecked Sendable {
    let directory: TemporaryDirectory
    let key: BundleSigningKey
    var settings: UpdateSettings
    static let imageNames = ["system.img", "boot.img"]

    init(maxBundleBytes: Int = 64 << 20) throws {
        let directory = try TemporaryDirectory()
        let key = BundleSigningKey.generate()
        self.directory = directory
        self.key = key
        settings = UpdateSettings(
            board: "pi4", trustedKeys: [key.publicKey], stateDirectory: directory.path,
            slotImages: try UpdateSettings.parseSlotImages(Self.imageNames.map { "\($0)=\(directory.path)/slot-\($0)-{slot}" }),
            maxBundleBytes: maxBundleBytes, tries: 3, download: DownloadSettings(retryDelayMilliseconds: 100)
        )
    }

    func service(reboot: UpdateService.Reboot? = nil) -> UpdateService {
        var logger = Logger(label: "update-test")
        logger.logLevel = .critical
        let service = UpdateService(settings: settings, booted: .success(.a), bootloader: StateFileBootloader(), reboot: reboot, logger: logger)
        service.start()
        return service
    }

    var store: SlotStore { SlotStore(directory: directory.path) }

    /// `count` pseudo-random bytes from `seed`.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: generator.next()) { out.append(contentsOf: $0) } }
        return Array(out.prefix(count))
    }

    /// A signed bundle's bytes (its images are written to the lab folder first).
    func bundle(
        version: String = "0.2.0", board: String = "pi4", minimum: String = "0.1.0", systemBytes: Int = 300_000, seed: UInt64 = 1,
        key: BundleSigningKey? = nil
    ) throws -> [UInt8] {
        try read(try bundleFile(version: version, board: board, minimum: minimum, systemBytes: systemBytes, seed: seed, key: key))
    }

    /// A signed bundle file in the lab folder; returns its path.
    func bundleFile(
        version: String = "0.2.0", board: String = "pi4", minimum: String = "0.1.0", systemBytes: Int = 300_000, seed: UInt64 = 1,
        key: BundleSigningKey? = nil, name: String? = nil
    ) throws -> String {
        let file = name ?? "bundle-\(version)-\(board)-\(seed)"
        var inputs: [BundleWriter.Input] = []
        for (image, size) in [("system.img", systemBytes), ("boot.img", max(1, systemBytes / 4))] {
            try writeLarge(directory.path + "/\(file).\(image)", bytes: size, seed: seed &+ UInt64(image.utf8.count))
            inputs.append(BundleWriter.Input(name: image, path: directory.path + "/\(file).\(image)"))
        }
        let writer = BundleWriter(
            version: try #require(BundleVersion(version)), board: board, minimumVersion: try #require(BundleVersion(minimum)),
            created: 1_735_689_600, images: inputs
        )
        let path = directory.path + "/" + file
        try writer.write(to: path, signingKey: key ?? self.key)
        for input in inputs { unlink(input.path) }
        return path
    }

    /// Writes `bytes` pseudo-random bytes to `path` in 1 MiB blocks.
    func writeLarge(_ path: String, bytes: Int, seed: UInt64) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw FileError.failed("open \(path)") }
        defer { close(descriptor) }
        var block = Self.bytes(min(bytes, 1 << 20), seed: seed)
        var left = bytes
        var index: UInt64 = 0
        while left > 0 {
            withUnsafeBytes(of: index) { block.replaceSubrange(0..<min(8, block.count), with: $0.prefix(block.count)) }
            let count = min(left, block.count)
            guard block.withUnsafeBytes({ write(descriptor, $0.baseAddress, count) }) == count else { throw FileError.failed("write") }
            left -= count
            index += 1
        }
    }

    func read(_ path: String) throws -> [UInt8] { try directory.read(path) }

    /// Each slot's files now (nil where missing), to show a refusal touched nothing.
    func slots() -> [String: [UInt8]?] {
        var contents: [String: [UInt8]?] = [:]
        for slot in ["a", "b"] {
            for image in Self.imageNames {
                let path = directory.path + "/slot-\(image)-\(slot)"
                contents["\(image)-\(slot)"] = access(path, F_OK) == 0 ? try? read(path) : nil
            }
        }
        return contents
    }

    /// Fills a slot's files, as a running system would have them.
    func fill(_ slot: String, seed: UInt64) throws {
        for image in Self.imageNames { try directory.write("slot-\(image)-\(slot)", Self.bytes(50_000, seed: seed)) }
    }
}
