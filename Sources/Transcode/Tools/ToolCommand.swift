#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Subprocess
import SystemPackage

/// How a tool is started: the executable, a `nice` wrapper when one is wanted and present, its own process group
/// (so a teardown reaches anything it forks), a minimal environment (no proxy variables: the stream URL is on
/// loopback, and nothing should leave by another way) and the teardown used on cancellation or timeout:
/// SIGTERM to the group, 2 s, then SIGKILL.
struct ToolCommand: Sendable {
    let executable: String
    let arguments: [String]

    /// `tool arguments`, prefixed with `nice -n niceness` when `niceness > 0` and a `nice` executable exists.
    init(tool: String, arguments: [String], niceness: Int) {
        if niceness > 0, let nice = Self.nicePath {
            executable = nice
            self.arguments = ["-n", String(niceness), tool] + arguments
        } else {
            executable = tool
            self.arguments = arguments
        }
    }

    static let nicePath: String? = ["/usr/bin/nice", "/bin/nice"].first { access($0, X_OK) == 0 }

    var subprocessExecutable: Executable { .path(FilePath(executable)) }
    var subprocessArguments: Arguments { Arguments(arguments) }

    static let environment: Environment = .custom(["PATH": "/usr/bin:/bin", "LC_ALL": "C"])

    static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        return options
    }

    /// True when `path` names an executable file.
    static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}

/// How a child ended.
public enum ProcessExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)
    /// It never ran: the executable is missing or the spawn failed.
    case notStarted(String)

    init(_ status: TerminationStatus) {
        switch status {
        case .exited(let code): self = .exited(code)
        case .signaled(let signal): self = .signalled(signal)
        }
    }

    public var succeeded: Bool { self == .exited(0) }

    /// A number for messages: the exit code, 128 + signal, or -1.
    var statusNumber: Int32 {
        switch self {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        case .notStarted: -1
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        case .notStarted(let why): "not started: \(why)"
        }
    }
}
