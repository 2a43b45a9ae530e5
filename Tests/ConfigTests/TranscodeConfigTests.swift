import Testing
import TestSupport

@testable import Config

@Suite("Configuration: [transcode]")
struct TranscodeConfigTests {
    @Test("defaults suit a Pi: one session, 256 MiB of scratch, nice 10, hardware encoder when it works")
    func defaults() throws {
        let transcode = try RillConfig.defaults.transcode
        #expect(transcode.ffmpegPath == "/usr/bin/ffmpeg")
        #expect(transcode.directory == "transcode")
        #expect(transcode.maxSessions == 1)
        #expect(transcode.scratchLimitBytes == 256 << 20)
        #expect(transcode.idleTimeoutSeconds == 60)
        #expect(transcode.nice == 10)
        #expect(transcode.hardwareEncoder == "auto")
        #expect(transcode.playbackMode == "auto")
        #expect(transcode.thumbnailCacheBytes == 64 << 20)
    }

    @Test("a file and the environment set them; bad words and ranges are refused")
    func overrides() throws {
        let file = try TemporaryFile(contents: """
            [transcode]
            max_sessions = 2
            scratch_limit = "1GiB"
            playback_mode = "full_transcode"
            """)
        let config = try ConfigLoader.load(file: file.path, environment: ["RILL_TRANSCODE_HARDWARE_ENCODER": "off"])
        #expect(config.transcode.maxSessions == 2)
        #expect(config.transcode.scratchLimitBytes == 1 << 30)
        #expect(config.transcode.playbackMode == "full_transcode")
        #expect(config.transcode.hardwareEncoder == "off")
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(file: nil, environment: ["RILL_TRANSCODE_PLAYBACK_MODE": "fast"])
        }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(file: nil, environment: ["RILL_TRANSCODE_SCRATCH_LIMIT": "1KiB"])
        }
    }
}
