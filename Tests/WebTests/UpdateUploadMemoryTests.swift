import Device
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A 250 MiB bundle uploaded with curl (`-T`, streamed from the file) to the real HTTP application: the server's
/// resident memory must not grow with the bundle. Run it alone (`--filter UpdateUploadMemoryTests`) for a clean
/// figure; other suites in the same process add their own memory.
@Suite(.serialized) struct UpdateUploadMemoryTests {
    @Test func uploadMemoryDoesNotGrowWithBundleSize() async throws {
        let lab = try WebUpdateLab(maxBundleBytes: 1 << 30)
        var figures: [String] = []
        var growths: [Int: Int] = [:]
        for mebibytes in [50, 250] {
            let path = try lab.bundleFile(systemBytes: (mebibytes << 20) * 4 / 5, seed: UInt64(mebibytes), name: "big-\(mebibytes).rillbundle")
            let size = try #require(fileSize(path))
            let service = lab.service()
            try await withLiveServer(update: service) { port, _ in
                let before = try #require(SystemFacts.residentMemoryBytes())
                let peak = Atomic<Int>(before)
                let sampler = Task {
                    while !Task.isCancelled {
                        let now = SystemFacts.residentMemoryBytes() ?? 0
                        if now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }
                let started = ContinuousClock.now
                let result = await offPool {
                    try? SystemCommand.run([
                        "curl", "-sS", "-o", "/dev/stdout", "-w", "\n%{http_code}", "-X", "POST", "-T", path,
                        "-H", "Content-Type: application/octet-stream", "http://127.0.0.1:\(port)/api/v1/update",
                    ])
                }
                let elapsed = ContinuousClock.now - started
                sampler.cancel()
                _ = await sampler.value
                let output = result?.output ?? "curl did not run"
                #expect(output.hasSuffix("\n200"), "\(output.suffix(600))")
                #expect(output.contains(#""phase":"staged""#))
                let growth = peak.load(ordering: .relaxed) - before
                growths[mebibytes] = growth
                figures.append("\(size / 1024 / 1024) MiB in \(elapsed): RSS before \(before / 1024) KiB, peak +\(growth / 1024) KiB")
            }
            await service.shutdown()
            unlink(path)
            for slot in ["a", "b"] { for image in WebUpdateLab.imageNames { unlink(lab.directory.path + "/slot-\(image)-\(slot)") } }
        }
        print("UpdateUploadMemoryTests: " + figures.joined(separator: "; "))
        // Buffers in flight (a 512 KiB batch, NIO's, the 1 MiB read-back buffer) and allocator noise: a few MiB,
        // the same for 50 and 250 MiB. A buffered bundle would be 250 MiB.
        let small = try #require(growths[50])
        let large = try #require(growths[250])
        #expect(large < 24 << 20, "RSS grew by \(large / 1024) KiB for a 250 MiB bundle")
        #expect(large < small + (12 << 20), "growth \(small / 1024) KiB at 50 MiB, \(large / 1024) KiB at 250 MiB")
    }

    private func fileSize(_ path: String) -> Int? {
        // (Not `stat`: with NIO's CNIOLinux in the module, `struct stat`'s members need that module imported.)
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        guard fseek(file, 0, SEEK_END) == 0 else { return nil }
        let size = ftell(file)
        return size >= 0 ? size : nil
    }
}
