import TestSupport
import Testing
@testable import Transcode

/// Real ffmpeg sessions on lavfi-made files: the HLS output decodes, seeks restart at the right time, idle sessions
/// end with their ffmpeg and files, the limit answers busy, broken input fails cleanly.
@Suite struct TranscodeSessionTests {
    /// Starts a session for `path` with the decision `client` gets (or `mode` forced).
    static func start(_ sessions: TranscodeSessions, path: String, client: ClientAbilities = chromeLike,
                      mode: PlaybackMode? = nil, owner: String? = nil, startTime: Double = 0) async throws
        -> (TranscodeSessionInfo, MediaInfo)
    {
        let source = try MediaSource.file(path)
        let media = try await Prober(settings: sessions.settings).probe(source)
        let decision = try PlaybackDecision.decide(media: media, client: client, forcedMode: mode)
        let info = try await sessions.start(source: source, media: media, decision: decision, startTime: startTime,
                                            owner: owner)
        return (info, media)
    }

    /// Fetches the init segment and segments `range` and joins them into one MP4 in `work`.
    static func fetch(_ sessions: TranscodeSessions, _ id: String, _ range: ClosedRange<Int>, work: WorkDirectory)
        async throws -> String
    {
        var paths = [try await sessions.initSegment(id).path]
        for index in range { paths.append(try await sessions.segment(id, index: index).path) }
        let output = work.path + "/joined-\(range.lowerBound)-\(range.upperBound).mp4"
        try concatenate(paths, into: output)
        return output
    }

    @Test func hevcAC3TranscodesToHLSThatDecodes() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings())
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.hevcAC3())
        #expect(info.decision.mode == .fullTranscode)
        #expect(info.encoder?.name == "libx264")  // no V4L2 device here
        #expect(info.segmentCount == 4)
        let playlist = try await sessions.playlist(info.id)
        #expect(playlist.contains("#EXT-X-MAP:URI=\"init.mp4\""))
        #expect(playlist.contains("3.m4s\n#EXT-X-ENDLIST"))

        let joined = try await Self.fetch(sessions, info.id, 0...3, work: work)
        let output = try await Prober(settings: sessions.settings).probe(try .file(joined))
        #expect(output.primaryVideo?.codec == "h264")
        #expect(output.primaryVideo?.pixelFormat == "yuv420p")
        #expect(output.primaryAudio?.codec == "aac")
        #expect(output.primaryAudio?.channels == 2)
        _ = try await runTool("/usr/bin/ffmpeg", ["-v", "error", "-xerror", "-i", joined, "-f", "null", "-"])
        let first = try await firstTimestamps(joined)
        #expect(abs((first[0] ?? -1) - TranscodeArguments.timelineOffset) < 0.05)
        // Every segment starts exactly on the grid (a keyframe is forced there).
        for index in 1...3 {
            let one = try await Self.fetch(sessions, info.id, index...index, work: work)
            let start = try #require(try await firstTimestamps(one)[0])
            #expect(abs(start - (Double(index) * 4 + TranscodeArguments.timelineOffset)) < 0.05, "segment \(index)")
        }
        await sessions.endAll()
        #expect(!ScratchFiles.exists(info.directory))
    }

    @Test func seekToTheMiddleRestartsThere() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings { $0.seekRestartGap = 0 })
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.hevcAC3())
        // Straight to segment 2 (8 s): ffmpeg is restarted there unless the first run already got that far.
        let joined = try await Self.fetch(sessions, info.id, 2...2, work: work)
        let first = try await firstTimestamps(joined)
        let expected = 8 + TranscodeArguments.timelineOffset
        #expect(abs((first[0] ?? -1) - expected) < 0.05, "video starts at \(first[0] ?? -1)")
        #expect(abs((first[1] ?? -1) - expected) < 0.1, "audio starts at \(first[1] ?? -1)")
        _ = try await runTool("/usr/bin/ffmpeg", ["-v", "error", "-xerror", "-i", joined, "-f", "null", "-"])
        // Then backwards to segment 0: served by a new run or from disk, on the timeline either way.
        let back = try await Self.fetch(sessions, info.id, 0...0, work: work)
        #expect(abs((try await firstTimestamps(back)[0] ?? -1) - TranscodeArguments.timelineOffset) < 0.05)
        let runs = await sessions.active.first?.runs ?? 0
        #expect(runs >= 2)
        await sessions.endAll()
    }

    @Test func startTimeBeginsTheFirstRunThere() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings())
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.hevcAC3(), startTime: 13)
        let joined = try await Self.fetch(sessions, info.id, 3...3, work: work)
        #expect(abs((try await firstTimestamps(joined)[0] ?? -1) - (12 + TranscodeArguments.timelineOffset)) < 0.05)
        #expect(await sessions.active.first?.runs == 1)
        await sessions.endAll()
    }

    @Test func remuxCopiesHEVCForSafari() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings())
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.hevcAC3(), client: safariLike)
        #expect(info.decision.mode == .remux)
        #expect(info.encoder == nil)
        let joined = try await Self.fetch(sessions, info.id, 0...3, work: work)
        let tags = try await runTool("/usr/bin/ffprobe", ["-v", "error", "-show_entries",
                                                          "stream=codec_name,codec_tag_string", "-of", "csv=p=0", joined])
        #expect(tags.contains("hevc,hvc1"))
        #expect(tags.contains("ac3"))
        _ = try await runTool("/usr/bin/ffmpeg", ["-v", "error", "-xerror", "-i", joined, "-f", "null", "-"])
        // Copied video is cut at the source's keyframes (every 2 s here), so a seek lands on one.
        let middle = try await Self.fetch(sessions, info.id, 2...2, work: work)
        let start = try #require(try await firstTimestamps(middle)[0]) - TranscodeArguments.timelineOffset
        #expect(start >= 6 - 0.05 && start <= 10 + 0.05, "segment 2 starts at \(start)")
        await sessions.endAll()
    }

    @Test func audioTranscodeKeepsTheVideo() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings())
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.h264AAC(),
                                             mode: .audioTranscode)
        let joined = try await Self.fetch(sessions, info.id, 0...2, work: work)
        let output = try await Prober(settings: sessions.settings).probe(try .file(joined))
        #expect(output.primaryVideo?.codec == "h264")
        #expect(output.primaryAudio?.codec == "aac")
        #expect(output.primaryAudio?.channels == 2)
        await sessions.endAll()
    }

    @Test func anHTTPSourceTranscodes() async throws {
        let work = WorkDirectory()
        let fixtures = MediaFixtures.shared
        _ = try await fixtures.h264AAC()
        let server = try await HTTPFileServer(directory: fixtures.directory)
        let sessions = TranscodeSessions(settings: work.settings())
        let source = try MediaSource.url(server.url("h264-aac.mp4"))
        let media = try await Prober(settings: sessions.settings).probe(source)
        let decision = try PlaybackDecision.decide(media: media, client: chromeLike, forcedMode: .fullTranscode)
        let info = try await sessions.start(source: source, media: media, decision: decision)
        let joined = try await Self.fetch(sessions, info.id, 0...2, work: work)
        _ = try await runTool("/usr/bin/ffmpeg", ["-v", "error", "-xerror", "-i", joined, "-f", "null", "-"])
        await sessions.endAll()
        await server.stop()
    }

    @Test func anIdleSessionEndsItsFFmpegAndItsFiles() async throws {
        // The source trickles at 20 KiB/s, so ffmpeg is still reading when the client goes away.
        let work = WorkDirectory()
        let fixtures = MediaFixtures.shared
        _ = try await fixtures.hevcAC3()
        let server = try await HTTPFileServer(directory: fixtures.directory, rate: 20 << 10)
        let sessions = TranscodeSessions(settings: work.settings { $0.idleTimeoutSeconds = 1.5 })
        let source = try MediaSource.url(server.url("hevc-ac3.mkv"))
        let media = try await Prober(settings: sessions.settings).probe(source)
        let decision = try PlaybackDecision.decide(media: media, client: chromeLike)
        let info = try await sessions.start(source: source, media: media, decision: decision)
        var pid: Int32?
        for _ in 0..<100 where pid == nil {
            pid = await sessions.active.first?.processID
            try await Task.sleep(for: .milliseconds(20))
        }
        let ffmpeg = try #require(pid)
        #expect(processExists(ffmpeg))
        #expect(ScratchFiles.exists(info.directory))
        // The client is gone: nothing asks for anything. Idle timeout 1.5 s + reaper tick 0.5 s + SIGTERM.
        let started = ContinuousClock.now
        while processExists(ffmpeg) || ScratchFiles.exists(info.directory),
              ContinuousClock.now - started < .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let waited = ContinuousClock.now - started
        #expect(await sessions.active.isEmpty)
        #expect(!processExists(ffmpeg))
        #expect(!ScratchFiles.exists(info.directory))
        #expect(waited < .seconds(1.5 + 0.5 + 1.5), "ffmpeg and files gone after \(waited)")
        await #expect(throws: TranscodeError.unknownSession(info.id)) { try await sessions.segment(info.id, index: 0) }
        await server.stop()
    }

    @Test func theSessionLimitAnswersBusy() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings())  // default limit: 1
        let path = try await MediaFixtures.shared.h264AAC()
        let (first, _) = try await Self.start(sessions, path: path, mode: .remux, owner: "phone")
        await #expect(throws: TranscodeError.busy(activeSessions: 1)) {
            try await Self.start(sessions, path: path, mode: .remux, owner: "tv")
        }
        // The same player (a reload) replaces its own session instead of being refused.
        let (again, _) = try await Self.start(sessions, path: path, mode: .remux, owner: "phone")
        #expect(again.id != first.id)
        await #expect(throws: TranscodeError.unknownSession(first.id)) { try await sessions.playlist(first.id) }
        await sessions.end(again.id)
        let (tv, _) = try await Self.start(sessions, path: path, mode: .remux, owner: "tv")
        #expect(await sessions.active.map(\.id) == [tv.id])
        await sessions.endAll()
    }

    @Test func directPlayNeedsNoSession() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings())
        let path = try await MediaFixtures.shared.h264AAC()
        await #expect(throws: TranscodeError.invalidRequest("direct play needs no transcode session")) {
            try await Self.start(sessions, path: path)
        }
    }

    @Test func aTruncatedFileFailsCleanly() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings { $0.segmentWaitSeconds = 10 })
        let path = try await MediaFixtures.shared.truncated()
        let source = try MediaSource.file(path)
        // Whether ffprobe reads the 4 KiB header or not, nothing hangs and the error is typed.
        let started = ContinuousClock.now
        do {
            let media = try await Prober(settings: sessions.settings).probe(source)
            let decision = try PlaybackDecision.decide(media: media, client: chromeLike)
            let info = try await sessions.start(source: source, media: media, decision: decision)
            // ffprobe reads the header; ffmpeg then finds no media after it.
            let error = await #expect(throws: TranscodeError.self) { try await sessions.segment(info.id, index: 1) }
            if case .noSuchSegment(_, 1, let detail)? = error {
                #expect(!detail.isEmpty)
            } else {
                Issue.record("expected noSuchSegment, got \(String(describing: error))")
            }
        } catch {
            #expect(!error.description.isEmpty)
        }
        #expect(ContinuousClock.now - started < .seconds(12))
        await sessions.endAll()
    }

    @Test func segmentsOutsideThePlaylistAreRefused() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings())
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.h264AAC(), mode: .remux)
        await #expect(throws: TranscodeError.self) { try await sessions.segment(info.id, index: 3) }
        await #expect(throws: TranscodeError.self) { try await sessions.segment(info.id, index: -1) }
        await #expect(throws: TranscodeError.unknownSession("nope")) { try await sessions.segment("nope", index: 0) }
        await sessions.endAll()
    }

    @Test func theScratchLimitStopsFFmpegAheadOfThePlayer() async throws {
        // Remuxing runs far ahead of a player, limited here only by the source (150 KB/s); 250 KB of scratch
        // holds about a third of the file.
        let work = WorkDirectory()
        let fixtures = MediaFixtures.shared
        _ = try await fixtures.hevcAC3()
        let server = try await HTTPFileServer(directory: fixtures.directory, rate: 150_000)
        let limit = 250_000
        let sessions = TranscodeSessions(settings: work.settings { $0.scratchLimitBytes = limit })
        let source = try MediaSource.url(server.url("hevc-ac3.mkv"))
        let media = try await Prober(settings: sessions.settings).probe(source)
        let info = try await sessions.start(source: source, media: media,
                                            decision: try PlaybackDecision.decide(media: media, client: safariLike))
        #expect(info.decision.mode == .remux)
        _ = try await sessions.segment(info.id, index: 0)
        let started = ContinuousClock.now
        var status = try #require(await sessions.active.first)
        while status.note == nil, ContinuousClock.now - started < .seconds(8) {
            try await Task.sleep(for: .milliseconds(100))
            status = try #require(await sessions.active.first)
        }
        #expect(status.note?.contains("scratch limit") == true)
        #expect(status.processID == nil)
        // Past the limit by at most what ffmpeg wrote between two reaper ticks (0.5 s; more on a loaded machine).
        #expect(ScratchFiles.treeSize(info.directory) <= limit + 300_000)
        // The player moves on: later segments still come (ffmpeg restarts where it is asked).
        let last = try await sessions.segment(info.id, index: 3)
        #expect(last.size > 0)
        await sessions.endAll()
        await server.stop()
    }

    @Test func segmentsDeletedUnderTheLimitAreMadeAgain() async throws {
        // 150 KB holds about one 320x240 segment: playing forward deletes what was played.
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings { $0.scratchLimitBytes = 150_000 })
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.hevcAC3())
        var first = ""
        for index in 0...3 {
            let segment = try await sessions.segment(info.id, index: index)
            if index == 0 { first = segment.path }
            try await Task.sleep(for: .milliseconds(600))  // a reaper tick enforces the limit
        }
        #expect(!ScratchFiles.exists(first))
        // The player seeks back to the start: a new run writes it again, on the same timeline.
        let again = try await Self.fetch(sessions, info.id, 0...0, work: work)
        #expect(abs((try await firstTimestamps(again)[0] ?? -1) - TranscodeArguments.timelineOffset) < 0.05)
        await sessions.endAll()
    }

    @Test func aMissingFFmpegFailsTheSessionQuickly() async throws {
        let work = WorkDirectory()
        let sessions = TranscodeSessions(settings: work.settings { $0.ffmpegPath = "/nonexistent/ffmpeg" })
        let (info, _) = try await Self.start(sessions, path: try await MediaFixtures.shared.h264AAC(), mode: .remux)
        let started = ContinuousClock.now
        let error = await #expect(throws: TranscodeError.self) { try await sessions.segment(info.id, index: 0) }
        #expect(ContinuousClock.now - started < .seconds(5))
        if case .noSuchSegment(_, 0, let detail)? = error {
            #expect(detail.contains("failed 3 times"))
        } else {
            Issue.record("expected noSuchSegment, got \(String(describing: error))")
        }
        #expect(await sessions.active.first?.note?.contains("failed 3 times") == true)
        await sessions.endAll()
    }
}
