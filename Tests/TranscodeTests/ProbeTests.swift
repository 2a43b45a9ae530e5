import TestSupport
import Testing
@testable import Transcode

/// ffprobe on real files made by ffmpeg: what it finds, and that broken, hostile or stalled input is a clean error.
@Suite struct ProbeTests {
    @Test func hevcAC3Matroska() async throws {
        let work = WorkDirectory()
        let path = try await MediaFixtures.shared.hevcAC3()
        let info = try await Prober(settings: work.settings()).probe(try .file(path))
        #expect(info.container == .matroska)
        #expect(abs((info.duration ?? 0) - 16) < 0.2)
        let video = try #require(info.primaryVideo)
        #expect(video.codec == "hevc")
        #expect(video.profile == "Main")
        #expect(video.width == 320 && video.height == 240)
        #expect(abs((video.frameRate ?? 0) - 25) < 0.01)
        let audio = try #require(info.primaryAudio)
        #expect(audio.codec == "ac3")
        #expect(audio.language == "eng")
        #expect(audio.channels == 1)
        #expect(info.chapters == [Chapter(start: 0, end: 8, title: "One"), Chapter(start: 8, end: 16, title: "Two")])
    }

    @Test func h264AACMP4() async throws {
        let work = WorkDirectory()
        let info = try await Prober(settings: work.settings()).probe(try .file(try await MediaFixtures.shared.h264AAC()))
        #expect(info.container == .mp4)
        #expect(info.primaryVideo?.codec == "h264")
        #expect(info.primaryVideo?.profile == "High")
        #expect(info.primaryAudio?.codec == "aac")
        #expect(info.primaryAudio?.profile == "LC")
        #expect((info.bitRate ?? 0) > 0)
        #expect(info.chapters.isEmpty)
    }

    @Test func subtitleStreams() async throws {
        let work = WorkDirectory()
        let info = try await Prober(settings: work.settings())
            .probe(try .file(try await MediaFixtures.shared.withSubtitles()))
        let subtitle = try #require(info.subtitleStreams.first)
        #expect(subtitle.codec == "subrip")
        #expect(subtitle.language == "fre")
        #expect(subtitle.isTextSubtitle && !subtitle.isImageSubtitle)
    }

    @Test func throughHTTP() async throws {
        let work = WorkDirectory()
        let fixtures = MediaFixtures.shared
        _ = try await fixtures.hevcAC3()
        let server = try await HTTPFileServer(directory: fixtures.directory)
        let info = try await Prober(settings: work.settings()).probe(try .url(server.url("hevc-ac3.mkv")))
        await server.stop()
        #expect(info.primaryVideo?.codec == "hevc")
        #expect(abs((info.duration ?? 0) - 16) < 0.2)
    }

    @Test func garbageIsACleanError() async throws {
        let work = WorkDirectory()
        let path = try await MediaFixtures.shared.garbage()
        await #expect {
            try await Prober(settings: work.settings()).probe(try .file(path))
        } throws: { error in
            guard case .unreadableMedia(let source, let status, let message)? = error as? TranscodeError else { return false }
            return source == path && status != 0 && !message.isEmpty
        }
    }

    @Test func missingAndNonMediaFilesAreErrors() async throws {
        let work = WorkDirectory()
        let prober = Prober(settings: work.settings())
        await #expect(throws: TranscodeError.self) { try await prober.probe(try .file(work.path + "/none.mkv")) }
        let text = try await MediaFixtures.shared.srt()  // a subtitle file has no audio or video
        await #expect(throws: TranscodeError.self) { try await prober.probe(try .file(text)) }
    }

    @Test func outputLimitKillsTheProbe() async throws {
        let work = WorkDirectory()
        let prober = Prober(settings: work.settings { $0.probeOutputLimitBytes = 200 })
        let path = try await MediaFixtures.shared.hevcAC3()
        await #expect(throws: TranscodeError.outputTooLarge(tool: "ffprobe", source: path, limit: 200)) {
            try await prober.probe(try .file(path))
        }
    }

    @Test func stalledSourceTimesOut() async throws {
        // A server that sends its headers and 1 KiB, then stalls: ffprobe never gets enough to finish.
        let work = WorkDirectory()
        let fixtures = MediaFixtures.shared
        _ = try await fixtures.hevcAC3()
        let server = try await HTTPFileServer(directory: fixtures.directory, rate: 1)
        let prober = Prober(settings: work.settings { $0.probeTimeoutSeconds = 1.5 })
        let started = ContinuousClock.now
        let url = server.url("hevc-ac3.mkv")
        await #expect(throws: TranscodeError.timedOut(tool: "ffprobe", source: url, seconds: 1.5)) {
            try await prober.probe(try .url(url))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        await server.stop()
    }

    @Test func sourcesAreValidated() throws {
        #expect(throws: TranscodeError.self) { try MediaSource.file("relative/path.mkv") }
        #expect(throws: TranscodeError.self) { try MediaSource.url("file:///etc/passwd") }
        #expect(throws: TranscodeError.self) { try MediaSource.url("concat:/a|/b") }
        #expect(throws: TranscodeError.self) { try MediaSource.url("http://") }
        #expect(throws: TranscodeError.self) { try MediaSource.url("http://host/a b") }
        #expect(try MediaSource(parsing: "/data/a.mkv").isURL == false)
        #expect(try MediaSource(parsing: "http://127.0.0.1:8080/stream/ab/0/a.mkv").isURL)
    }
}
