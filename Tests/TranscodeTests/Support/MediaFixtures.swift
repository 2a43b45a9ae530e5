#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TestSupport
@testable import Transcode

/// Test media made with ffmpeg's lavfi sources, once per test process, in a directory removed at exit.
/// Small and short so the suite stays fast: 320x240, 25 fps.
actor MediaFixtures {
    static let shared = MediaFixtures()

    /// Where the files are.
    nonisolated let directory: String = {
        let path = "/tmp/rill-transcode-media-\(getpid())"
        mkdir(path, 0o700)
        atexit { removeFixtureDirectory() }
        return path
    }()

    private var made: Set<String> = []
    /// Files being made: tests running in parallel wait for the same ffmpeg instead of writing the file twice.
    private var making: [String: Task<String, any Error>] = [:]

    /// 16 s of HEVC (2 s GOPs) and AC-3 in Matroska, English audio, two chapters.
    func hevcAC3() async throws -> String {
        try await make("hevc-ac3.mkv") { path in
            let chapters = directory + "/chapters.txt"
            try write(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=8000\ntitle=One\n"
                      + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=8000\nEND=16000\ntitle=Two\n", to: chapters)
            return Self.sources(seconds: 16) + ["-f", "ffmetadata", "-i", chapters, "-map", "0:v", "-map", "1:a",
                "-map_chapters", "2", "-c:v", "libx265", "-preset", "ultrafast",
                "-x265-params", "log-level=error:keyint=50:min-keyint=50", "-c:a", "ac3", "-b:a", "96k",
                "-metadata:s:a:0", "language=eng", path]
        }
    }

    /// 12 s of H.264 (High) and AAC in MP4 with the index at the front.
    func h264AAC() async throws -> String {
        try await make("h264-aac.mp4") { path in
            Self.sources(seconds: 12) + ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-c:a", "aac",
                                         "-b:a", "64k", "-movflags", "+faststart", path]
        }
    }

    /// A subtitle file of its own (SRT).
    func srt() async throws -> String {
        let path = directory + "/subs.srt"
        if !made.contains("subs.srt") {
            try write("1\n00:00:01,000 --> 00:00:02,500\nHello from Rill\n\n2\n00:00:03,000 --> 00:00:04,000\n"
                      + "Second line\n\n", to: path)
            made.insert("subs.srt")
        }
        return path
    }

    /// 6 s of H.264/AAC in Matroska with the SRT as an embedded subtitle track (stream 2, language fre).
    func withSubtitles() async throws -> String {
        let subtitles = try await srt()
        return try await make("subs.mkv") { path in
            Self.sources(seconds: 6) + ["-i", subtitles, "-map", "0:v", "-map", "1:a", "-map", "2:s",
                                        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:s", "srt",
                                        "-metadata:s:s:0", "language=fre", path]
        }
    }

    /// 64 KiB of pseudo-random bytes named like a film.
    func garbage() async throws -> String {
        let path = directory + "/broken.mkv"
        if !made.contains("broken.mkv") {
            var random = SplitMix64(seed: 9)
            let bytes = (0..<65536).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            try write(bytes, to: path)
            made.insert("broken.mkv")
        }
        return path
    }

    /// The first 4 KiB of the HEVC file: a valid header, then nothing.
    func truncated() async throws -> String {
        let whole = try await hevcAC3()
        let path = directory + "/truncated.mkv"
        if !made.contains("truncated.mkv") {
            try write(Array(try readFile(whole).prefix(4096)), to: path)
            made.insert("truncated.mkv")
        }
        return path
    }

    private static func sources(seconds: Int) -> [String] {
        ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=\(seconds)",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)"]
    }

    private func make(_ name: String, _ arguments: (String) throws -> [String]) async throws -> String {
        let path = directory + "/" + name
        if made.contains(name) { return path }
        if let running = making[name] { return try await running.value }
        let command = ["-hide_banner", "-nostdin", "-v", "error", "-y"] + (try arguments(path))
        let directory = directory
        let task = Task<String, any Error> {
            let process = try ManagedProcess(name: "ffmpeg-" + name, executable: "/usr/bin/ffmpeg",
                                             arguments: command, logDirectory: directory)
            let status = try await process.waitForExit(timeout: .seconds(120))
            guard status == 0 else { throw FixtureError.ffmpeg(name, process.log) }
            return path
        }
        making[name] = task
        defer { making[name] = nil }
        let result = try await task.value
        made.insert(name)
        return result
    }

    private nonisolated func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    private nonisolated func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path, "wb") else { throw FixtureError.io(path) }
        defer { fclose(file) }
        guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
            throw FixtureError.io(path)
        }
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case ffmpeg(String, String)
    case io(String)

    var description: String {
        switch self {
        case .ffmpeg(let name, let log): "ffmpeg could not make \(name):\n\(log)"
        case .io(let path): "cannot write \(path)"
        }
    }
}

/// The whole of a file.
func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw FixtureError.io(path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        guard count > 0 else { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

private func removeFixtureDirectory() {
    ScratchFiles.removeTree("/tmp/rill-transcode-media-\(getpid())")
}
