#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A disk the setup wizard may offer for downloads, as `/sys/block` and `/proc/mounts` describe it.
public struct BlockDevice: Sendable, Equatable, Codable {
    /// The kernel's name (`sda`, `mmcblk0`, `nvme0n1`).
    public let name: String
    public let sizeBytes: Int64
    /// The vendor and model, when the kernel knows them.
    public let model: String?
    public let removable: Bool
    /// Partitions (`sda1`…) and where each one is mounted.
    public let partitions: [Partition]
    /// Where the whole device itself is mounted (a disk formatted without a partition table).
    public let mountpoints: [String]
    /// Holds the running system or the data folder: never offered for formatting.
    public let isSystem: Bool

    public struct Partition: Sendable, Equatable, Codable {
        public let name: String
        public let sizeBytes: Int64
        public let mountpoints: [String]
    }

    /// Mounted anywhere, itself or a partition.
    public var isMounted: Bool { !mountpoints.isEmpty || partitions.contains { !$0.mountpoints.isEmpty } }

    enum CodingKeys: String, CodingKey {
        case name, sizeBytes = "size_bytes", model, removable, partitions, mountpoints, isSystem = "system"
    }
}

extension BlockDevice.Partition {
    enum CodingKeys: String, CodingKey {
        case name, sizeBytes = "size_bytes", mountpoints
    }
}

/// Lists the disks of this machine from sysfs and the mount table; the folders are parameters so tests give a
/// tree of the same shape.
///
/// Skipped: virtual devices (`loop`, `ram`, `zram`, `dm-`, `md`, `sr`, `fd`) and devices of size 0. A device is
/// `isSystem` when it (or a partition) is mounted at `/`, at one of `systemMounts`, or at or above the data folder.
public struct BlockDevices: Sendable {
    public var sysBlock: String
    public var mounts: String
    public var dataDirectory: String
    public var systemMounts: [String]

    /// At most this many devices and partitions per device are read.
    static let maxDevices = 64
    static let maxPartitions = 128

    public init(sysBlock: String = "/sys/block", mounts: String = "/proc/mounts", dataDirectory: String, systemMounts: [String] = ["/", "/boot", "/boot/firmware", "/data"]) {
        self.sysBlock = sysBlock
        self.mounts = mounts
        self.dataDirectory = dataDirectory
        self.systemMounts = systemMounts
    }

    public func list() -> [BlockDevice] {
        let table = mountTable()
        var devices: [BlockDevice] = []
        for name in Self.entries(of: sysBlock).sorted().prefix(Self.maxDevices) where !Self.isVirtual(name) {
            let folder = sysBlock + "/" + name
            let size = Self.sectors(folder + "/size") * 512
            guard size > 0 else { continue }
            var partitions: [BlockDevice.Partition] = []
            for child in Self.entries(of: folder).sorted().prefix(Self.maxPartitions)
            where child.hasPrefix(name) && Self.readSmall(folder + "/" + child + "/partition") != nil {
                partitions.append(.init(name: child, sizeBytes: Self.sectors(folder + "/" + child + "/size") * 512, mountpoints: table[child] ?? []))
            }
            let own = table[name] ?? []
            let everywhere = own + partitions.flatMap(\.mountpoints)
            let model = [Self.readSmall(folder + "/device/vendor"), Self.readSmall(folder + "/device/model")]
                .compactMap { $0?.trimmed }.filter { !$0.isEmpty }.joined(separator: " ")
            devices.append(BlockDevice(
                name: name, sizeBytes: size, model: model.isEmpty ? nil : model,
                removable: Self.readSmall(folder + "/removable")?.trimmed == "1", partitions: partitions, mountpoints: own,
                isSystem: everywhere.contains(where: isSystemMount)
            ))
        }
        return devices
    }

    func isSystemMount(_ point: String) -> Bool {
        if systemMounts.contains(point) { return true }
        let data = dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory
        return data == point || data.hasPrefix(point == "/" ? "/" : point + "/")
    }

    /// Device name (`sda1`) → mount points, from `/dev/NAME` sources in the mount table.
    func mountTable() -> [String: [String]] {
        guard let text = Self.readSmall(mounts, limit: 256 << 10) else { return [:] }
        var table: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, fields[0].hasPrefix("/dev/") else { continue }
            let name = String(fields[0].dropFirst(5))
            // /proc/mounts escapes spaces as \040.
            table[name, default: []].append(String(fields[1]).replacing("\\040", with: " "))
        }
        return table
    }

    static func isVirtual(_ name: String) -> Bool {
        ["loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd"].contains { name.hasPrefix($0) }
    }

    static func sectors(_ path: String) -> Int64 {
        readSmall(path).flatMap { Int64($0.trimmed) } ?? 0
    }

    static func entries(of folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
            if names.count > 4096 { break }
        }
        return names
    }

    static func readSmall(_ path: String, limit: Int = 4096) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes.prefix(limit), as: UTF8.self)
    }
}
