import Testing
@testable import Transcode

/// The choice between direct play, remux, audio transcode and full transcode, from what a client said it plays.
@Suite struct PlaybackDecisionTests {
    static func media(container: Container, format: String, video: MediaStream?, audio: [MediaStream],
                      subtitles: [MediaStream] = []) -> MediaInfo {
        MediaInfo(formatName: format, container: container, duration: 60, bitRate: nil, size: nil,
                  streams: (video.map { [$0] } ?? []) + audio + subtitles, chapters: [])
    }

    static func video(_ codec: String, _ profile: String, width: Int = 1920, height: Int = 1080,
                      pixelFormat: String = "yuv420p") -> MediaStream {
        MediaStream(index: 0, kind: .video, codec: codec, profile: profile, width: width, height: height,
                    pixelFormat: pixelFormat, isDefault: true)
    }

    static func audio(_ codec: String, index: Int = 1, profile: String? = nil, isDefault: Bool = true) -> MediaStream {
        MediaStream(index: index, kind: .audio, codec: codec, profile: profile, channels: 6, isDefault: isDefault)
    }

    static let mp4H264AAC = media(container: .mp4, format: "mov,mp4,m4a,3gp,3g2,mj2",
                                  video: video("h264", "High"), audio: [audio("aac", profile: "LC")])
    static let mkvHEVCAC3 = media(container: .matroska, format: "matroska,webm",
                                  video: video("hevc", "Main 10", pixelFormat: "yuv420p10le"), audio: [audio("ac3")])
    static let mkvH264AC3 = media(container: .matroska, format: "matroska,webm",
                                  video: video("h264", "High"), audio: [audio("ac3")])
    static let mkvH264AAC = media(container: .matroska, format: "matroska,webm",
                                  video: video("h264", "High"), audio: [audio("aac", profile: "LC")])

    @Test func h264AACInMP4PlaysDirectly() throws {
        for client in [chromeLike, safariLike] {
            let decision = try PlaybackDecision.decide(media: Self.mp4H264AAC, client: client)
            #expect(decision.mode == .directPlay)
            #expect(decision.reasons.isEmpty)
            #expect(decision.videoStream == 0 && decision.audioStream == 1)
        }
    }

    @Test func hevcAC3IsTranscodedForChromeAndRemuxedForSafari() throws {
        let chrome = try PlaybackDecision.decide(media: Self.mkvHEVCAC3, client: chromeLike)
        #expect(chrome.mode == .fullTranscode)
        #expect(chrome.reasons.contains("video hevc Main 10 not playable in HLS"))
        #expect(chrome.scaleToHeight == nil)  // 1080p fits Chrome (no limit) and the default cap
        let safari = try PlaybackDecision.decide(media: Self.mkvHEVCAC3, client: safariLike)
        #expect(safari.mode == .remux)
        #expect(safari.reasons.contains("container matroska,webm not playable"))
    }

    @Test func playableVideoWithUnplayableAudioTranscodesOnlyTheAudio() throws {
        let decision = try PlaybackDecision.decide(media: Self.mkvH264AC3, client: chromeLike)
        #expect(decision.mode == .audioTranscode)
        #expect(decision.reasons.contains("audio ac3 not playable in HLS"))
    }

    @Test func playableStreamsInAnUnplayableContainerAreRemuxed() throws {
        #expect(try PlaybackDecision.decide(media: Self.mkvH264AAC, client: chromeLike).mode == .remux)
        var matroskaClient = chromeLike
        matroskaClient.playableTypes.formUnion(["video/x-matroska", "video/x-matroska; codecs=\"avc1.640028\"",
                                                "video/x-matroska; codecs=\"mp4a.40.2\""])
        #expect(try PlaybackDecision.decide(media: Self.mkvH264AAC, client: matroskaClient).mode == .directPlay)
    }

    @Test func tenBitH264IsTranscoded() throws {
        let hi10 = Self.media(container: .mp4, format: "mov,mp4", video: Self.video("h264", "High 10", pixelFormat: "yuv420p10le"),
                              audio: [Self.audio("aac", profile: "LC")])
        #expect(try PlaybackDecision.decide(media: hi10, client: chromeLike).mode == .fullTranscode)
    }

    @Test func largerThanTheScreenIsScaledDown() throws {
        let phone = ClientAbilities(playableTypes: chromeLike.playableTypes, maxWidth: 1280, maxHeight: 720)
        let decision = try PlaybackDecision.decide(media: Self.mp4H264AAC, client: phone)
        #expect(decision.mode == .fullTranscode)
        #expect(decision.scaleToHeight == 720)
        #expect(decision.reasons.first?.contains("1920x1080 is larger") == true)
        // The setting caps too, and widths narrower than 16:9 bind by width.
        let capped = try PlaybackDecision.decide(media: Self.mkvHEVCAC3, client: chromeLike, maxVideoHeight: 480)
        #expect(capped.scaleToHeight == 480)
        let narrow = ClientAbilities(playableTypes: [], maxWidth: 960, maxHeight: 2000)
        #expect(PlaybackDecision.scaledHeight(Self.video("hevc", "Main"), client: narrow, cap: 1080) == 540)
    }

    @Test func anotherAudioTrackIsNotDirectPlay() throws {
        let media = Self.media(container: .mp4, format: "mov,mp4", video: Self.video("h264", "High"),
                               audio: [Self.audio("aac", profile: "LC"), Self.audio("aac", index: 2, profile: "LC", isDefault: false)])
        let decision = try PlaybackDecision.decide(media: media, client: chromeLike, request: .init(audioStream: 2))
        #expect(decision.mode == .remux)
        #expect(decision.audioStream == 2)
        #expect(throws: TranscodeError.self) {
            try PlaybackDecision.decide(media: media, client: chromeLike, request: .init(audioStream: 0))
        }
    }

    @Test func burningInForcesATranscode() throws {
        let pgs = MediaStream(index: 2, kind: .subtitle, codec: "hdmv_pgs_subtitle")
        let media = Self.media(container: .mp4, format: "mov,mp4", video: Self.video("h264", "High"),
                               audio: [Self.audio("aac", profile: "LC")], subtitles: [pgs])
        #expect(pgs.isImageSubtitle)
        let decision = try PlaybackDecision.decide(media: media, client: chromeLike,
                                                   request: .init(burnSubtitleStream: 2))
        #expect(decision.mode == .fullTranscode)
        #expect(decision.burnSubtitleStream == 2)
        #expect(throws: TranscodeError.self) {
            try PlaybackDecision.decide(media: media, client: chromeLike, request: .init(burnSubtitleStream: 1))
        }
    }

    @Test func aSettingForcesEachMode() throws {
        for mode in PlaybackMode.allCases {
            let decision = try PlaybackDecision.decide(media: Self.mp4H264AAC, client: chromeLike, forcedMode: mode)
            #expect(decision.mode == mode)
            #expect(decision.reasons == ["forced by setting"])
        }
    }

    @Test func audioOnlyFiles() throws {
        let flac = Self.media(container: .other, format: "flac", video: nil, audio: [Self.audio("flac")])
        #expect(try PlaybackDecision.decide(media: flac, client: chromeLike).mode == .remux)
        let dts = Self.media(container: .matroska, format: "matroska,webm", video: nil, audio: [Self.audio("dts")])
        let decision = try PlaybackDecision.decide(media: dts, client: chromeLike)
        #expect(decision.mode == .audioTranscode)
        #expect(decision.videoStream == nil)
    }

    @Test func nothingClaimedMeansTranscode() throws {
        let nothing = ClientAbilities(playableTypes: [])
        #expect(try PlaybackDecision.decide(media: Self.mp4H264AAC, client: nothing).mode == .fullTranscode)
    }

    @Test func probeTypesCoverTheDecisionStrings() {
        let types = Set(ClientAbilities.probeTypes)
        #expect(types.contains(ClientAbilities.hlsType))
        #expect(types.contains("video/mp4; codecs=\"hvc1.2.4.L120.90\""))
        #expect(types.contains("video/webm; codecs=\"opus\""))
        #expect(types.contains("video/x-matroska; codecs=\"ac-3\""))
        #expect(types.count == ClientAbilities.probeTypes.count)  // no duplicates
        for stream in [Self.video("h264", "High"), Self.video("hevc", "Main"), Self.video("vp9", "Profile 0"),
                       Self.audio("aac", profile: "LC"), Self.audio("eac3"), Self.audio("opus")] {
            let codecs = stream.kind == .video
                ? CodecStrings.video(codec: stream.codec, profile: stream.profile, pixelFormat: stream.pixelFormat)
                : CodecStrings.audio(codec: stream.codec, profile: stream.profile)
            #expect(codecs.flatMap { CodecStrings.type(.mp4, codecs: $0) }.map(types.contains) == true)
        }
        #expect(CodecStrings.video(codec: "mpeg2video", profile: "Main", pixelFormat: nil) == nil)
        #expect(CodecStrings.audio(codec: "truehd", profile: nil) == nil)
    }
}
