/// Bringing the tunnel up or down, or reading its state, failed. `description` is for people (status API, log);
/// it never holds a key: secrets reach the tools through standard input only.
public struct TunnelError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The tool is not installed.
        case toolMissing(String)
        /// The command exited non-zero (status -1: it could not be started) with this message.
        case commandFailed(String, status: Int32, output: String)
        /// Neither kernel WireGuard nor wireguard-go could make the interface.
        case noWireGuard(kernel: String, userspace: String)
        /// The interface did not appear within the time allowed.
        case interfaceMissing(String)
        /// The configuration cannot be applied as it is.
        case unusableConfig(String)
    }

    /// What was being done, e.g. `ip link add wg0 type wireguard`.
    public let command: String
    public let reason: Reason

    public init(command: String, reason: Reason) {
        self.command = command
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .toolMissing(let tool): "\(tool) is not installed"
        case .commandFailed(let command, let status, let output):
            status < 0 ? "cannot run `\(command)`: \(output)" : "`\(command)` failed (exit \(status)): \(output)"
        case .noWireGuard(let kernel, let userspace):
            "no WireGuard: the kernel has none (\(kernel)) and wireguard-go failed (\(userspace))"
        case .interfaceMissing(let name): "\(name) did not appear"
        case .unusableConfig(let why): why
        }
    }
}
