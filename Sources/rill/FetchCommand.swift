import ArgumentParser
import Logging
import Torrent
import UnixSignals

/// `rill fetch`: downloads one torrent into a folder, verifies every piece and exits 0 — for scripts and
/// benchmarks. With `--seed` it stays and uploads until SIGTERM or SIGINT.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a torrent (a .torrent file, its http(s) URL, or a magnet link) into a folder, then exit."
    )

    @Argument(help: "A .torrent file, an http(s) URL of one, or a magnet: URI.")
    var source: String

    @Option(name: .long, help: "The folder the payload goes into.")
    var out: String

    @Option(name: .long, help: "A peer to connect to (IP:PORT or [IPv6]:PORT); repeatable.")
    var peer: [String] = []

    @Option(name: .long, help: "The port to accept peers on (0 picks one).")
    var port: Int = 0

    @Option(name: .long, help: "Where resume data goes (default: OUT/.rill-state).")
    var state: String?

    @Flag(name: .long, help: "Keep seeding after the download until SIGTERM or SIGINT.")
    var seed = false

    @Option(name: .long, help: "Download rate limit in bytes per second (0 = none).")
    var downloadLimit: Int = 0

    @Option(name: .long, help: "Upload rate limit in bytes per second (0 = none).")
    var uploadLimit: Int = 0

    @Option(name: .long, help: "Give up after this many seconds (0 = never).")
    var timeout: Int = 0

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "warning"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "rill.fetch")

        var peers: [PeerAddress] = []
        for text in peer {
            guard let address = PeerAddress(text: text) else {
                printError("rill fetch: --peer \(text): not IP:PORT")
                throw ExitCode(2)
            }
            peers.append(address)
        }

        var configuration = EngineConfiguration()
        configuration.listenPort = port
        configuration.downloadRateLimit = max(0, downloadLimit)
        configuration.uploadRateLimit = max(0, uploadLimit)
        let engine = Engine(configuration: configuration, logger: logger)
        let torrentSource = try await parsedSource(engine: engine)
        let listenPort = try await engine.listen()
        let started = ContinuousClock.now
        let infoHash = try await engine.add(
            torrentSource, savePath: out, stateDirectory: state ?? out + "/.rill-state", peers: peers
        )

        let outcome = await withTaskGroup(of: FetchOutcome.self) { group in
            group.addTask {
                do {
                    try await engine.waitUntilComplete(infoHash)
                    return .complete
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { return .interrupted }
                return .interrupted
            }
            group.addTask {
                await Self.reportProgress(engine: engine, infoHash: infoHash, timeout: timeout)
            }
            let first = await group.next() ?? .interrupted
            group.cancelAll()
            return first
        }

        let elapsed = ContinuousClock.now - started
        let snapshot = await engine.snapshot(of: infoHash)
        switch outcome {
        case .complete:
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let bytes = snapshot?.wantedBytes ?? 0
            printError("rill fetch: complete: \(snapshot?.name ?? infoHash.hex), \(bytes) bytes in \(Self.format(seconds)) s (\(Self.format(Double(bytes) / seconds / 1_048_576)) MiB/s), \(snapshot?.downloadedBytes ?? 0) bytes downloaded, \(snapshot?.hashFailures ?? 0) hash failures")
            if seed {
                printError("rill fetch: seeding on port \(listenPort)")
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { break }
            }
            await engine.shutdown()
        case .failed(let message):
            printError("rill fetch: failed: \(message)")
            await engine.shutdown()
            throw ExitCode(1)
        case .interrupted:
            printError("rill fetch: interrupted at \(Self.percent(snapshot)); resume data saved")
            await engine.shutdown()
            throw ExitCode(130)
        case .timedOut:
            printError("rill fetch: gave up after \(timeout) s at \(Self.percent(snapshot))")
            await engine.shutdown()
            throw ExitCode(1)
        }
    }

    private enum FetchOutcome: Sendable {
        case complete, failed(String), interrupted, timedOut
    }

    /// A progress line on stderr every second while stderr is watched; returns only on time-out.
    private static func reportProgress(engine: Engine, infoHash: InfoHash, timeout: Int) async -> FetchOutcome {
        let start = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard !Task.isCancelled else { break }
            if let snapshot = await engine.snapshot(of: infoHash) {
                printError("rill fetch: \(snapshot.state.rawValue) \(percent(snapshot)) \(format(Double(snapshot.downloadRate) / 1_048_576)) MiB/s, \(snapshot.peers) peers")
            }
            if timeout > 0, ContinuousClock.now - start > .seconds(timeout) { return .timedOut }
        }
        return .interrupted
    }

    private static func percent(_ snapshot: TorrentSnapshot?) -> String {
        guard let snapshot else { return "?" }
        return format(snapshot.progress * 100) + "%"
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0.0" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// The source argument as the engine takes it; a `.torrent` URL is downloaded through the engine's binding.
    /// Bad input exits with status 2 and says why.
    private func parsedSource(engine: Engine) async throws -> TorrentSource {
        let lowered = source.lowercased()
        do {
            if lowered.hasPrefix("magnet:") { return .magnet(try MagnetLink(source)) }
            if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
                return .metainfo(try Metainfo(bytes: try await engine.downloadTorrentFile(from: source)))
            }
            return .metainfo(try Metainfo(path: source))
        } catch let error as TrackerError {
            printError("rill fetch: cannot download \(source): \(error.reason.summary)")
        } catch {
            printError("rill fetch: \(error)")
        }
        await engine.shutdown()
        throw ExitCode(2)
    }
}
