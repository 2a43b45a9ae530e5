import Device
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A 256 MiB bundle streamed in small, uneven chunks (as an HTTP upload delivers them) through the verifier into a
/// slot on real files: resident memory must not grow with the bundle. Run it alone (`--filter StreamingMemoryTests`)
/// for a clean figure; other suites running in parallel in the same process add their own memory.
@Suite(.serialized) struct StreamingMemoryTests {
    static let mebibyte = 1 << 20

    /// Writes `mebibytes` MiB of pseudo-random data to `path` without holding more than 1 MiB.
    static func writeImage(_ path: String, mebibytes: Int, seed: UInt64) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw FileError.failed("open \(path)") }
        defer { close(descriptor) }
        var block = OTAFixtures.bytes(mebibyte, seed: seed)
        for index in 0..<mebibytes {
            withUnsafeBytes(of: UInt64(index)) { block.replaceSubrange(0..<8, with: $0) }
            let written = block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == block.count else { throw FileError.failed("write \(path)") }
        }
    }

    @Test func memoryDoesNotGrowWithBundleSize() throws {
        let directory = try TemporaryDirectory()
        let key = BundleSigningKey.generate()
        try Self.writeImage(directory.path + "/system.squashfs", mebibytes: 224, seed: 1)
        try Self.writeImage(directory.path + "/boot.vfat", mebibytes: 32, seed: 2)
        let bundlePath = directory.path + "/big.rillbundle"
        try BundleWriter(
            version: OTAFixtures.version("0.2.0"), board: "pi-zero-2w", minimumVersion: OTAFixtures.version("0.1.0"),
            created: 1_735_689_600,
            images: [BundleWriter.Input(name: "system.squashfs", path: directory.path + "/system.squashfs"),
                     BundleWriter.Input(name: "boot.vfat", path: directory.path + "/boot.vfat")]
        ).write(to: bundlePath, signingKey: key)
        // The sources are no longer needed: free the disk before writing the slot.
        unlink(directory.path + "/system.squashfs")
        unlink(directory.path + "/boot.vfat")

        let store = SlotStore(directory: directory.path)
        try store.adoptRunningSystem(booted: .a, version: OTAFixtures.version("0.1.0"))
        let writer = SlotWriter(
            slot: .b,
            targets: ["system.squashfs": SlotTarget(path: directory.path + "/b-system"), "boot.vfat": SlotTarget(path: directory.path + "/b-boot")],
            store: store, booted: .a
        )
        var verifier = BundleVerifier(
            trustedKeys: [key.publicKey], policy: BundlePolicy(board: "pi-zero-2w", runningVersion: OTAFixtures.version("0.1.0")),
            sink: writer
        )

        let descriptor = open(bundlePath, O_RDONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var random = SplitMix64(seed: 5)
        let before = try #require(SystemFacts.residentMemoryBytes())
        var peak = before
        var chunks = 0
        var total = 0
        let started = ContinuousClock.now
        while true {
            let wanted = 1 + Int(random.next() % UInt64(buffer.count))
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            #expect(count >= 0)
            if count <= 0 { break }
            try buffer.withUnsafeBytes { try verifier.consume(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            total += count
            chunks += 1
            if chunks % 256 == 0 { peak = max(peak, SystemFacts.residentMemoryBytes() ?? 0) }
        }
        let verified = try verifier.finish()
        let state = try verifier.sink.stage(verified, tries: 3)
        let elapsed = ContinuousClock.now - started
        let after = try #require(SystemFacts.residentMemoryBytes())
        peak = max(peak, after)

        #expect(total == verified.size && total > 256 * Self.mebibyte)
        #expect(state.trial?.slot == .b)
        let growth = peak - before
        print("StreamingMemoryTests: \(total) bytes in \(chunks) chunks (1 B ... 64 KiB) in \(elapsed); RSS before \(before / 1024) KiB, peak \(peak / 1024) KiB, after \(after / 1024) KiB, growth \(growth / 1024) KiB")
        // The read-back buffer (1 MiB) and allocator noise; a buffered bundle would be 256 MiB.
        #expect(growth < 8 * Self.mebibyte, "RSS grew by \(growth / 1024) KiB while streaming \(total) bytes")
    }
}
