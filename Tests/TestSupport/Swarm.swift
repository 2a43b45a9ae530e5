#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Runs `body` with a fresh swarm and shuts the swarm down afterwards, also when `body` throws.
///
///     try await withSwarm { swarm in
///         let tracker = try await Opentracker(in: swarm)
///         let payload = try await Payload(in: swarm, size: 4 << 20, announce: [tracker.announceURL])
///         try await tracker.allow(payload.infoHash)
///         _ = try await Seeder(client: .libtorrent, payload: payload, in: swarm)
///         let leecher = try Leecher(client: .aria2, source: payload.torrent, in: swarm)
///         try await leecher.waitUntilComplete()
///         try payload.verify(in: leecher.outputDirectory)
///     }
public func withSwarm<T>(_ body: (Swarm) async throws -> T) async throws -> T {
    let swarm = try Swarm()
    do {
        let result = try await body(swarm)
        await swarm.shutdown()
        return result
    } catch {
        await swarm.shutdown()
        throw error
    }
}

/// One test's loopback swarm: a scratch directory under /tmp and every process started in it.
///
/// Payloads, client state and logs live in `directory`. `shutdown()` stops the processes, newest first, and
/// removes the directory; `withSwarm` calls it. With `RILL_SWARM_KEEP=1` in the environment the directory is kept
/// (its path is printed) so the logs can be read after a failure. A swarm released without `shutdown()` SIGKILLs
/// what is left.
///
/// Everything here drives the scripts in `ci/swarm/` (see its README); nothing depends on Rill's internals.
public final class Swarm {
    public let directory: String
    private var processes: [ManagedProcess] = []
    private var directoryNames: [String: Int] = [:]
    private var processNames: [String: Int] = [:]
    private var isShutDown = false

    /// `ci/swarm` in this package.
    public static let scripts: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/ci/swarm"
    }()

    public init() throws {
        var template = Array("/tmp/rill-swarm-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) != nil else {
            throw SwarmError.failed("mkdtemp: \(String(cString: strerror(errno)))")
        }
        directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
    }

    deinit {
        for process in processes.reversed() { process.kill() }
        removeDirectory()
    }

    /// Stops every process started in this swarm (newest first; SIGTERM, then SIGKILL) and removes the directory.
    /// Safe to call twice.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        for process in processes.reversed() { await process.stop() }
        processes.removeAll()
        removeDirectory()
    }

    private func removeDirectory() {
        guard FileManager.default.fileExists(atPath: directory) else { return }
        if ProcessInfo.processInfo.environment["RILL_SWARM_KEEP"] == "1" {
            print("swarm kept in \(directory)")
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// A new, empty directory inside the swarm, named after `name` (made unique).
    public func makeDirectory(_ name: String) throws -> String {
        let path = directory + "/" + unique(name, among: &directoryNames)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts `executable` with its output in the swarm's logs, registered so `shutdown()` stops it.
    public func start(
        _ name: String, executable: String, arguments: [String], environment: [String: String?] = [:],
        workingDirectory: String? = nil
    ) throws -> ManagedProcess {
        precondition(!isShutDown, "the swarm is shut down")
        let process = try ManagedProcess(
            name: unique(name, among: &processNames), executable: executable, arguments: arguments, environment: environment,
            logDirectory: directory + "/logs", workingDirectory: workingDirectory
        )
        processes.append(process)
        return process
    }

    /// Runs a ci/swarm script to its end and returns its stdout; throws with its log when it fails.
    @discardableResult
    public func runScript(_ script: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> String {
        let process = try start(script, executable: Self.scripts + "/" + script, arguments: arguments)
        let status = try await process.waitForExit(timeout: timeout)
        guard status == 0 else { throw SwarmError.failed("\(script) exited \(status)\n\(process.log)") }
        return process.output
    }

    private func unique(_ name: String, among names: inout [String: Int]) -> String {
        let count = names[name, default: 0]
        names[name] = count + 1
        return count == 0 ? name : "\(name)-\(count + 1)"
    }
}

public enum SwarmError: Error, CustomStringConvertible {
    case failed(String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .failed(let text): text
        case .mismatch(let text): "payload mismatch: \(text)"
        }
    }
}

// MARK: - Payload

/// Deterministic pseudo-random content (one file or a folder) with a v1 .torrent, made by
/// `ci/swarm/make-payload` and `ci/swarm/make-torrent`.
public struct Payload: Sendable {
    /// The torrent's name: the file's or the top folder's name.
    public let name: String
    /// The directory that holds it: what a seeder is given as its data dir.
    public let directory: String
    public let torrent: String
    /// The v1 info-hash, 40 lower-case hex digits.
    public let infoHash: String
    /// `magnet:?xt=urn:btih:...&dn=...&tr=...` (the torrent's trackers, no peers).
    public let magnet: String

    public var path: String { directory + "/" + name }

    /// Makes `size` bytes of payload named `name` (with `multiFile`: a folder of odd-sized files, an empty file and
    /// nested folders) and its torrent with `pieceSize` and the `announce` trackers.
    public init(
        in swarm: Swarm, name: String = "payload", size: Int, multiFile: Bool = false, pieceSize: Int = 65536,
        announce: [String] = []
    ) async throws {
        let directory = try swarm.makeDirectory(name)
        self.name = name
        self.directory = directory
        torrent = directory + ".torrent"
        try await swarm.runScript("make-payload", (multiFile ? ["--files"] : []) + ["\(size)", directory + "/" + name])
        let printed = try await swarm.runScript(
            "make-torrent",
            ["--piece-size", "\(pieceSize)"] + announce.flatMap { ["--announce", $0] } + [directory + "/" + name, torrent]
        )
        func field(_ key: String) throws -> String {
            guard let line = printed.split(separator: "\n").first(where: { $0.hasPrefix(key + " ") }) else {
                throw SwarmError.failed("make-torrent printed no \(key): \(printed)")
            }
            return String(line.dropFirst(key.count + 1))
        }
        infoHash = try field("info-hash")
        magnet = try field("magnet")
    }

    /// A payload made by `make` — called with the path to create (`<directory>/<name>`) — instead of random bytes;
    /// for media files the tests generate with ffmpeg.
    public init(
        in swarm: Swarm, name: String, pieceSize: Int, announce: [String] = [], make: (String) async throws -> Void
    ) async throws {
        let directory = try swarm.makeDirectory(name + "-payload")
        self.name = name
        self.directory = directory
        torrent = directory + ".torrent"
        try await make(directory + "/" + name)
        let printed = try await swarm.runScript(
            "make-torrent",
            ["--piece-size", "\(pieceSize)"] + announce.flatMap { ["--announce", $0] } + [directory + "/" + name, torrent]
        )
        func field(_ key: String) throws -> String {
            guard let line = printed.split(separator: "\n").first(where: { $0.hasPrefix(key + " ") }) else {
                throw SwarmError.failed("make-torrent printed no \(key): \(printed)")
            }
            return String(line.dropFirst(key.count + 1))
        }
        infoHash = try field("info-hash")
        magnet = try field("magnet")
    }

    /// The magnet with an `x.pe` parameter for each peer (`"127.0.0.1:6881"`).
    public func magnet(peers: [String]) -> String {
        magnet + peers.map { "&x.pe=" + $0 }.joined()
    }

    /// Checks that `downloadDirectory/<name>` holds exactly this payload: the same files and folders, the same
    /// bytes. Throws `SwarmError.mismatch` naming the first difference.
    /// `ignoringMissingEmptyFiles`: transmission 3.00 never creates zero-length files; say so for it alone.
    public func verify(in downloadDirectory: String, ignoringMissingEmptyFiles: Bool = false) throws {
        try compareTrees(path, downloadDirectory + "/" + name, ignoringMissingEmptyFiles: ignoringMissingEmptyFiles)
    }
}

/// Compares two files or folder trees byte for byte; throws `SwarmError.mismatch` naming the first difference.
public func compareTrees(_ expected: String, _ actual: String, ignoringMissingEmptyFiles: Bool = false) throws {
    let files = FileManager.default
    var isFolder: ObjCBool = false
    guard files.fileExists(atPath: expected, isDirectory: &isFolder) else { throw SwarmError.mismatch("\(expected) does not exist") }
    guard isFolder.boolValue else { return try compareFiles(expected, actual) }
    let want = Set(try files.subpathsOfDirectory(atPath: expected))
    let have = Set((try? files.subpathsOfDirectory(atPath: actual)) ?? [])
    for extra in have.subtracting(want).sorted() { throw SwarmError.mismatch("\(actual)/\(extra) is not in the payload") }
    for relative in want.sorted() {
        let source = expected + "/" + relative
        var sourceIsFolder: ObjCBool = false
        _ = files.fileExists(atPath: source, isDirectory: &sourceIsFolder)
        if !have.contains(relative) {
            let size = (try? files.attributesOfItem(atPath: source)[.size] as? Int) ?? nil
            if ignoringMissingEmptyFiles, !sourceIsFolder.boolValue, size == 0 { continue }
            throw SwarmError.mismatch("\(actual)/\(relative) is missing")
        }
        if !sourceIsFolder.boolValue { try compareFiles(source, actual + "/" + relative) }
    }
}

private func compareFiles(_ expected: String, _ actual: String) throws {
    guard let a = FileHandle(forReadingAtPath: expected) else { throw SwarmError.mismatch("cannot read \(expected)") }
    guard let b = FileHandle(forReadingAtPath: actual) else { throw SwarmError.mismatch("\(actual) is missing") }
    defer {
        try? a.close()
        try? b.close()
    }
    var offset = 0
    while true {
        let left = try a.read(upToCount: 1 << 20) ?? Data()
        let right = try b.read(upToCount: 1 << 20) ?? Data()
        guard left == right else {
            let at = zip(left, right).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(left.count, right.count)
            throw SwarmError.mismatch("\(actual) differs from \(expected) at byte \(offset + at)")
        }
        if left.isEmpty { return }
        offset += left.count
    }
}

// MARK: - Tracker

/// opentracker on 127.0.0.1 (HTTP and UDP), through `ci/swarm/tracker`. Debian's build answers only whitelisted
/// info-hashes: `allow(_:)` adds one and waits until the tracker serves it.
public final class Opentracker {
    public let port: Int
    public let udpPort: Int
    public let process: ManagedProcess
    private let whitelist: String

    public var announceURL: String { "http://127.0.0.1:\(port)/announce" }
    public var udpAnnounceURL: String { "udp://127.0.0.1:\(udpPort)/announce" }

    public init(in swarm: Swarm, infoHashes: [String] = []) async throws {
        let directory = try swarm.makeDirectory("tracker")
        port = freeTCPPort()
        udpPort = freeUDPPort()
        whitelist = directory + "/whitelist.txt"
        process = try swarm.start(
            "tracker", executable: Swarm.scripts + "/tracker",
            arguments: ["--port", "\(port)", "--udp-port", "\(udpPort)", "--dir", directory] + infoHashes
        )
        try await process.waitForLine(startingWith: "ready", timeout: .seconds(10))
        for hash in infoHashes { try await waitUntilServed(hash) }
    }

    /// Whitelists `infoHash` (hex) and returns once an announce for it is no longer refused.
    public func allow(_ infoHash: String) async throws {
        guard let handle = FileHandle(forWritingAtPath: whitelist) else { throw SwarmError.failed("cannot open \(whitelist)") }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((infoHash.lowercased() + "\n").utf8))
        try handle.close()
        process.send(SIGHUP)
        try await waitUntilServed(infoHash)
    }

    /// Polls with an announce from port 1 until the tracker stops answering "not authorized", then takes that
    /// probe peer out again. (opentracker checks the whitelist on `started` announces only, not on `stopped` ones.)
    private func waitUntilServed(_ infoHash: String) async throws {
        var escaped = ""
        var digits = Array(infoHash.lowercased())
        while digits.count >= 2 {
            escaped += "%" + String(digits[0...1])
            digits.removeFirst(2)
        }
        let probe = "\(announceURL)?info_hash=\(escaped)&peer_id=-RL0000-harnessprobe&port=1&uploaded=0&downloaded=0"
            + "&left=0&numwant=0&compact=1"
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let reply = curlGet(probe + "&event=started"), reply.status == 200, !reply.body.contains("failure reason") {
                _ = curlGet(probe + "&event=stopped")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SwarmError.failed("opentracker still refuses \(infoHash)\n\(process.log)")
    }
}

// MARK: - Peers

/// A BitTorrent client the swarm can run as a seeder or a leecher.
public enum SwarmClient: Sendable, CustomStringConvertible {
    /// python3-libtorrent 2.0 (`ci/swarm/seed-libtorrent`, `leech-libtorrent`).
    case libtorrent
    /// transmission-daemon 3.00 with its own config dir (`seed-transmission`, `leech-transmission`).
    case transmission
    /// aria2c 1.36 (`seed-aria2`, `leech-aria2`).
    case aria2
    /// The rill binary at `binary`, through its command line only:
    /// `rill fetch SOURCE --out DIR --port P [--peer IP:PORT]... [--timeout S] [--seed]`. It keeps resume data in
    /// `DIR/.rill-state`, beside the payload.
    case rill(binary: String)

    public var description: String {
        switch self {
        case .libtorrent: "libtorrent"
        case .transmission: "transmission"
        case .aria2: "aria2"
        case .rill: "rill"
        }
    }
}

/// A client seeding a payload on 127.0.0.1:`port` until the swarm shuts down (or `stop()`).
public final class Seeder {
    public let client: SwarmClient
    public let port: Int
    public let process: ManagedProcess

    /// Starts seeding `payload` from its directory and returns once the client says it is seeding all of it.
    /// `rate`: an upload limit in bytes/s that holds for loopback peers too (not for rill).
    public init(client: SwarmClient, payload: Payload, in swarm: Swarm, port: Int? = nil, rate: Int? = nil) async throws {
        self.client = client
        self.port = port ?? freeTCPPort()
        switch client {
        case .rill(let binary):
            guard rate == nil else { throw SwarmError.failed("rill fetch has no rate limit option") }
            let work = try swarm.makeDirectory("rill-seeder")
            process = try swarm.start(
                "seed-rill", executable: binary,
                arguments: ["fetch", payload.torrent, "--out", payload.directory, "--port", "\(self.port)", "--seed"],
                environment: rillEnvironment(), workingDirectory: work
            )
            try await process.waitForLine(startingWith: "rill fetch: seeding on port", on: .stderr, timeout: .seconds(60))
        default:
            process = try swarm.start(
                "seed-\(client)", executable: Swarm.scripts + "/seed-\(client)",
                arguments: ["--port", "\(self.port)"] + (rate.map { ["--rate", "\($0)"] } ?? [])
                    + [payload.torrent, payload.directory]
            )
            try await process.waitForLine(startingWith: "ready", timeout: .seconds(60))
        }
    }

    /// The peer address for `--peer` and `x.pe`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Stops the client (SIGTERM, then SIGKILL) and returns its exit status; 0 is a clean stop.
    @discardableResult
    public func stop() async -> Int32 { await process.stop() }
}

/// A client downloading a .torrent or magnet into its own fresh directory, `outputDirectory`.
public final class Leecher {
    public let client: SwarmClient
    public let outputDirectory: String
    public let process: ManagedProcess
    private let timeout: Int

    /// Starts the download and returns at once; `waitUntilComplete` waits for it.
    /// `peers` ("127.0.0.1:P") are dialled directly besides the trackers: libtorrent and rill (`--peer`) dial them,
    /// aria2 gets them from a static tracker. transmission 3.00 never dials loopback peers: start it before the
    /// seeders and let them dial it through a tracker.
    public init(
        client: SwarmClient, source: String, in swarm: Swarm, peers: [String] = [], port: Int? = nil,
        timeout: Int = 120
    ) throws {
        self.client = client
        self.timeout = timeout
        outputDirectory = try swarm.makeDirectory("\(client)-download")
        let port = port ?? freeTCPPort()
        switch client {
        case .rill(let binary):
            process = try swarm.start(
                "leech-rill", executable: binary,
                arguments: ["fetch", source, "--out", outputDirectory, "--port", "\(port)", "--timeout", "\(timeout)"]
                    + peers.flatMap { ["--peer", $0] },
                environment: rillEnvironment(), workingDirectory: try swarm.makeDirectory("rill-leecher")
            )
        default:
            process = try swarm.start(
                "leech-\(client)", executable: Swarm.scripts + "/leech-\(client)",
                arguments: ["--out", outputDirectory, "--port", "\(port)", "--timeout", "\(timeout)"]
                    + peers.flatMap { ["--peer", $0] } + [source]
            )
        }
    }

    /// Waits until the client exits and returns the wall seconds since it started; throws with its log when it
    /// exits non-zero or runs past its timeout.
    @discardableResult
    public func waitUntilComplete() async throws -> Double {
        let status: Int32
        do {
            status = try await process.waitForExit(timeout: .seconds(timeout + 15))
        } catch {
            await process.stop()
            throw error
        }
        let elapsed = ContinuousClock.now - process.started
        guard status == 0 else { throw SwarmError.failed("\(client) leecher exited \(status)\n\(process.log)") }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// The environment for a rill child: no RILL_* variables leak in from the developer's shell.
private func rillEnvironment() -> [String: String?] {
    var environment: [String: String?] = [:]
    for key in ProcessInfo.processInfo.environment.keys where key.hasPrefix("RILL_") { environment[key] = .some(nil) }
    return environment
}
