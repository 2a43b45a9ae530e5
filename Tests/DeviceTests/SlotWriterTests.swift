import Device
import TestSupport
import Testing

@Suite struct SlotWriterTests {
    let directory: TemporaryDirectory
    let key = BundleSigningKey.generate()
    let store: SlotStore
    let system = OTAFixtures.bytes(150_000, seed: 11)
    let boot = OTAFixtures.bytes(20_000, seed: 12)
    let bundle: [UInt8]
    let policy = BundlePolicy(board: "pi4", runningVersion: OTAFixtures.version("0.1.0"))

    init() throws {
        directory = try TemporaryDirectory()
        store = SlotStore(directory: directory.path)
        try store.adoptRunningSystem(booted: .a, version: OTAFixtures.version("0.1.0"))
        bundle = try TestFile.read(
            try OTAFixtures.bundle(in: directory, images: [("system.squashfs", system), ("boot.vfat", boot)], key: key)
        )
    }

    func targets(_ slot: Slot, capacity: Int? = nil) -> [String: SlotTarget] {
        ["system.squashfs": SlotTarget(path: "\(directory.path)/\(slot)-system", capacity: capacity),
         "boot.vfat": SlotTarget(path: "\(directory.path)/\(slot)-boot", capacity: capacity)]
    }

    func verifier(_ writer: SlotWriter) -> BundleVerifier<SlotWriter> {
        BundleVerifier(trustedKeys: [key.publicKey], policy: policy, sink: writer)
    }

    @Test func writesReadsBackAndStagesTheInactiveSlot() throws {
        // A longer old image in the target file must not survive past the new image's end.
        try TestFile.write("\(directory.path)/B-system", OTAFixtures.bytes(400_000, seed: 99))
        var verifier = verifier(SlotWriter(slot: .b, targets: targets(.b), store: store, booted: .a, readBufferSize: 10_000))
        try OTAFixtures.feed(bundle, to: &verifier, chunkSizes: [8191])
        #expect(store.load().state.lastResult == UpdateResult(.installing, version: OTAFixtures.version("0.2.0"), slot: .b))
        let verified = try verifier.finish()
        let state = try verifier.sink.stage(verified, tries: 3)
        #expect(state.trial == SlotState.Trial(slot: .b, version: OTAFixtures.version("0.2.0"), triesLeft: 3))
        #expect(state.lastGood == .a)
        #expect(try TestFile.read("\(directory.path)/B-system") == system)
        #expect(try TestFile.read("\(directory.path)/B-boot") == boot)
        #expect(store.bootSelection() == BootDecision(slot: .b, reason: .trial(triesLeft: 2)))
    }

    @Test func aBadBundleLeavesTheSlotUnstagedAndSaysSo() throws {
        var tampered = bundle
        tampered[tampered.count - 100] ^= 1
        var verifier = verifier(SlotWriter(slot: .b, targets: targets(.b), store: store, booted: .a))
        #expect(throws: BundleError.self) {
            try OTAFixtures.feed(tampered, to: &verifier, chunkSizes: [4096])
            _ = try verifier.finish()
        }
        let state = store.load().state
        #expect(state.trial == nil && state.lastGood == .a)
        #expect(state.lastResult == UpdateResult(.installFailed, version: OTAFixtures.version("0.2.0"), slot: .b))
        #expect(store.bootSelection().slot == .a)
    }

    @Test func stagingNeedsTheWholeVerifiedBundle() throws {
        // A verifier that finished another bundle cannot stage this writer's slot.
        var other = BundleVerifier(trustedKeys: [key.publicKey], policy: policy, sink: DiscardingSink())
        try other.consume(bundle)
        let verified = try other.finish()
        let idle = SlotWriter(slot: .b, targets: targets(.b), store: store, booted: .a)
        #expect(throws: SlotStateError.slotNotVerified(.b)) { _ = try idle.stage(verified, tries: 1) }

        // Trailing bytes after the last image: every image read back fine, but the bundle as a whole was refused.
        var verifier = verifier(SlotWriter(slot: .b, targets: targets(.b), store: store, booted: .a))
        #expect(throws: BundleError.trailingBytes(offset: bundle.count)) { try verifier.consume(bundle + [0]) }
        #expect(throws: SlotStateError.slotNotVerified(.b)) { _ = try verifier.sink.stage(verified, tries: 1) }
        #expect(store.load().state.trial == nil)
    }

    @Test func theLastGoodSlotAndMismatchedTargetsAreRefusedBeforeAnyWrite() throws {
        var intoGood = verifier(SlotWriter(slot: .a, targets: targets(.a), store: store, booted: .a))
        #expect(throws: BundleError.sink(.slotState(.wouldOverwriteLastGood(.a)))) { try intoGood.consume(bundle) }
        #expect(!TestFile.exists("\(directory.path)/A-system"))

        var missing = targets(.b)
        missing["boot.vfat"] = nil
        var partial = verifier(SlotWriter(slot: .b, targets: missing, store: store, booted: .a))
        #expect(throws: BundleError.self) { try partial.consume(bundle) }
        #expect(!TestFile.exists("\(directory.path)/B-system"))

        var small = verifier(SlotWriter(slot: .b, targets: targets(.b, capacity: 100_000), store: store, booted: .a))
        #expect(throws: BundleError.sink(.refused("image system.squashfs is 150000 bytes, its target holds 100000"))) {
            try small.consume(bundle)
        }
        #expect(!TestFile.exists("\(directory.path)/B-system"))
        #expect(store.load().state.lastResult == nil)
    }

    @Test func anUnwritableTargetIsATypedFileError() throws {
        var targets = targets(.b)
        targets["system.squashfs"] = SlotTarget(path: directory.path + "/no-such-folder/system")
        var verifier = verifier(SlotWriter(slot: .b, targets: targets, store: store, booted: .a))
        do {
            try verifier.consume(bundle)
            Issue.record("wrote into a missing folder")
        } catch {
            guard case .sink(.file(let file)) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(file.operation == "open" && file.path.hasSuffix("no-such-folder/system"))
            #expect(error.description.contains("No such file or directory"))
        }
        #expect(store.load().state.lastResult?.outcome == .installFailed)
    }
}
