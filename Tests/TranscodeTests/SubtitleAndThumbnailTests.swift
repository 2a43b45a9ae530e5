import TestSupport
import Testing
@testable import Transcode

/// WebVTT from text subtitles, the thumbnail cache and its bounds, and the encoder choice on this machine.
@Suite struct SubtitleAndThumbnailTests {
    @Test func srtFileBecomesWebVTT() async throws {
        let work = WorkDirectory()
        let vtt = try await SubtitleExtractor(settings: work.settings())
            .webVTT(from: try .file(try await MediaFixtures.shared.srt()))
        let text = String(decoding: vtt, as: UTF8.self)
        #expect(text.hasPrefix("WEBVTT"))
        #expect(text.contains("00:01.000 --> 00:02.500"))
        #expect(text.contains("Hello from Rill"))
    }

    @Test func embeddedTrackBecomesWebVTT() async throws {
        let work = WorkDirectory()
        let settings = work.settings()
        let source = try MediaSource.file(try await MediaFixtures.shared.withSubtitles())
        let media = try await Prober(settings: settings).probe(source)
        let track = try #require(media.subtitleStreams.first)
        let vtt = try await SubtitleExtractor(settings: settings).webVTT(from: source, stream: track.index, media: media)
        let text = String(decoding: vtt, as: UTF8.self)
        // On the file's timeline: Matroska shifted everything by the AAC priming delay (21 ms).
        #expect(text.contains("00:03.0") && text.contains(" --> 00:04.0"))
        #expect(text.contains("Second line"))
        // Not a subtitle stream, an image subtitle, or output over the limit: errors, not garbage.
        await #expect(throws: TranscodeError.self) {
            try await SubtitleExtractor(settings: settings).webVTT(from: source, stream: 0, media: media)
        }
        var pictures = media
        pictures.streams[track.index].codec = "hdmv_pgs_subtitle"
        await #expect(throws: TranscodeError.self) {
            try await SubtitleExtractor(settings: settings).webVTT(from: source, stream: track.index, media: pictures)
        }
        let small = work.settings { $0.subtitleLimitBytes = 16 }
        await #expect(throws: TranscodeError.outputTooLarge(tool: "ffmpeg", source: source.location, limit: 16)) {
            try await SubtitleExtractor(settings: small).webVTT(from: source, stream: track.index)
        }
    }

    @Test func thumbnailsAreMadeOnceAndBounded() async throws {
        let work = WorkDirectory()
        let fixtures = MediaFixtures.shared
        let files = [try await fixtures.hevcAC3(), try await fixtures.h264AAC(), try await fixtures.withSubtitles()]
        let cache = ThumbnailCache(settings: work.settings { $0.thumbnailMaxCount = 2 })
        var made: [SegmentFile] = []
        for path in files {
            let key = try #require(ThumbnailCache.fileKey(path: path))
            let thumbnail = try await cache.thumbnail(for: try .file(path), key: key, duration: 12)
            let head = try readFile(thumbnail.path).prefix(3)
            #expect(Array(head) == [0xFF, 0xD8, 0xFF])  // JPEG
            made.append(thumbnail)
        }
        let probe = try await Prober(settings: cache.settings).probe(try .file(made[2].path))
        #expect(probe.primaryVideo?.width == 320)
        // Three made, two kept: the least recently used went.
        #expect(await cache.usage.count == 2)
        #expect(!ScratchFiles.exists(made[0].path))
        // A hit is the same file, no ffmpeg.
        let key = try #require(ThumbnailCache.fileKey(path: files[2]))
        let again = try await cache.thumbnail(for: try .file(files[2]), key: key, duration: 12)
        #expect(again == made[2])
        // Byte bound too.
        let tiny = ThumbnailCache(settings: work.settings { $0.thumbnailMaxBytes = made[2].size + 1 })
        #expect(await tiny.usage.count == 2)  // what the first cache left on disk
        _ = try await tiny.thumbnail(for: try .file(files[0]), key: "other", duration: nil)
        #expect(await tiny.usage.count == 1)
    }

    @Test func concurrentRequestsShareOneRun() async throws {
        let work = WorkDirectory()
        let path = try await MediaFixtures.shared.h264AAC()
        let cache = ThumbnailCache(settings: work.settings())
        async let first = cache.thumbnail(for: try .file(path), key: "k", duration: 12)
        async let second = cache.thumbnail(for: try .file(path), key: "k", duration: 12)
        let (a, b) = try await (first, second)
        #expect(a == b)
        #expect(await cache.usage.count == 1)
    }

    @Test func brokenFileHasNoThumbnail() async throws {
        let work = WorkDirectory()
        let cache = ThumbnailCache(settings: work.settings())
        await #expect(throws: TranscodeError.self) {
            try await cache.thumbnail(for: try .file(try await MediaFixtures.shared.garbage()), key: "g", duration: 10)
        }
        #expect(await cache.usage.count == 0)
    }

    @Test func encoderChoiceIsReported() async throws {
        let work = WorkDirectory()
        let detected = await VideoEncoder.detect(settings: work.settings())
        // Debian's ffmpeg lists h264_v4l2m2m; without a V4L2 encoder device the test encode fails.
        #expect(detected.name == "libx264" || detected.hardware)
        #expect(!detected.reason.isEmpty)
        let off = await VideoEncoder.detect(settings: work.settings { $0.hardwareEncoding = false })
        #expect(off == VideoEncoder(name: "libx264", hardware: false, reason: "hardware encoding is off in the settings"))
        let missing = await VideoEncoder.detect(settings: work.settings { $0.ffmpegPath = "/nonexistent/ffmpeg" })
        #expect(missing.name == "libx264")
        #expect(missing.reason.contains("cannot list"))
    }
}
