/// The ffmpeg command line of one run of a session: from `startSegment` of the grid to the end, as fMP4 HLS in
/// `runDirectory` (`ffmpeg.m3u8`, `init.mp4`, `seg-N.m4s`).
///
/// Timestamps stay on the source's timeline (`-copyts -start_at_zero`, and `frag_discont` so each fragment's
/// `tfdt` is absolute, `-avoid_negative_ts disabled` so runs are not rebased each to their own zero) shifted by a
/// constant ``timelineOffset`` (AAC's priming samples would otherwise start the first run at a negative time). So
/// every run writes a byte-identical `init.mp4`, and segments of different runs fit one timeline: a seek is a new
/// run at `-ss start -start_number N`, and the player gets segments whose timestamps start where it asked.
/// Transcoded video gets a keyframe exactly on every grid boundary; copied video (remux, audio transcode) can
/// only be cut at the source's keyframes, so its segments start at the keyframe at or before each boundary.
struct TranscodeArguments {
    /// Seconds added to every output timestamp.
    static let timelineOffset = 1.0

    let source: MediaSource
    let decision: PlaybackDecision
    let media: MediaInfo
    let encoder: VideoEncoder
    let settings: TranscodeSettings

    func arguments(startSegment: Int, runDirectory: String) -> [String] {
        let segment = settings.segmentSeconds
        let start = Double(startSegment) * segment
        var arguments = ["-hide_banner", "-nostdin", "-nostats", "-v", "error"]
        arguments += source.inputOptions(readTimeoutSeconds: settings.readTimeoutSeconds)
        if start > 0 { arguments += ["-ss", HLSPlaylist.decimal(start)] }
        arguments += ["-i", source.location]
        arguments += streamArguments(start: start)
        arguments += ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1", "-max_muxing_queue_size", "1024",
                      "-copyts", "-avoid_negative_ts", "disabled", "-start_at_zero",
                      "-output_ts_offset", HLSPlaylist.decimal(Self.timelineOffset),
                      "-f", "hls", "-hls_time", HLSPlaylist.decimal(segment), "-hls_list_size", "0",
                      "-hls_playlist_type", "event", "-hls_segment_type", "fmp4", "-hls_flags", "temp_file",
                      "-hls_segment_options", "movflags=+frag_discont",
                      "-hls_fmp4_init_filename", "init.mp4",
                      "-hls_segment_filename", runDirectory + "/seg-%d.m4s", "-start_number", String(startSegment),
                      runDirectory + "/ffmpeg.m3u8"]
        return arguments
    }

    private func streamArguments(start: Double) -> [String] {
        var arguments: [String] = []
        let mode = decision.mode
        if let video = decision.videoStream {
            let transcodeVideo = mode == .fullTranscode
            let filters = transcodeVideo ? videoFilters() : nil
            if let burn = decision.burnSubtitleStream, transcodeVideo {
                let chain = filters.map { "," + $0 } ?? ""
                arguments += ["-filter_complex", "[0:\(video)][0:\(burn)]overlay\(chain)[v]", "-map", "[v]"]
            } else {
                arguments += ["-map", "0:\(video)"]
                if let filters { arguments += ["-vf", filters] }
            }
            arguments += transcodeVideo ? videoEncoding(start: start) : videoCopy(video)
        }
        if let audio = decision.audioStream {
            arguments += ["-map", "0:\(audio)"]
            arguments += mode == .remux
                ? ["-c:a", "copy"]
                : ["-c:a", "aac", "-ac", "2", "-b:a", String(settings.audioBitrate)]
        }
        return arguments
    }

    /// Scaling (when the decision asks) and 8-bit 4:2:0, which every H.264 decoder in a browser needs.
    private func videoFilters() -> String? {
        var filters: [String] = []
        if let height = decision.scaleToHeight { filters.append("scale=-2:\(height)") }
        filters.append("format=yuv420p")
        return filters.joined(separator: ",")
    }

    private func videoCopy(_ index: Int) -> [String] {
        // Safari plays HEVC in fMP4 only with the hvc1 sample entry (parameter sets in the init segment).
        let hevc = media.stream(index)?.codec == "hevc"
        return ["-c:v", "copy"] + (hevc ? ["-tag:v", "hvc1"] : [])
    }

    private func videoEncoding(start: Double) -> [String] {
        let rate = settings.videoBitrate
        // With -copyts the encoder's clock starts at `start`: keyframes land on the grid of the whole file.
        let keyframes = "expr:gte(t,\(HLSPlaylist.decimal(start))+n_forced*\(HLSPlaylist.decimal(settings.segmentSeconds)))"
        var arguments = ["-force_key_frames", keyframes]
        if encoder.hardware {
            arguments += ["-c:v", encoder.name, "-b:v", String(rate)]
        } else {
            arguments += ["-c:v", encoder.name, "-preset", settings.x264Preset]
            if let tune = settings.x264Tune { arguments += ["-tune", tune] }
            arguments += ["-crf", "23", "-maxrate", String(rate), "-bufsize", String(rate * 2), "-profile:v", "high"]
        }
        return arguments
    }
}
