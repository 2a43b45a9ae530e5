import FoundationEssentials

/// The part of `ffprobe -print_format json -show_format -show_streams -show_chapters` that Rill reads. ffprobe
/// prints most numbers as strings ("12.000000"); every field is optional because files omit what they like.
struct FFprobeOutput: Decodable {
    struct Format: Decodable {
        let format_name: String?
        let duration: String?
        let bit_rate: String?
        let size: String?
        let tags: [String: String]?
    }

    struct Stream: Decodable {
        let index: Int
        let codec_name: String?
        let codec_type: String?
        let profile: String?
        let width: Int?
        let height: Int?
        let pix_fmt: String?
        let avg_frame_rate: String?
        let r_frame_rate: String?
        let bit_rate: String?
        let channels: Int?
        let sample_rate: String?
        let disposition: [String: Int]?
        let tags: [String: String]?
    }

    struct ChapterEntry: Decodable {
        let start_time: String?
        let end_time: String?
        let tags: [String: String]?
    }

    let format: Format?
    let streams: [Stream]?
    let chapters: [ChapterEntry]?

    /// Decodes ffprobe's JSON and maps it onto ``MediaInfo``.
    static func mediaInfo(from json: [UInt8], source: String) throws(TranscodeError) -> MediaInfo {
        let output: FFprobeOutput
        do {
            output = try JSONDecoder().decode(FFprobeOutput.self, from: Data(json))
        } catch {
            throw .malformedProbeOutput(source: source, detail: "\(error)")
        }
        guard let format = output.format, let formatName = format.format_name else {
            throw .malformedProbeOutput(source: source, detail: "no format section")
        }
        let streams = (output.streams ?? []).map(\.mediaStream)
        return MediaInfo(
            formatName: formatName,
            container: Self.container(formatName: formatName, brand: format.tags?["major_brand"], streams: streams),
            duration: format.duration.flatMap(Double.init).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil },
            bitRate: format.bit_rate.flatMap { Int($0) },
            size: format.size.flatMap { Int($0) },
            streams: streams,
            chapters: (output.chapters ?? []).compactMap(\.chapter)
        )
    }

    /// The container family from ffprobe's demuxer name. Matroska and WebM share a demuxer: a Matroska file whose
    /// streams are all WebM codecs counts as WebM.
    static func container(formatName: String, brand: String?, streams: [MediaStream]) -> Container {
        let names = Set(formatName.split(separator: ",").map(String.init))
        if names.contains("mp4") || names.contains("mov") { return .mp4 }
        if names.contains("matroska") {
            let webmCodecs: Set<String> = ["vp8", "vp9", "av1", "opus", "vorbis", "webvtt"]
            let playable = streams.filter { $0.kind != .attachment && $0.kind != .data }
            return !playable.isEmpty && playable.allSatisfy { webmCodecs.contains($0.codec) } ? .webm : .matroska
        }
        if names.contains("mpegts") { return .mpegts }
        if names.contains("avi") { return .avi }
        if names.contains("ogg") { return .ogg }
        return .other
    }
}

extension FFprobeOutput.Stream {
    var mediaStream: MediaStream {
        let kind = MediaStream.Kind(rawValue: codec_type ?? "") ?? .other
        return MediaStream(
            index: index, kind: kind, codec: codec_name ?? "unknown",
            profile: profile.flatMap { $0 == "unknown" ? nil : $0 },
            width: width, height: height, pixelFormat: pix_fmt,
            frameRate: Self.rate(avg_frame_rate) ?? Self.rate(r_frame_rate),
            bitRate: bit_rate.flatMap { Int($0) }, channels: channels, sampleRate: sample_rate.flatMap { Int($0) },
            language: tags?["language"] ?? tags?["LANGUAGE"], title: tags?["title"] ?? tags?["TITLE"],
            isDefault: disposition?["default"] == 1, isForced: disposition?["forced"] == 1,
            isAttachedPicture: disposition?["attached_pic"] == 1
        )
    }

    /// "24000/1001" → 23.976; "0/0" → nil.
    static func rate(_ text: String?) -> Double? {
        guard let parts = text?.split(separator: "/"), parts.count == 2,
              let numerator = Double(parts[0]), let denominator = Double(parts[1]), denominator > 0, numerator > 0
        else { return nil }
        return numerator / denominator
    }
}

extension FFprobeOutput.ChapterEntry {
    var chapter: Chapter? {
        guard let start = start_time.flatMap(Double.init), let end = end_time.flatMap(Double.init) else { return nil }
        return Chapter(start: start, end: end, title: tags?["title"])
    }
}
