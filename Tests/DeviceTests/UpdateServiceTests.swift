import Device
import NIOCore
import TestSupport
import Testing

/// The update service on files: URL downloads (resumed after dropped connections, from servers with and without
/// ranges), refusals that leave both slots as they were, one update at a time, shutdown in the middle.
@Suite(.serialized) struct UpdateServiceTests {
    /// Waits for the background install to end and returns the progress.
    static func finished(_ service: UpdateService) async -> UpdateProgress {
        await service.waitForInstall()
        return service.currentProgress
    }

    @Test func downloadInstallsAndStages() async throws {
        let lab = try UpdateLab()
        try lab.install(.a, seed: 50)
        let path = try lab.bundle("good.rillbundle", systemBytes: 900_000)
        let server = try await RangeFileServer(directory: lab.directory.path, logDirectory: lab.directory.path)
        let service = lab.service()
        let before = lab.slotContents(.a)

        try service.installFromURL(server.url("good.rillbundle") + "?token=secret")
        let progress = await Self.finished(service)
        #expect(progress.phase == .staged, "\(String(describing: progress.error))")
        #expect(progress.url == server.url("good.rillbundle"), "the query (a token) is not kept")
        #expect(progress.bytes == (try TestFile.read(path)).count)
        let state = service.status().state
        #expect(state.trial?.slot == .b && state.trial?.version == OTAFixtures.version("0.2.0"))
        #expect(lab.slotContents(.b)["system.img"] == .some(lab.images(systemBytes: 900_000, seed: 1)[0].1))
        #expect(lab.slotContents(.a) == before, "the running slot is never written")
        #expect(server.requests.count == 1)
        await service.shutdown()
        await server.stop()
    }

    @Test func droppedConnectionsResumeWithRanges() async throws {
        let lab = try UpdateLab()
        _ = try lab.bundle("good.rillbundle", systemBytes: 2_000_000)
        // The first three responses stop after 300 kB each.
        let server = try await RangeFileServer(
            directory: lab.directory.path, logDirectory: lab.directory.path, arguments: ["--drop-after", "300000", "--drops", "3"]
        )
        let service = lab.service()
        try service.installFromURL(server.url("good.rillbundle"))
        let progress = await Self.finished(service)
        #expect(progress.phase == .staged, "\(String(describing: progress.error))")
        #expect(progress.attempts == 4)
        let requests = server.requests
        #expect(requests.count == 4)
        #expect(requests.first?.hasSuffix("range=none") == true)
        #expect(requests.dropFirst().allSatisfy { $0.contains("range=bytes=") }, "\(requests)")
        #expect(requests.last?.hasSuffix("range=bytes=900000-") == true, "\(requests)")
        await service.shutdown()
        await server.stop()
    }

    @Test func aServerWithoutRangesIsReadAgainFromTheStart() async throws {
        let lab = try UpdateLab()
        _ = try lab.bundle("good.rillbundle", systemBytes: 1_000_000)
        let server = try await RangeFileServer(
            directory: lab.directory.path, logDirectory: lab.directory.path, arguments: ["--drop-after", "400000", "--no-ranges"]
        )
        let service = lab.service()
        try service.installFromURL(server.url("good.rillbundle"))
        let progress = await Self.finished(service)
        #expect(progress.phase == .staged, "\(String(describing: progress.error))")
        #expect(server.requests.count >= 2)
        #expect(service.status().state.trial?.slot == .b)
        await service.shutdown()
        await server.stop()
    }

    @Test func refusalsLeaveBothSlotsAsTheyWere() async throws {
        let lab = try UpdateLab()
        try lab.install(.a, seed: 50)
        try lab.install(.b, seed: 60)
        let good = try lab.bundle("good.rillbundle")
        let bytes = try TestFile.read(good)
        // Truncated: the server's Content-Length says it before a slot byte is written.
        try TestFile.write(lab.directory.path + "/truncated.rillbundle", Array(bytes.prefix(bytes.count - 1000)))
        _ = try lab.bundle("other-board.rillbundle", board: "pi-zero-2w")
        _ = try lab.bundle("older.rillbundle", version: "0.0.9", minimum: "0.0.1")
        _ = try lab.bundle("stranger.rillbundle", key: BundleSigningKey.generate())
        var tampered = bytes
        tampered[200] ^= 0x01  // inside the manifest: the signature no longer holds
        try TestFile.write(lab.directory.path + "/tampered.rillbundle", tampered)

        let server = try await RangeFileServer(directory: lab.directory.path, logDirectory: lab.directory.path)
        let service = lab.service()
        let slotsBefore = [lab.slotContents(.a), lab.slotContents(.b)]
        let stateBefore = service.status().state
        let cases: [(String, (BundleError) -> Bool)] = [
            ("truncated.rillbundle", { if case .truncated = $0 { true } else { false } }),
            ("other-board.rillbundle", { if case .wrongBoard = $0 { true } else { false } }),
            ("older.rillbundle", { if case .downgrade = $0 { true } else { false } }),
            ("stranger.rillbundle", { if case .badSignature = $0 { true } else { false } }),
            ("tampered.rillbundle", { if case .badSignature = $0 { true } else { false } }),
        ]
        for (name, matches) in cases {
            try service.installFromURL(server.url(name))
            let progress = await Self.finished(service)
            guard case .bundle(let refusal) = progress.error else {
                Issue.record("\(name): \(progress.phase) \(String(describing: progress.error))")
                continue
            }
            #expect(matches(refusal), "\(name): \(refusal)")
            #expect([lab.slotContents(.a), lab.slotContents(.b)] == slotsBefore, "\(name) touched a slot")
            let state = service.status().state
            #expect(state.lastGood == stateBefore.lastGood && state.trial == stateBefore.trial && state.versions == stateBefore.versions, "\(name)")
        }
        try service.installFromURL(server.url("missing.rillbundle"))
        #expect(await Self.finished(service).error == .download("HTTP 404 from \(server.url("missing.rillbundle"))"))
        #expect(throws: UpdateError.self) { try service.installFromURL("ftp://example.org/x") }
        #expect(throws: UpdateError.self) { try service.installFromURL("http://exa mple.org/x") }
        await service.shutdown()
        await server.stop()
    }

    @Test func aTamperedImageIsRefusedAndNeverStaged() async throws {
        let lab = try UpdateLab()
        try lab.install(.a, seed: 50)
        var bytes = try TestFile.read(try lab.bundle("good.rillbundle"))
        bytes[bytes.count - 10] ^= 0x80  // in the last image: found when its hash is done
        try TestFile.write(lab.directory.path + "/tampered.rillbundle", bytes)
        let server = try await RangeFileServer(directory: lab.directory.path, logDirectory: lab.directory.path)
        let service = lab.service()
        let before = lab.slotContents(.a)
        try service.installFromURL(server.url("tampered.rillbundle"))
        let progress = await Self.finished(service)
        guard case .bundle(.digestMismatch(let image, _, _, _)) = progress.error else {
            Issue.record("\(String(describing: progress.error))")
            return
        }
        #expect(image == "boot.img")
        let state = service.status().state
        #expect(state.trial == nil && state.lastGood == .a)
        #expect(state.lastResult?.outcome == .installFailed)
        #expect(lab.slotContents(.a) == before)
        await service.shutdown()
        await server.stop()
    }

    @Test func oneUpdateAtATimeAndShutdownStopsIt() async throws {
        let lab = try UpdateLab()
        _ = try lab.bundle("slow.rillbundle", systemBytes: 3_000_000)
        let server = try await RangeFileServer(directory: lab.directory.path, logDirectory: lab.directory.path, arguments: ["--rate", "500000"])
        let service = lab.service()
        try service.installFromURL(server.url("slow.rillbundle"))
        while service.currentProgress.bytes < 300_000 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(throws: UpdateError.busy(.downloading)) { try service.installFromURL(server.url("slow.rillbundle")) }
        await #expect(throws: UpdateError.self) {
            _ = try await service.installUpload(announcedLength: nil) { _ in }
        }
        let started = ContinuousClock.now
        await service.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5))
        let progress = service.currentProgress
        #expect(progress.phase == .failed)
        #expect(progress.error == .interrupted("the daemon is shutting down"))
        #expect(lab.store.load().state.lastResult?.outcome == .installFailed)
        #expect(lab.store.load().state.trial == nil)
        await server.stop()
    }

    @Test func uploadInOddChunks() async throws {
        let lab = try UpdateLab()
        let bytes = try TestFile.read(try lab.bundle("good.rillbundle", systemBytes: 500_000))
        let service = lab.service()
        let outcome = try await service.installUpload(announcedLength: bytes.count) { feed in
            var offset = 0
            var random = SplitMix64(seed: 9)
            while offset < bytes.count {
                var batch: [ByteBuffer] = []
                for _ in 0..<Int(random.next() % 4) + 1 where offset < bytes.count {
                    let size = min(bytes.count - offset, Int(random.next() % 70_000) + 1)
                    batch.append(ByteBuffer(bytes: bytes[offset..<offset + size]))
                    offset += size
                }
                try await feed(batch)
            }
        }
        #expect(outcome.version == OTAFixtures.version("0.2.0") && outcome.slot == .b && outcome.tries == 3)
        #expect(outcome.bytes == bytes.count)
        await service.shutdown()
    }

    @Test func anInterruptedInstallIsRecordedAtStartUp() async throws {
        let lab = try UpdateLab()
        let bytes = try TestFile.read(try lab.bundle("good.rillbundle", systemBytes: 500_000))
        let service = lab.service()
        struct ClientGone: Error {}
        await #expect(throws: ClientGone.self) {
            _ = try await service.installUpload(announcedLength: nil) { feed in
                try await feed([ByteBuffer(bytes: bytes.prefix(200_000))])
                throw ClientGone()
            }
        }
        #expect(lab.store.load().state.lastResult?.outcome == .installFailed)
        await service.shutdown()

        // A crash in the middle leaves "installing"; the next start records it as failed.
        try lab.store.beginInstall(version: OTAFixtures.version("0.3.0"), into: .b, booted: .a)
        let restarted = lab.service()
        let state = restarted.status().state
        #expect(state.lastResult == UpdateResult(.installFailed, version: OTAFixtures.version("0.3.0"), slot: .b))
        await restarted.shutdown()
    }

    @Test func aBootloaderThatCannotBeToldLeavesNothingOnTrial() async throws {
        let lab = try UpdateLab()
        let bytes = try TestFile.read(try lab.bundle("good.rillbundle", systemBytes: 400_000))
        // autoboot.txt inside a "partition" file at offset 4096, as on the image.
        let partition = lab.directory.path + "/bootsel.img"
        var image = [UInt8](repeating: 0xE5, count: 16_384)
        image.replaceSubrange(4096..<4608, with: AutobootFile(bootPartition: 2, trybootPartition: 3).bytes)
        try TestFile.write(partition, image)
        let adapter = TrybootBootloader(autobootPath: partition, autobootOffset: 4096, partitions: [.a: 2, .b: 3])
        let service = lab.service(bootloader: adapter)
        #expect(try TestFile.read(partition)[4096..<4608].elementsEqual(AutobootFile(bootPartition: 2, trybootPartition: 2).bytes))
        await #expect(throws: UpdateError.self) {
            _ = try await service.installUpload(announcedLength: bytes.count) { feed in
                try await feed([ByteBuffer(bytes: bytes.prefix(200_000))])
                // The boot-select partition changes under rill (say, someone reformatted it).
                try TestFile.write(partition, [UInt8](repeating: 0xE5, count: 16_384))
                try await feed([ByteBuffer(bytes: bytes.dropFirst(200_000))])
            }
        }
        guard case .bootloader = service.currentProgress.error else {
            Issue.record("\(String(describing: service.currentProgress.error))")
            return
        }
        let state = lab.store.load().state
        #expect(state.trial == nil)
        #expect(state.lastResult?.outcome == .installFailed)
        #expect(try TestFile.read(partition) == [UInt8](repeating: 0xE5, count: 16_384), "nothing written over what is not an autoboot.txt")
        await service.shutdown()
    }

    @Test func unavailableWithoutKeysOrSlots() async throws {
        let lab = try UpdateLab()
        lab.settings.trustedKeys = []
        let service = lab.service()
        #expect(service.status().unavailableReason?.contains("no trusted update key") == true)
        #expect(throws: UpdateError.self) { try service.installFromURL("http://127.0.0.1:1/x") }
        await service.shutdown()
        let unknown = UpdateService(
            settings: lab.settings, booted: .failure(.bootedSlotUnknown("/proc/cmdline has no rill.slot")), bootloader: StateFileBootloader(),
            reboot: nil, logger: UpdateLab.quietLogger
        )
        unknown.start()
        #expect(unknown.status().unavailableReason?.contains("rill.slot") == true)
        await #expect(throws: UpdateError.self) { try await unknown.reboot() }
        await unknown.shutdown()
    }
}

/// `[update] slot_images` and `public_keys` as the configuration gives them.
@Suite struct UpdateSettingsTests {
    @Test func slotImages() throws {
        let template = try UpdateSettings.parseSlotImages(["system.squashfs=/data/slots/system_{slot}.img"])
        #expect(template == ["system.squashfs": [.a: "/data/slots/system_a.img", .b: "/data/slots/system_b.img"]])
        let perSlot = try UpdateSettings.parseSlotImages([
            "boot.vfat@a=/dev/vda2", "boot.vfat@b=/dev/vda3", "system.squashfs@b=/dev/vda6", "system.squashfs@a=/dev/vda5",
        ])
        #expect(perSlot == ["boot.vfat": [.a: "/dev/vda2", .b: "/dev/vda3"], "system.squashfs": [.a: "/dev/vda5", .b: "/dev/vda6"]])
        for bad in [
            ["system.squashfs=/dev/vda5"], ["boot.vfat@a=/dev/vda2"], ["boot.vfat@c=/x", "boot.vfat@a=/y"], ["=/x/{slot}"],
            ["x@a=/same", "x@b=/same"], ["x={slot}", "x@a=/y"], ["x@a="], ["novalue"],
        ] {
            #expect(throws: UpdateSettingsError.self, "\(bad)") { try UpdateSettings.parseSlotImages(bad) }
        }
    }

    @Test func keys() throws {
        let key = BundleSigningKey.generate().publicKey
        #expect(try UpdateSettings.parseKeys([key.hex]) == [key])
        for bad in ["", String(key.hex.dropLast()), key.hex.uppercased(), key.hex + "00", String(repeating: "z", count: 64)] {
            #expect(throws: UpdateSettingsError.self, "\(bad)") { try UpdateSettings.parseKeys([bad]) }
        }
    }
}
