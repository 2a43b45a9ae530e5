/// Brings the daemon's WireGuard interface up from a parsed config and takes it down again, with the `ip` and
/// `wg` tools.
///
/// Bring-up, in an order that keeps the interface unusable (no address) until everything else is in place, so
/// the kill switch lets the engine out only into a finished tunnel:
/// 1. whatever a previous run left (interface, rules, table) is removed;
/// 2. the interface is made: kernel WireGuard (`ip link add NAME type wireguard`), or, when the kernel has
///    none, the userspace implementation (`wireguard-go NAME`, which makes a tun device and keeps running until
///    the interface is deleted);
/// 3. `wg setconf NAME /dev/stdin` with ``WireGuardConfig/setconfText()`` on standard input (keys never touch
///    the disk or a command line), the MTU, `ip link set up`;
/// 4. the policy routing (``TunnelRouting``), then the addresses.
///
/// Hook scripts in the file are never run; wg-quick's `Table`, `SaveConfig` and DNS handling are not done: the
/// daemon's own resolver asks the tunnel's DNS servers. Endpoint host names are resolved by `wg` (libc),
/// outside the tunnel, as they must be. Taking it down deletes the interface (which also ends wireguard-go)
/// and removes the routing. Calls must not overlap (``VPNManager`` serialises them).
public struct WireGuardTunnel: Sendable {
    /// Which WireGuard made the interface.
    public enum Implementation: String, Sendable, Codable {
        case kernel
        case userspace
    }

    public let settings: TunnelSettings

    public init(settings: TunnelSettings) {
        self.settings = settings
    }

    public var interfaceName: String { settings.interfaceName }

    /// Brings the tunnel up as `config` says; on failure what was made is removed again.
    @discardableResult
    public func up(_ config: WireGuardConfig) async throws(TunnelError) -> Implementation {
        guard !config.interface.addresses.isEmpty else {
            throw TunnelError(command: "bring-up", reason: .unusableConfig("the config has no Address"))
        }
        await down()
        let implementation = try await makeInterface()
        do {
            try await SystemTool.run("wg", ["setconf", interfaceName, "/dev/stdin"], input: config.setconfText().revealed)
            try await SystemTool.run("ip", ["link", "set", "dev", interfaceName, "mtu", "\(config.interface.mtu ?? 1420)"])
            try await SystemTool.run("ip", ["link", "set", "dev", interfaceName, "up"])
            try await TunnelRouting.install(config, settings: settings)
            for address in config.interface.addresses {
                try await SystemTool.run("ip", [address.address.isIPv4 ? "-4" : "-6", "address", "add", "\(address)", "dev", interfaceName])
            }
        } catch {
            await down()
            throw error
        }
        return implementation
    }

    /// Deletes the interface and the routing (best effort; missing parts are fine).
    public func down() async {
        _ = try? await SystemTool.run("ip", ["link", "del", "dev", interfaceName])
        await TunnelRouting.remove(settings: settings)
    }

    /// Whether an interface with the tunnel's name exists.
    public func exists() async -> Bool {
        (try? await SystemTool.run("ip", ["link", "show", "dev", interfaceName])) != nil
    }

    /// Kernel WireGuard first; the userspace implementation when the kernel has none.
    private func makeInterface() async throws(TunnelError) -> Implementation {
        let kernelFailure: TunnelError
        do {
            try await SystemTool.run("ip", ["link", "add", "dev", interfaceName, "type", "wireguard"])
            return .kernel
        } catch {
            kernelFailure = error
        }
        do {
            // Without -f it daemonises: the tun device exists when the command returns, and the process lives
            // until the interface is deleted. LOG_LEVEL unset: its output goes to /dev/null, not our pipe.
            try await SystemTool.run(
                settings.userspaceImplementation, [interfaceName],
                environment: ["WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD": "1", "LOG_LEVEL": nil]
            )
        } catch {
            throw TunnelError(
                command: "make \(interfaceName)",
                reason: .noWireGuard(kernel: Self.reason(kernelFailure), userspace: Self.reason(error))
            )
        }
        let deadline = ContinuousClock.now + settings.interfaceTimeout
        while ContinuousClock.now < deadline {
            if await exists() { return .userspace }
            try? await Task.sleep(for: .milliseconds(50))
        }
        throw TunnelError(command: "\(settings.userspaceImplementation) \(interfaceName)", reason: .interfaceMissing(interfaceName))
    }

    private static func reason(_ error: TunnelError) -> String {
        if case .commandFailed(_, _, let output) = error.reason { return output }
        return error.description
    }
}
