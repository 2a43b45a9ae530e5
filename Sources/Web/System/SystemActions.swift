#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reboot and factory reset from the system page. They act only on the appliance image, recognised by
/// `/etc/rill/image-release`, which the image build writes (docs/IMAGE.md); anywhere else (a development machine,
/// CI) they refuse with a message and run nothing.
///
/// A factory reset writes the flag `<data>/factory-reset` (fsynced, with its folder) and reboots; the image's
/// initramfs finds it before anything mounts the data partition and formats that partition — only that one.
public struct SystemActions: Sendable {
    public var applianceMarker: String
    /// The data directory, where the factory reset flag goes.
    public var dataDirectory: String

    public init(applianceMarker: String = "/etc/rill/image-release", dataDirectory: String = "/data") {
        self.applianceMarker = applianceMarker
        self.dataDirectory = dataDirectory
    }

    public var isAppliance: Bool { access(applianceMarker, F_OK) == 0 }

    /// The flag the image's initramfs looks for in the data directory.
    public static let factoryResetFlag = "factory-reset"

    /// Starts a reboot through init (which stops rill cleanly first); on anything but the appliance, refuses.
    public func reboot() async throws(SystemActionError) {
        guard isAppliance else { throw .notAnAppliance }
        let outcome = await SystemCommand.run("reboot", [], timeout: .seconds(30))
        guard outcome.succeeded else { throw .failed(outcome.output) }
    }

    /// Marks the data partition for wiping and reboots; on anything but the appliance, refuses.
    public func factoryReset() async throws(SystemActionError) {
        guard isAppliance else { throw .notAnAppliance }
        let path = dataDirectory + "/" + Self.factoryResetFlag
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .failed("cannot write \(path): \(String(cString: strerror(errno)))") }
        _ = "factory reset requested from the web UI\n".withCString { write(descriptor, $0, strlen($0)) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        let folder = open(dataDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
        guard synced else { throw .failed("cannot sync \(path): \(String(cString: strerror(errno)))") }
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
