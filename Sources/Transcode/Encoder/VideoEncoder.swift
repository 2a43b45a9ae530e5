/// The H.264 encoder transcodes use, and why: reported in the API and the logs.
public struct VideoEncoder: Sendable, Equatable, Codable {
    /// ffmpeg's encoder name: `h264_v4l2m2m` (the Pi's hardware encoder) or `libx264`.
    public let name: String
    public let hardware: Bool
    /// Why this one, e.g. "h264_v4l2m2m not listed by ffmpeg" or "h264_v4l2m2m failed a test encode: ...".
    public let reason: String

    public static let hardwareName = "h264_v4l2m2m"
    public static let softwareName = "libx264"

    public init(name: String, hardware: Bool, reason: String) {
        self.name = name
        self.hardware = hardware
        self.reason = reason
    }

    /// Picks the encoder: the hardware one when `settings.hardwareEncoding` is on, ffmpeg lists it and a short
    /// test encode with it succeeds (the encoder is listed by Debian's ffmpeg on any machine, but only works where
    /// a V4L2 memory-to-memory device exists); libx264 otherwise. Bounded: each ffmpeg call has a 15 s limit.
    public static func detect(settings: TranscodeSettings) async -> VideoEncoder {
        guard settings.hardwareEncoding else {
            return VideoEncoder(name: softwareName, hardware: false, reason: "hardware encoding is off in the settings")
        }
        let listing = ToolCommand(tool: settings.ffmpegPath, arguments: ["-hide_banner", "-encoders"], niceness: 0)
        let encoders: String
        do {
            let output = try await ToolRunner.run(listing, toolName: "ffmpeg", source: "-encoders",
                                                  timeout: .seconds(15), stdoutLimit: 1 << 20)
            encoders = String(decoding: output.stdout, as: UTF8.self)
        } catch {
            return VideoEncoder(name: softwareName, hardware: false, reason: "cannot list ffmpeg's encoders: \(error)")
        }
        guard encoders.split(whereSeparator: \.isNewline).contains(where: { $0.contains(" \(hardwareName) ") }) else {
            return VideoEncoder(name: softwareName, hardware: false, reason: "\(hardwareName) not listed by ffmpeg")
        }
        let trial = ToolCommand(tool: settings.ffmpegPath, arguments: [
            "-hide_banner", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
            "-t", "0.4", "-pix_fmt", "yuv420p", "-c:v", hardwareName, "-f", "null", "-",
        ], niceness: 0)
        do {
            let output = try await ToolRunner.run(trial, toolName: "ffmpeg", source: "test encode",
                                                  timeout: .seconds(15), stdoutLimit: 1 << 16)
            if output.exit.succeeded {
                return VideoEncoder(name: hardwareName, hardware: true, reason: "\(hardwareName) passed a test encode")
            }
            let detail = output.stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? "\(output.exit)"
            return VideoEncoder(name: softwareName, hardware: false,
                                reason: "\(hardwareName) failed a test encode: \(detail)")
        } catch {
            return VideoEncoder(name: softwareName, hardware: false, reason: "\(hardwareName) test encode: \(error)")
        }
    }
}
