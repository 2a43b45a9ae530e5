import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a system tool (`mkfs.ext4`, `mount`, `reboot`) to completion: arguments passed as they are (no shell), a
/// minimal environment, its own process group, a time limit (SIGTERM to the group, 2 s, SIGKILL), output kept up
/// to 64 KiB. Returns how it ended and its output; never throws for a non-zero exit (the caller decides).
enum SystemCommand {
    struct Outcome: Sendable {
        /// The exit status; -1 when it was killed by a signal or could not be started.
        let status: Int32
        /// Standard output and error, trimmed to their last 4 KiB each.
        let output: String
        var succeeded: Bool { status == 0 }
    }

    static let searchPath = "/usr/sbin:/usr/bin:/sbin:/bin"

    static func run(_ tool: String, _ arguments: [String], timeout: Duration) async -> Outcome {
        guard let path = find(tool) else { return Outcome(status: -1, output: "\(tool) is not installed") }
        do {
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    var options = PlatformOptions()
                    options.processGroupID = 0
                    options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
                    let result = try await Subprocess.run(
                        .path(FilePath(path)), arguments: Arguments(arguments),
                        environment: .custom(["PATH": searchPath, "LC_ALL": "C"]),
                        platformOptions: options, input: .none, output: .bytes(limit: 64 << 10), error: .bytes(limit: 64 << 10)
                    )
                    let status: Int32 = if case .exited(let code) = result.terminationStatus { Int32(code) } else { -1 }
                    let text = String(decoding: result.standardOutput.suffix(4096), as: UTF8.self)
                        + String(decoding: result.standardError.suffix(4096), as: UTF8.self)
                    return Outcome(status: status, output: text)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first ?? Outcome(status: -1, output: "\(tool) did not finish within \(timeout)")
            }
        } catch {
            return Outcome(status: -1, output: "\(tool) could not be run: \(error)")
        }
    }

    /// The tool's path: itself when it has a slash, else the first executable in ``searchPath``.
    static func find(_ tool: String) -> String? {
        if tool.contains("/") { return access(tool, X_OK) == 0 ? tool : nil }
        return searchPath.split(separator: ":").map { "\($0)/\(tool)" }.first { access($0, X_OK) == 0 }
    }
}
