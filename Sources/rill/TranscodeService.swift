import Config
import ServiceLifecycle
import Transcode

/// Ends every transcode session (ffmpeg stopped, scratch deleted) when the daemon shuts down. It comes after the
/// web server in the group, so it stops first and requests waiting on a segment end at once.
struct TranscodeService: Service {
    let sessions: TranscodeSessions

    func run() async throws {
        try? await gracefulShutdown()
        await sessions.endAll()
    }
}

/// `[transcode]` of the configuration as the sidecar's settings (docs/TRANSCODE.md, "Wiring").
enum TranscodeSetup {
    static func settings(_ config: RillConfig) -> TranscodeSettings {
        let section = config.transcode
        let directory = section.directory.hasPrefix("/") ? section.directory : config.dataDirectory + "/" + section.directory
        var settings = TranscodeSettings(workDirectory: directory)
        settings.ffmpegPath = section.ffmpegPath
        settings.ffprobePath = section.ffprobePath
        settings.maxSessions = section.maxSessions
        settings.scratchLimitBytes = section.scratchLimitBytes
        settings.idleTimeoutSeconds = Double(section.idleTimeoutSeconds)
        settings.segmentSeconds = Double(section.segmentSeconds)
        settings.niceness = section.nice
        settings.hardwareEncoding = section.hardwareEncoder == "auto"
        settings.maxVideoHeight = section.maxVideoHeight
        settings.videoBitrate = section.videoBitrateKbps * 1000
        settings.audioBitrate = section.audioBitrateKbps * 1000
        settings.forcedMode = switch section.playbackMode {
        case "direct_play": .directPlay
        case "remux": .remux
        case "audio_transcode": .audioTranscode
        case "full_transcode": .fullTranscode
        default: nil
        }
        settings.thumbnailMaxBytes = section.thumbnailCacheBytes
        settings.thumbnailMaxCount = section.thumbnailCacheCount
        return settings
    }
}
