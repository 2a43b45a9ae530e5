import Subprocess

/// What a short tool run (ffprobe, a thumbnail, a subtitle extraction) left: how it ended, its stdout (bounded) and
/// the tail of its stderr.
struct ToolOutput: Sendable {
    let exit: ProcessExit
    let stdout: [UInt8]
    let stderr: String
}

/// Runs a tool to completion under a time limit and an stdout limit.
///
/// Contract: the call returns only after the child has exited and been reaped. Past `timeout` (or when the calling
/// task is cancelled) the child's group gets SIGTERM, 2 s later SIGKILL. More stdout than `stdoutLimit` kills it
/// the same way. Either way the caller gets a ``TranscodeError`` naming the tool and the source, never a hang.
enum ToolRunner {
    static func run(
        _ command: ToolCommand, toolName: String, source: String, timeout: Duration, stdoutLimit: Int
    ) async throws(TranscodeError) -> ToolOutput {
        do {
            return try await withThrowingTaskGroup(of: ToolOutput?.self) { group in
                group.addTask { try await runCollecting(command, stdoutLimit: stdoutLimit) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let first else { throw TimedOut() }
                return first
            }
        } catch is TimedOut {
            throw .timedOut(tool: toolName, source: source, seconds: timeout.inSeconds)
        } catch let error as SubprocessError {
            throw map(error, command: command, toolName: toolName, source: source, limit: stdoutLimit)
        } catch {
            // Only cancellation reaches here: the caller went away and the child has been torn down.
            throw .timedOut(tool: toolName, source: source, seconds: 0)
        }
    }

    private static func runCollecting(_ command: ToolCommand, stdoutLimit: Int) async throws -> ToolOutput {
        let result = try await Subprocess.run(
            command.subprocessExecutable, arguments: command.subprocessArguments,
            environment: ToolCommand.environment, platformOptions: ToolCommand.platformOptions,
            input: .none, output: .bytes(limit: stdoutLimit), error: .sequence
        ) { execution in
            var tail = OutputTail()
            for try await chunk in execution.standardError {
                chunk.withUnsafeBytes { tail.append($0) }
            }
            return tail.text
        }
        return ToolOutput(exit: ProcessExit(result.terminationStatus), stdout: result.standardOutput,
                          stderr: result.closureResult)
    }

    static func map(
        _ error: SubprocessError, command: ToolCommand, toolName: String, source: String, limit: Int
    ) -> TranscodeError {
        switch error.code {
        case .outputLimitExceeded: .outputTooLarge(tool: toolName, source: source, limit: limit)
        case .executableNotFound, .spawnFailed: .toolMissing(path: command.executable, detail: "\(error)")
        default: .unreadableMedia(source: source, status: -1, message: "\(toolName): \(error)")
        }
    }

    private struct TimedOut: Error {}
}

extension Duration {
    /// The duration in seconds, as a floating-point number for messages.
    var inSeconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
