#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reboot and factory reset from the system page. They act only on the appliance image, recognised by the marker
/// file `/etc/rill/appliance` that the image build writes; anywhere else (a development machine, CI) they refuse
/// with a message and run nothing.
///
/// A factory reset writes `rill-factory-reset` on the boot partition (the image's early boot wipes the data
/// partition when it finds it, as with the file a person puts there by hand) and reboots.
public struct SystemActions: Sendable {
    public var applianceMarker: String
    public var bootPartition: String

    public init(applianceMarker: String = "/etc/rill/appliance", bootPartition: String = "/boot/firmware") {
        self.applianceMarker = applianceMarker
        self.bootPartition = bootPartition
    }

    public var isAppliance: Bool { access(applianceMarker, F_OK) == 0 }

    public static let factoryResetFile = "rill-factory-reset"

    /// Starts a reboot; on anything but the appliance, refuses.
    public func reboot() async throws(SystemActionError) {
        guard isAppliance else { throw .notAnAppliance }
        let outcome = await SystemCommand.run("reboot", [], timeout: .seconds(30))
        guard outcome.succeeded else { throw .failed(outcome.output) }
    }

    /// Marks the data partition for wiping and reboots; on anything but the appliance, refuses.
    public func factoryReset() async throws(SystemActionError) {
        guard isAppliance else { throw .notAnAppliance }
        let path = bootPartition + "/" + Self.factoryResetFile
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .failed("cannot write \(path): \(String(cString: strerror(errno)))") }
        _ = "factory reset requested from the web UI\n".withCString { write(descriptor, $0, strlen($0)) }
        _ = fsync(descriptor)
        close(descriptor)
        try await reboot()
    }
}

public enum SystemActionError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnAppliance
    case failed(String)

    public var description: String {
        switch self {
        case .notAnAppliance: "this is not the Rill appliance (no /etc/rill/appliance): reboot and factory reset are refused here"
        case .failed(let why): "the command failed: \(why.trimmed.suffix(300))"
        }
    }
}
