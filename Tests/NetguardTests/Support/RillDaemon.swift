import Foundation

/// The real `rill` binary (`$RILL_BINARY`, else this package's `.build/debug/rill`) running `rill run` inside a
/// namespace with a config file of its own and a clean environment; stopped with SIGTERM.
final class RillDaemon {
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["RILL_BINARY"] { return path }
        var root = #filePath
        for _ in 0..<4 { root = String(root[..<(root.lastIndex(of: "/") ?? root.startIndex)]) }
        return root + "/.build/debug/rill"
    }()

    static let unavailableReason: String? =
        FileManager.default.isExecutableFile(atPath: binary) ? nil : "no rill binary at \(binary): run swift build first or set RILL_BINARY"

    let dataDirectory: String
    let logPath: String
    private let child: ChildProcess

    /// Writes `config` (TOML) into `directory/rill.toml` and starts the daemon in `namespace`.
    init(config: String, directory: String, namespace: NetworkNamespace) throws {
        dataDirectory = directory + "/data"
        logPath = directory + "/rill.log"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let file = directory + "/rill.toml"
        try config.write(toFile: file, atomically: true, encoding: .utf8)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        child = try ChildProcess(
            namespace.exec(["env", "-i", "PATH=\(path)", Self.binary, "run", "--config", file]), logPath: logPath
        )
    }

    deinit { child.stop() }

    var log: String { child.log }
    var isRunning: Bool { child.isRunning }

    func stop() { child.stop() }
}
