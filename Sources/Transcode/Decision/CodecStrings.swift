/// The MIME strings (RFC 6381 `codecs=` parameters) that stand for a stream in a container: the same strings the
/// player page asks `canPlayType` / `MediaSource.isTypeSupported` about (``ClientAbilities/probeTypes``), so a
/// decision is a set lookup, not a guess about browsers.
///
/// H.264 and HEVC are told apart by profile (10-bit H.264 and HEVC Main 10 are where phones differ); levels are
/// fixed at a common one, as browsers answer by profile.
enum CodecStrings {
    /// The `codecs=` value for a video stream, nil for codecs no browser plays (MPEG-2, VC-1, MPEG-4 Part 2...).
    static func video(codec: String, profile: String?, pixelFormat: String?) -> String? {
        let profile = profile ?? ""
        let tenBit = pixelFormat.map { $0.contains("10") } ?? false
        switch codec {
        case "h264":
            switch profile {
            case "Baseline", "Constrained Baseline": return "avc1.42E01E"
            case "Main": return "avc1.4D401F"
            case "High 10", "High 10 Intra": return "avc1.6E0028"
            case "High 4:2:2", "High 4:2:2 Intra": return "avc1.7A0028"
            case "High 4:4:4 Predictive", "High 4:4:4 Intra": return "avc1.F40028"
            default: return tenBit ? "avc1.6E0028" : "avc1.640028"
            }
        case "hevc":
            return profile == "Main 10" || tenBit ? "hvc1.2.4.L120.90" : "hvc1.1.6.L120.90"
        case "vp8": return "vp8"
        case "vp9": return profile == "Profile 2" || tenBit ? "vp09.02.31.10" : "vp09.00.31.08"
        case "av1": return tenBit ? "av01.0.08M.10" : "av01.0.08M.08"
        default: return nil
        }
    }

    /// The `codecs=` value for an audio stream, nil for codecs no browser plays (DTS, TrueHD, PCM in MKV...).
    static func audio(codec: String, profile: String?) -> String? {
        switch codec {
        case "aac": return profile == "HE-AAC" || profile == "HE-AACv2" ? "mp4a.40.5" : "mp4a.40.2"
        case "mp3": return "mp4a.6B"
        case "ac3": return "ac-3"
        case "eac3": return "ec-3"
        case "opus": return "opus"
        case "flac": return "flac"
        case "vorbis": return "vorbis"
        default: return nil
        }
    }

    /// The MIME type of a container without codecs, nil when browsers cannot be asked about it.
    static func containerType(_ container: Container) -> String? {
        switch container {
        case .mp4: "video/mp4"
        case .webm: "video/webm"
        case .matroska: "video/x-matroska"
        case .mpegts, .avi, .ogg, .other: nil
        }
    }

    /// `video/mp4; codecs="avc1.640028"`: the exact text asked of the browser.
    static func type(_ container: Container, codecs: String) -> String? {
        containerType(container).map { "\($0); codecs=\"\(codecs)\"" }
    }

    /// Every video and audio codec string worth asking about, per container.
    static let videoCodecs = ["avc1.42E01E", "avc1.4D401F", "avc1.640028", "avc1.6E0028", "avc1.7A0028",
                              "avc1.F40028", "hvc1.1.6.L120.90", "hvc1.2.4.L120.90", "vp8", "vp09.00.31.08",
                              "vp09.02.31.10", "av01.0.08M.08", "av01.0.08M.10"]
    static let audioCodecs = ["mp4a.40.2", "mp4a.40.5", "mp4a.6B", "ac-3", "ec-3", "opus", "flac", "vorbis"]
}
