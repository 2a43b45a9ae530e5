#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A USB disk used for downloads: formatted by the setup wizard with `mkfs.ext4` (with a UUID Rill chose) and
/// mounted at `<data>/media`; at every start the daemon finds it again by that UUID, read from the ext4
/// superblock of each candidate device, whatever name the kernel gave it this time.
///
/// The device folder (`/dev`) is a parameter so tests format a disk-image file instead of a device.
public struct MediaDisk: Sendable {
    public let devices: BlockDevices
    public let deviceDirectory: String
    public let mountPoint: String

    public init(devices: BlockDevices, deviceDirectory: String = "/dev", mountPoint: String) {
        self.devices = devices
        self.deviceDirectory = deviceDirectory
        self.mountPoint = mountPoint
    }

    /// The label mkfs gives the filesystem.
    public static let label = "rill-media"

    /// Formats `name` as ext4 with a new UUID, which it returns. Refuses a system or mounted device, or a name
    /// that is not one of ``devices``'s list. Takes as long as mkfs does (lazy inode tables: seconds).
    public func format(_ name: String) async throws(StorageSetupError) -> String {
        let device = try candidate(name)
        guard !device.isMounted else { throw .refused("\(name) is mounted (\(device.mountpoints + device.partitions.flatMap(\.mountpoints))); unmount it first") }
        let uuid = Self.newUUID()
        let outcome = await SystemCommand.run(
            "mkfs.ext4", ["-F", "-q", "-L", Self.label, "-U", uuid, "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", path(of: name)],
            timeout: .seconds(600)
        )
        guard outcome.succeeded else { throw .commandFailed("mkfs.ext4", outcome.output) }
        guard Self.ext4UUID(at: path(of: name)) == uuid else { throw .commandFailed("mkfs.ext4", "the new filesystem does not carry the UUID it was given") }
        return uuid
    }

    /// The UUID of the ext4 filesystem on `name`, or nil (not ext4, unreadable).
    public func existingUUID(_ name: String) throws(StorageSetupError) -> String? {
        _ = try candidate(name)
        return Self.ext4UUID(at: path(of: name))
    }

    /// Mounts the filesystem with `uuid` at ``mountPoint`` (creating it) unless something is mounted there already;
    /// returns the mount point. Devices are searched by superblock, so a renamed device is still found.
    public func mount(uuid: String) async throws(StorageSetupError) -> String {
        if devices.mountTable().values.contains(where: { $0.contains(mountPoint) }) { return mountPoint }
        let candidates = devices.list().filter { !$0.isSystem }.flatMap { [$0.name] + $0.partitions.map(\.name) }
        guard let name = candidates.first(where: { Self.ext4UUID(at: path(of: $0)) == uuid }) else {
            throw .refused("no disk with the filesystem \(uuid) is connected")
        }
        if mkdir(mountPoint, 0o755) != 0, errno != EEXIST { throw .refused("cannot create \(mountPoint): \(String(cString: strerror(errno)))") }
        var options = "noatime,nodev,nosuid,noexec"
        var info = stat()
        if stat(path(of: name), &info) == 0, info.st_mode & S_IFMT == S_IFREG { options += ",loop" }
        let outcome = await SystemCommand.run("mount", ["-t", "ext4", "-o", options, path(of: name), mountPoint], timeout: .seconds(60))
        guard outcome.succeeded else { throw .commandFailed("mount", outcome.output) }
        return mountPoint
    }

    func path(of name: String) -> String { deviceDirectory + "/" + name }

    private func candidate(_ name: String) throws(StorageSetupError) -> BlockDevice {
        guard let device = devices.list().first(where: { $0.name == name }) else { throw .refused("there is no disk called \(name)") }
        guard !device.isSystem else { throw .refused("\(name) holds the system or the data partition") }
        return device
    }

    /// A random (version 4) UUID in the usual text form.
    static func newUUID() -> String {
        var bytes = SecureRandom.bytes(16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.string(bytes)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    /// Reads the ext2/3/4 superblock (1024 bytes in): magic 0xEF53 at offset 56, UUID at offset 104.
    static func ext4UUID(at path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var block = [UInt8](repeating: 0, count: 1024)
        let count = block.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 1024, 1024) }
        guard count == 1024, block[56] == 0x53, block[57] == 0xEF else { return nil }
        let hex = Array(Hex.string(block[104..<120]))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }
}

/// Why a storage choice was refused or failed.
public enum StorageSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused(String)
    case commandFailed(String, String)

    public var description: String {
        switch self {
        case .refused(let why): why
        case .commandFailed(let tool, let output): "\(tool) failed: \(output.trimmed.suffix(400))"
        }
    }
}
