import Testing
import TestSupport
@testable import Web

#if canImport(Glibc)
import Glibc
#endif

/// The storage step on a sysfs-shaped tree and a disk-image file standing in for `/dev/sdz`: never a real device.
@Suite(.serialized, .timeLimit(.minutes(2))) struct StorageSetupTests {
    /// `/sys/block` with a removable 64 MiB `sdz` and the system's `mmcblk0` (its p2 mounted at /), a mount table,
    /// and `dev/sdz` as a sparse 64 MiB file.
    static func fakeMachine(_ directory: TemporaryDirectory) throws -> MediaDisk {
        let sys = directory.path + "/sys-block"
        for folder in ["", "/sdz", "/sdz/device", "/mmcblk0", "/mmcblk0/mmcblk0p1", "/mmcblk0/mmcblk0p2", "/loop0", "/../dev"] {
            mkdir(sys + folder, 0o755)
        }
        try directory.write("sys-block/sdz/size", Array("131072\n".utf8))
        try directory.write("sys-block/sdz/removable", Array("1\n".utf8))
        try directory.write("sys-block/sdz/device/vendor", Array("ACME    \n".utf8))
        try directory.write("sys-block/sdz/device/model", Array("Test Disk\n".utf8))
        try directory.write("sys-block/mmcblk0/size", Array("62333952\n".utf8))
        try directory.write("sys-block/mmcblk0/removable", Array("0\n".utf8))
        for part in ["mmcblk0p1", "mmcblk0p2"] {
            try directory.write("sys-block/mmcblk0/\(part)/partition", Array("1\n".utf8))
            try directory.write("sys-block/mmcblk0/\(part)/size", Array("1048576\n".utf8))
        }
        try directory.write("sys-block/loop0/size", Array("100\n".utf8))
        try directory.write("mounts", Array("/dev/mmcblk0p2 / ext4 rw 0 0\n/dev/mmcblk0p1 /boot/firmware vfat rw 0 0\nproc /proc proc rw 0 0\n".utf8))
        let image = open(directory.path + "/dev/sdz", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(ftruncate(image, 64 << 20) == 0)
        close(image)
        return MediaDisk(
            devices: BlockDevices(sysBlock: sys, mounts: directory.path + "/mounts", dataDirectory: "/data"),
            deviceDirectory: directory.path + "/dev", mountPoint: directory.path + "/media"
        )
    }

    @Test("block devices come from sysfs and the mount table; the system disk is marked, virtual ones skipped")
    func listing() throws {
        let directory = try TemporaryDirectory()
        let devices = try Self.fakeMachine(directory).devices.list()
        #expect(devices.map(\.name) == ["mmcblk0", "sdz"])
        let sdz = try #require(devices.last)
        #expect(sdz.sizeBytes == 64 << 20 && sdz.removable && sdz.model == "ACME Test Disk" && !sdz.isSystem && !sdz.isMounted)
        #expect(devices.first?.isSystem == true && devices.first?.partitions.map(\.name) == ["mmcblk0p1", "mmcblk0p2"])
    }

    @Test("formatting runs mkfs.ext4 on the image with our UUID; the system disk and unknown names are refused")
    func format() async throws {
        let directory = try TemporaryDirectory()
        let media = try Self.fakeMachine(directory)
        await #expect(throws: StorageSetupError.self) { _ = try await media.format("mmcblk0") }
        await #expect(throws: StorageSetupError.self) { _ = try await media.format("sdq") }
        await #expect(throws: StorageSetupError.self) { _ = try await media.format("../etc") }
        #expect(try media.existingUUID("sdz") == nil)
        let uuid = try await media.format("sdz")
        #expect(uuid.count == 36)
        #expect(try media.existingUUID("sdz") == uuid)
        // blkid, an independent reader, agrees.
        let blkid = await SystemCommand.run("blkid", ["-p", "-o", "value", "-s", "UUID", directory.path + "/dev/sdz"], timeout: .seconds(20))
        if blkid.output.contains("not installed") == false { #expect(blkid.output.trimmed == uuid) }
        let label = await SystemCommand.run("dumpe2fs", ["-h", directory.path + "/dev/sdz"], timeout: .seconds(20))
        #expect(label.output.contains("Filesystem volume name:   rill-media"))
    }

    @Test("the mount finds the disk by UUID (needs root and a loop device; skipped otherwise)")
    func mount() async throws {
        guard getuid() == 0, access("/dev/loop-control", F_OK) == 0 else {
            print("skipped: needs root and /dev/loop-control")
            return
        }
        let directory = try TemporaryDirectory()
        let media = try Self.fakeMachine(directory)
        let uuid = try await media.format("sdz")
        let point = try await media.mount(uuid: uuid)
        defer { _ = umount2(point, 0) }
        let mounts = String(decoding: try TemporaryDirectory.readFile("/proc/mounts"), as: UTF8.self)
        #expect(mounts.contains(" \(point) ext4 "))
        #expect(mkdir(point + "/downloads", 0o755) == 0)
        await #expect(throws: StorageSetupError.self) { _ = try await media.mount(uuid: "00000000-0000-4000-8000-000000000000") }
    }

    @Test("the wizard asks for the name again before formatting")
    func confirmation() async throws {
        let directory = try TemporaryDirectory()
        _ = try Self.fakeMachine(directory)
        try await AuthServer.with(directory) { server in
            let wrong = await server.request("POST", "/api/v1/setup/storage", body: #"{"target":"device","device":"sdz","format":true,"confirm":"sda"}"#)
            #expect(wrong?.status == 400 && wrong?.body.contains("repeat its name") == true)
            let unformatted = await server.request("POST", "/api/v1/setup/storage", body: #"{"target":"device","device":"sdz"}"#)
            #expect(unformatted?.status == 400 && unformatted?.body.contains("no ext4") == true)
            let system = await server.request("POST", "/api/v1/setup/storage", body: #"{"target":"device","device":"mmcblk0","format":true,"confirm":"mmcblk0"}"#)
            #expect(system?.status == 400 && system?.body.contains("system") == true)
            let choices = await server.request("GET", "/api/v1/setup/storage")
            #expect(choices?.body.contains(#""name":"sdz""#) == true)
        }
        #expect(MediaDisk.ext4UUID(at: directory.path + "/dev/sdz") == nil, "nothing was formatted")
    }
}
