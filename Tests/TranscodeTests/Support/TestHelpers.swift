#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TestSupport
@testable import Transcode

/// A scratch directory for one test, removed with everything under it when released.
final class WorkDirectory {
    let path: String

    init() {
        var template = Array("/tmp/rill-transcode-XXXXXX".utf8CString)
        _ = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { ScratchFiles.removeTree(path) }

    /// Settings for tests: this directory, no nice (tests want speed), the defaults otherwise.
    func settings(_ change: (inout TranscodeSettings) -> Void = { _ in }) -> TranscodeSettings {
        var settings = TranscodeSettings(workDirectory: path)
        settings.niceness = 0
        change(&settings)
        return settings
    }
}

/// `serve.py` on a free loopback port, serving `directory`, optionally at `rate` bytes per second.
final class HTTPFileServer {
    let process: ManagedProcess
    let port: Int
    let logs = WorkDirectory()

    init(directory: String, rate: Int = 0) async throws {
        let script = logs.path + "/serve.py"
        guard let file = fopen(script, "w") else { throw FixtureError.io(script) }
        fputs(ServeScript.text, file)
        fclose(file)
        port = freeTCPPort()
        process = try ManagedProcess(
            name: "serve", executable: "/usr/bin/python3",
            arguments: [script, directory, String(port)] + (rate > 0 ? [String(rate)] : []),
            logDirectory: logs.path
        )
        try await process.waitForLine(startingWith: "listening", timeout: .seconds(20))
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    func stop() async { await process.stop(timeout: .seconds(2)) }
}

/// Runs ffprobe/ffmpeg for assertions and returns stdout (throws on a non-zero exit).
func runTool(_ tool: String, _ arguments: [String]) async throws -> String {
    let logs = WorkDirectory()
    let process = try ManagedProcess(name: "tool", executable: tool, arguments: arguments, logDirectory: logs.path)
    let status = try await process.waitForExit(timeout: .seconds(60))
    guard status == 0 else { throw FixtureError.ffmpeg(arguments.joined(separator: " "), process.log) }
    return process.output
}

/// The first presentation time of each stream (by index) of a file, from ffprobe's packets.
func firstTimestamps(_ path: String) async throws -> [Int: Double] {
    let csv = try await runTool("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "packet=stream_index,pts_time",
                                                     "-of", "csv=p=0", path])
    var first: [Int: Double] = [:]
    for line in csv.split(separator: "\n") {
        let fields = line.split(separator: ",")
        guard fields.count >= 2, let stream = Int(fields[0]), let time = Double(fields[1]) else { continue }
        first[stream] = min(first[stream] ?? time, time)
    }
    return first
}

/// Joins files into one (an init segment and media segments make a playable MP4).
func concatenate(_ paths: [String], into output: String) throws {
    guard let file = fopen(output, "wb") else { throw FixtureError.io(output) }
    defer { fclose(file) }
    for path in paths {
        let bytes = try readFile(path)
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    }
}

/// True while a process with this id exists (and is not a zombie).
func processExists(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let status = try? readFile("/proc/\(pid)/stat") else { return false }
    let text = String(decoding: status, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return true }
    return !text[close...].dropFirst(2).hasPrefix("Z")
}

/// Client abilities like desktop Chrome's: H.264, VP9, AV1, AAC, Opus, MP3, FLAC; no HEVC, AC-3 or Matroska.
let chromeLike = ClientAbilities(playableTypes: ["video/mp4", "video/webm"] + [
    "avc1.42E01E", "avc1.4D401F", "avc1.640028", "mp4a.40.2", "mp4a.40.5", "mp4a.6B", "opus", "flac",
    "vp09.00.31.08", "av01.0.08M.08",
].flatMap { codec in ["video/mp4; codecs=\"\(codec)\"", "video/webm; codecs=\"\(codec)\""] }, mediaSource: true)

/// Client abilities like Safari on a recent iPhone: native HLS, H.264, HEVC (Main, Main 10), AAC, AC-3, E-AC-3.
let safariLike = ClientAbilities(playableTypes: [ClientAbilities.hlsType, "video/mp4"] + [
    "avc1.42E01E", "avc1.4D401F", "avc1.640028", "hvc1.1.6.L120.90", "hvc1.2.4.L120.90", "mp4a.40.2", "mp4a.40.5",
    "ac-3", "ec-3", "mp4a.6B", "flac",
].map { "video/mp4; codecs=\"\($0)\"" }, maxWidth: 2532, maxHeight: 1170, mediaSource: false)
