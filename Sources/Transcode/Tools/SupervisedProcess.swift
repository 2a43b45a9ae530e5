import Subprocess
import Synchronization

/// A long-running child (a transcode's ffmpeg) owned by one session.
///
/// Contract: it starts on creation; ``exit`` is nil while it runs and set once it has been reaped; ``stop()`` sends
/// SIGTERM to its process group, SIGKILL 2 s later if it is still there, and returns only after it is reaped, so
/// when `stop()` returns nothing of it writes to the scratch directory any more. Only the last 4 KiB of its stderr
/// are kept. Dropping the last reference without `stop()` leaves the child running: owners always stop it.
final class SupervisedProcess: Sendable {
    private let shared = Shared()
    private let task: Task<Void, Never>

    init(_ command: ToolCommand) {
        task = Task.detached { [shared] in
            do {
                let result = try await Subprocess.run(
                    command.subprocessExecutable, arguments: command.subprocessArguments,
                    environment: ToolCommand.environment, platformOptions: ToolCommand.platformOptions,
                    input: .none, output: .discarded, error: .sequence
                ) { execution in
                    shared.state.withLock { $0.processID = execution.processIdentifier.value }
                    for try await chunk in execution.standardError {
                        chunk.withUnsafeBytes { bytes in shared.state.withLock { $0.stderr.append(bytes) } }
                    }
                }
                shared.state.withLock { $0.exit = ProcessExit(result.terminationStatus) }
            } catch {
                // Cancellation (stop) tears the child down and surfaces here as an error.
                shared.state.withLock { state in
                    state.exit = state.exit ?? (state.processID == nil ? .notStarted("\(error)") : .signalled(15))
                }
            }
        }
    }

    /// How the child ended, or nil while it runs.
    var exit: ProcessExit? { shared.state.withLock { $0.exit } }

    /// The child's process id once it has started (for tests and reports).
    var processID: Int32? { shared.state.withLock { $0.processID } }

    /// The last lines the child wrote to stderr.
    var stderrTail: String { shared.state.withLock { $0.stderr.text } }

    /// Ends the child (SIGTERM, then SIGKILL after 2 s) and waits until it has been reaped.
    @discardableResult
    func stop() async -> ProcessExit {
        task.cancel()
        await task.value
        return exit ?? .signalled(15)
    }

    /// Waits until the child ends by itself.
    func waitForExit() async -> ProcessExit {
        await task.value
        return exit ?? .notStarted("no process")
    }

    private final class Shared: Sendable {
        struct State: Sendable {
            var processID: Int32?
            var exit: ProcessExit?
            var stderr = OutputTail()
        }

        let state = Mutex(State())
    }
}
