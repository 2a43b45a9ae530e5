import TestSupport
import Testing

@testable import Device

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The Raspberry Pi firmware's tryboot: autoboot.txt byte for byte and rewritten in place (as a file, and inside a
/// real FAT image that is never mounted), the boot facts from a device-tree folder laid out as
/// `/proc/device-tree/chosen/bootloader` or from the QEMU board's command line, and whole update cycles.
@Suite(.serialized) struct TrybootTests {
    /// A state folder, autoboot.txt, and the boot facts' files (device-tree cells, command line, boot.env).
    struct Lab {
        let directory: TemporaryDirectory
        var autoboot: String { directory.path + "/autoboot.txt" }
        let store: SlotStore
        let adapter: TrybootBootloader

        init(firmware: Bool = true) throws {
            directory = try TemporaryDirectory()
            store = SlotStore(directory: directory.path)
            adapter = TrybootBootloader(
                autobootPath: directory.path + "/autoboot.txt", partitions: [.a: 2, .b: 3],
                facts: BootFacts.Sources(
                    commandLine: directory.path + "/cmdline", bootEnvironment: directory.path + "/boot.env",
                    firmwareDirectory: firmware ? directory.path : directory.path + "/missing"
                )
            )
            try store.adoptRunningSystem(booted: .a, version: OTAFixtures.version("0.1.0"))
        }

        /// Writes the firmware's facts as device-tree cells.
        func boot(tryboot: Bool, partition: Int) throws {
            try directory.write("tryboot", [0, 0, 0, tryboot ? 1 : 0])
            try directory.write("partition", [0, 0, 0, UInt8(partition)])
        }

        /// Stages `version` into slot B as a finished install would.
        func stage(_ version: String) throws {
            let images = [("system.img", OTAFixtures.bytes(3000, seed: 1))]
            let key = BundleSigningKey.generate()
            let path = try OTAFixtures.bundle(in: directory, name: "b\(version)", version: version, images: images, key: key)
            let writer = SlotWriter(slot: .b, targets: ["system.img": SlotTarget(path: directory.path + "/b-system")], store: store, booted: .a)
            var verifier = BundleVerifier(trustedKeys: [key.publicKey], policy: .integrityOnly, sink: writer)
            try verifier.consume(try TestFile.read(path))
            _ = try verifier.sink.stage(try verifier.finish(), tries: adapter.tries(requested: 3))
            try adapter.project(store.load().state)
        }

        func inode() -> UInt {
            var facts = stat()
            return stat(autoboot, &facts) == 0 ? UInt(facts.st_ino) : 0
        }
    }

    @Test func autobootTxtIsExactAndFixedLength() throws {
        let file = AutobootFile(bootPartition: 2, trybootPartition: 3)
        let expected = Array("[all]\ntryboot_a_b=1\nboot_partition=2\n[tryboot]\nboot_partition=3\n".utf8)
        #expect(file.bytes.count == 512)
        #expect(Array(file.bytes.prefix(expected.count)) == expected)
        #expect(file.bytes.dropFirst(expected.count).allSatisfy { $0 == UInt8(ascii: "\n") })
        #expect(AutobootFile(parsing: file.bytes) == file)
        // Someone else's file: comments, spaces, other settings, other sections.
        let foreign = "# made by hand\n[all]\ntryboot_a_b=1\n boot_partition = 5 # main\n[pi4]\narm_boost=1\n[tryboot]\nboot_partition=6\n"
        #expect(AutobootFile(parsing: Array(foreign.utf8)) == AutobootFile(bootPartition: 5, trybootPartition: 6))
        #expect(AutobootFile(parsing: Array("[all]\nboot_partition=2\n".utf8)) == nil)
        var random = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let garbage = (0..<Int(random.next() % 600)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = AutobootFile(parsing: garbage)
        }
    }

    @Test func projectionRewritesTheSameFileInPlace() throws {
        let lab = try Lab()
        try lab.adapter.project(lab.store.load().state)
        #expect(try TestFile.read(lab.autoboot) == AutobootFile(bootPartition: 2, trybootPartition: 2).bytes)
        let inode = lab.inode()
        try lab.stage("0.2.0")
        #expect(try TestFile.read(lab.autoboot) == AutobootFile(bootPartition: 2, trybootPartition: 3).bytes)
        #expect(lab.inode() == inode, "rewritten in place, not replaced")
        #expect(lab.store.load().state.trial?.triesLeft == 1, "the firmware gives one try")

        // A file of another length (made by the image build) is rewritten and cut to 512 bytes.
        try TestFile.write(lab.autoboot, Array("[all]\ntryboot_a_b=1\nboot_partition=2\n[tryboot]\nboot_partition=2\n".utf8) + [UInt8](repeating: 35, count: 900))
        try lab.adapter.project(lab.store.load().state)
        #expect(try TestFile.read(lab.autoboot) == AutobootFile(bootPartition: 2, trybootPartition: 3).bytes)
    }

    @Test func goodTrybootCommits() throws {
        let lab = try Lab()
        try lab.boot(tryboot: false, partition: 2)
        try lab.stage("0.2.0")
        let plan = try lab.adapter.prepareReboot(store: lab.store)
        #expect(plan == RebootPlan(slot: .b, argument: "0 tryboot"))
        #expect(lab.store.load().state.trial?.triesLeft == 0, "the one try is recorded before the reboot")

        // The firmware tries partition 3; rill starts there.
        try lab.boot(tryboot: true, partition: 3)
        #expect(try lab.adapter.reconcile(store: lab.store, booted: .b).isEmpty)
        #expect(lab.store.load().state.trial?.slot == .b)
        try lab.store.markGood(booted: .b)
        try lab.adapter.project(lab.store.load().state)
        #expect(try TestFile.read(lab.autoboot) == AutobootFile(bootPartition: 3, trybootPartition: 3).bytes)
        #expect(lab.store.load().state.lastResult?.outcome == .committed)
        #expect(lab.adapter.view()["boot_partition"] == "3")
    }

    @Test func aFailedTrybootRollsBack() throws {
        let lab = try Lab()
        try lab.boot(tryboot: false, partition: 2)
        try lab.stage("0.2.0")
        _ = try lab.adapter.prepareReboot(store: lab.store)
        // The trial hung; the watchdog reset the board; the firmware booted [all] again.
        try lab.boot(tryboot: false, partition: 2)
        let notes = try lab.adapter.reconcile(store: lab.store, booted: .a)
        #expect(notes.count == 1)
        let state = lab.store.load().state
        #expect(state.trial == nil)
        #expect(state.lastGood == .a)
        #expect(state.lastResult?.outcome == .rolledBack)
        #expect(try TestFile.read(lab.autoboot) == AutobootFile(bootPartition: 2, trybootPartition: 2).bytes)
    }

    @Test func aStagedSlotWaitsForTheTrybootReboot() throws {
        // Staged, then rebooted some other way (a power cut): the trial keeps its try for the real tryboot.
        let lab = try Lab()
        try lab.boot(tryboot: false, partition: 2)
        try lab.stage("0.2.0")
        #expect(try lab.adapter.reconcile(store: lab.store, booted: .a).isEmpty)
        #expect(lab.store.load().state.trial?.triesLeft == 1)
        // Nothing on trial: a plain reboot into the last good slot.
        let lab2 = try Lab()
        #expect(try lab2.adapter.prepareReboot(store: lab2.store) == RebootPlan(slot: .a, argument: nil))
    }

    @Test func notAPiRefusesTryboot() throws {
        let lab = try Lab(firmware: false)
        try lab.stage("0.2.0")
        #expect(throws: BootloaderError.self) { try lab.adapter.prepareReboot(store: lab.store) }
        do {
            _ = try lab.adapter.prepareReboot(store: lab.store)
        } catch {
            #expect(error.description.contains("not started by the Raspberry Pi firmware"))
        }
        #expect(lab.store.load().state.trial?.triesLeft == 1, "no try used when no tryboot can happen")
    }

    @Test func bootFacts() throws {
        let directory = try TemporaryDirectory()
        let sources = BootFacts.Sources(
            commandLine: directory.path + "/cmdline", bootEnvironment: directory.path + "/boot.env", firmwareDirectory: directory.path
        )
        let partitions: [Slot: Int] = [.a: 2, .b: 3]
        #expect(BootFacts.read(sources) == BootFacts())
        #expect(throws: BootloaderError.self) { try BootFacts.bootedSlot(sources, partitions: partitions) }
        // The Pi firmware: device-tree cells.
        try directory.write("partition", [0, 0, 0, 3])
        try directory.write("tryboot", [0, 0, 0, 1])
        #expect(BootFacts.read(sources) == BootFacts(bootPartition: 3, tryboot: true))
        #expect(try BootFacts.bootedSlot(sources, partitions: partitions) == .b)
        // The initramfs's boot.env wins over the firmware, the command line over both.
        try directory.write("boot.env", Array("RILL_SLOT=a\nRILL_BOOT_PARTITION=2\nRILL_TRYBOOT=0\nRILL_DISK=/dev/vda\n".utf8))
        #expect(BootFacts.read(sources) == BootFacts(slot: .a, bootPartition: 2, tryboot: false))
        try directory.write("cmdline", Array("console=ttyS0 rill.bootpart=3 rill.tryboot=1 rill.slot=b quiet\n".utf8))
        #expect(BootFacts.read(sources) == BootFacts(slot: .b, bootPartition: 3, tryboot: true))
        // Garbage is no fact.
        try directory.write("cmdline", Array("rill.slot=c rill.bootpart=x rill.tryboot=7".utf8))
        try directory.write("boot.env", Array("RILL_SLOT=\nRILL_BOOT_PARTITION=".utf8))
        try directory.write("partition", [0, 0, 3])
        try directory.write("tryboot", [])
        #expect(BootFacts.read(sources) == BootFacts())
        #expect(BootFacts(bootPartition: 7).bootedSlot(partitions: partitions) == nil)
    }

    @Test func theQEMUBoardsCommandLineStandsInForTheFirmware() throws {
        let lab = try Lab(firmware: false)
        try lab.directory.write("cmdline", Array("console=ttyS0 rill.bootpart=2 rill.tryboot=0\n".utf8))
        try lab.stage("0.2.0")
        #expect(try lab.adapter.prepareReboot(store: lab.store) == RebootPlan(slot: .b, argument: "0 tryboot"))
        try lab.directory.write("cmdline", Array("console=ttyS0 rill.bootpart=3 rill.tryboot=1\n".utf8))
        #expect(try lab.adapter.reconcile(store: lab.store, booted: .b).isEmpty)
        #expect(lab.adapter.view()["firmware_tryboot"] == "1")
    }

    /// autoboot.txt inside a FAT image made as the image build makes it (mkfs.vfat, mcopy), rewritten at its offset
    /// in the raw partition: mtools reads the new contents and fsck.fat finds the file system clean.
    @Test func rawPartitionOfARealFAT() throws {
        let directory = try TemporaryDirectory()
        let image = directory.path + "/bootsel.vfat"
        try SystemCommand.check(["mkfs.vfat", "-C", "--invariant", "-i", "52494c31", "-n", "RILL-BOOT", image, "16384"])
        let original = AutobootFile(bootPartition: 2, trybootPartition: 3).bytes
        try directory.write("autoboot.txt", original)
        try directory.write("README.txt", Array("Rill boot selection\n".utf8))
        for name in ["autoboot.txt", "README.txt"] {
            try SystemCommand.check(["env", "MTOOLS_SKIP_CHECK=1", "mcopy", "-i", image, directory.path + "/" + name, "::" + name])
        }
        let bytes = try TestFile.read(image)
        let offset = try #require(bytes.firstRange(of: original)?.lowerBound)
        #expect(offset % 512 == 0)
        let store = SlotStore(directory: directory.path)
        try store.adoptRunningSystem(booted: .a, version: OTAFixtures.version("0.1.0"))
        let adapter = TrybootBootloader(autobootPath: image, autobootOffset: offset, partitions: [.a: 2, .b: 3])
        try store.markGood(booted: .a)
        try adapter.project(store.load().state)
        let fat = try SystemCommand.check(["env", "MTOOLS_SKIP_CHECK=1", "mtype", "-i", image, "::autoboot.txt"])
        #expect(Array(fat.utf8) == AutobootFile(bootPartition: 2, trybootPartition: 2).bytes)
        #expect(try SystemCommand.run(["fsck.fat", "-n", image]).status == 0)
        let after = try TestFile.read(image)
        #expect(Array(after[..<offset]) == Array(bytes[..<offset]) && Array(after[(offset + 512)...]) == Array(bytes[(offset + 512)...]),
                "only autoboot.txt's 512 bytes changed")

        // A wrong offset is refused without writing.
        let wrong = TrybootBootloader(autobootPath: image, autobootOffset: offset + 512, partitions: [.a: 2, .b: 3])
        #expect(throws: BootloaderError.self) { try wrong.project(store.load().state) }
        #expect(try TestFile.read(image) == after)
    }
}
