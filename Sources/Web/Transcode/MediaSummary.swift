import Torrent
import Transcode

/// One line about a probed file for the transfer and library pages: `matroska · 0:30 · hevc Main 1920×1080 ·
/// ac3 6 ch · 1 subtitle track`, or why it could not be read. Pages show only what is stored (never run ffprobe).
enum MediaSummary {
    static func text(_ info: MediaInfo) -> String {
        var parts = [info.formatName.split(separator: ",").first.map(String.init) ?? info.formatName]
        if let duration = info.duration { parts.append(clock(duration)) }
        if let video = info.primaryVideo {
            var text = video.codec + (video.profile.map { " " + $0 } ?? "")
            if let width = video.width, let height = video.height { text += " \(width)×\(height)" }
            parts.append(text)
        }
        if let audio = info.primaryAudio {
            let language = audio.language.flatMap { $0 == "und" ? nil : " " + $0 } ?? ""
            parts.append(audio.codec + (audio.channels.map { " \($0) ch" } ?? "") + language)
        }
        if info.audioStreams.count > 1 { parts.append("\(info.audioStreams.count) audio tracks") }
        let subtitles = info.subtitleStreams.count
        if subtitles > 0 { parts.append("\(subtitles) subtitle track\(subtitles == 1 ? "" : "s")") }
        return parts.joined(separator: " · ")
    }

    /// `1:02:03` or `2:03`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
    }
}

extension MediaService {
    /// The stored probe of each probed file of a torrent as one line (``MediaSummary``).
    func summaries(_ infoHash: InfoHash) async -> [Int: String] {
        await storedProbes(infoHash).mapValues { probe in
            switch probe {
            case .media(let info): MediaSummary.text(info)
            case .failed(let error): "not playable: " + String(error.prefix(200))
            }
        }
    }
}
