#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import TestSupport
import Testing
@testable import Transcode

/// Figures for issue 9's note, not a test: run by hand with
/// `RILL_TRANSCODE_BENCH=1 swift test --skip-build --filter TranscodeBenchmark`.
/// Makes (once, kept in /tmp/rill-transcode-bench) 30 s of 1080p HEVC + AC-3 in Matroska, then through a real
/// session with the default settings (nice 10, libx264 veryfast here): probe time, time to the first segment, the
/// transcode speed as seconds of media per second, and ffmpeg's peak RSS (VmHWM, sampled while it runs).
@Suite(.enabled(if: getenv("RILL_TRANSCODE_BENCH") != nil))
struct TranscodeBenchmark {
    static let seconds = 30

    @Test func hevc1080p() async throws {
        let directory = "/tmp/rill-transcode-bench"
        let file = directory + "/hevc-1080p-\(Self.seconds)s.mkv"
        if ScratchFiles.size(file) == nil {
            ScratchFiles.removeTree(directory)
            try ScratchFiles.makeDirectory(directory)
            let make = try ManagedProcess(name: "make", executable: "/usr/bin/ffmpeg", arguments: [
                "-hide_banner", "-v", "error", "-nostdin",
                "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration=\(Self.seconds)",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(Self.seconds)",
                "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-b:v", "6M",
                "-c:a", "ac3", "-ac", "6", "-b:a", "448k", file,
            ], logDirectory: directory)
            #expect(try await make.waitForExit(timeout: .seconds(900)) == 0)
        }
        let work = WorkDirectory()
        var settings = TranscodeSettings(workDirectory: work.path)
        settings.segmentWaitSeconds = 120
        let sessions = TranscodeSessions(settings: settings)
        let encoder = await sessions.videoEncoder()

        let source = try MediaSource.file(file)
        var clock = ContinuousClock.now
        let media = try await Prober(settings: settings).probe(source)
        let probeTime = ContinuousClock.now - clock
        let decision = try PlaybackDecision.decide(media: media, client: chromeLike)
        let rssBefore = Self.memory("self", "VmRSS")

        clock = ContinuousClock.now
        let info = try await sessions.start(source: source, media: media, decision: decision)
        let peak = PeakSampler()
        let sampler = Task {
            while !Task.isCancelled {
                if let pid = await sessions.active.first?.processID, let kib = Self.memory("\(pid)", "VmHWM") {
                    peak.record(kib)
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        _ = try await sessions.initSegment(info.id)
        _ = try await sessions.segment(info.id, index: 0)
        let firstSegment = ContinuousClock.now - clock
        for index in 1..<info.segmentCount { _ = try await sessions.segment(info.id, index: index) }
        let all = ContinuousClock.now - clock
        sampler.cancel()
        let rssAfter = Self.memory("self", "VmRSS")
        await sessions.endAll()

        // The same file remuxed for a client that plays HEVC and AC-3 (Safari): copy only.
        clock = ContinuousClock.now
        let remux = try await sessions.start(source: source, media: media,
                                             decision: try PlaybackDecision.decide(media: media, client: safariLike))
        _ = try await sessions.segment(remux.id, index: 0)
        let remuxFirst = ContinuousClock.now - clock
        for index in 1..<remux.segmentCount { _ = try await sessions.segment(remux.id, index: index) }
        let remuxAll = ContinuousClock.now - clock
        await sessions.endAll()

        let speed = (media.duration ?? 0) / all.inSeconds
        print("""
            transcode benchmark: \(Self.seconds) s of 1920x1080 HEVC Main + 5.1 AC-3 (Matroska) → \
            \(decision.mode.rawValue) with \(encoder.name) (\(encoder.reason))
              probe:                \(Self.ms(probeTime)) ms
              first segment:        \(Self.ms(firstSegment)) ms (session start → segment 0 on disk, \
            \(settings.segmentSeconds) s segments)
              whole file:           \(Self.ms(all)) ms → \((speed * 100).rounded() / 100)x real time
              ffmpeg peak RSS:      \(peak.value / 1024) MiB (VmHWM)
              remux (Safari):       first segment \(Self.ms(remuxFirst)) ms, whole file \(Self.ms(remuxAll)) ms → \
            \(((media.duration ?? 0) / remuxAll.inSeconds).rounded())x real time
              test process RSS:     \(rssBefore.map { $0 / 1024 } ?? 0) → \(rssAfter.map { $0 / 1024 } ?? 0) MiB
            """)
    }

    /// A `/proc/<pid>/status` field in KiB.
    static func memory(_ pid: String, _ field: String) -> Int? {
        guard let bytes = try? readFile("/proc/\(pid)/status") else { return nil }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(field + ":") }
        return line?.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    static func ms(_ duration: Duration) -> Int { Int(duration.inSeconds * 1000) }
}

/// The largest value seen, from the sampling task.
final class PeakSampler: Sendable {
    private let peak = Mutex(0)
    func record(_ value: Int) { peak.withLock { $0 = max($0, value) } }
    var value: Int { peak.withLock { $0 } }
}
