import TestSupport
import Testing

@testable import Device

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite struct SlotStoreTests {
    let directory: TemporaryDirectory
    let store: SlotStore
    let v1 = OTAFixtures.version("0.1.0")
    let v2 = OTAFixtures.version("0.2.0")

    init() throws {
        directory = try TemporaryDirectory()
        store = SlotStore(directory: directory.path)
    }

    /// A store holding a staged update of 0.2.0 into slot B.
    func stageB(tries: Int = 2) throws {
        try store.adoptRunningSystem(booted: .a, version: v1)
        try store.beginInstall(version: v2, into: .b, booted: .a)
        try store.stage(VerifiedSlot(slot: .b, version: v2, images: []), tries: tries)
    }

    @Test func missingStateBootsSlotAUntilTheRunningSystemIsAdopted() throws {
        let empty = store.load()
        #expect(empty.source == .fallback && empty.state == .fallback && empty.problems.isEmpty)
        #expect(store.bootSelection() == BootDecision(slot: .a, reason: .lastGood))
        #expect(!TestFile.exists(store.primaryPath))  // nothing to record: no write
        #expect(try store.adoptRunningSystem(booted: .b, version: v1))
        #expect(try !store.adoptRunningSystem(booted: .a, version: v2))
        let loaded = store.load()
        #expect(loaded.source == .primary)
        #expect(loaded.state.lastGood == .b && loaded.state.versions == [.b: v1] && loaded.state.generation == 1)
        #expect(try TestFile.read(store.primaryPath) == TestFile.read(store.backupPath))
    }

    @Test func stateFileIsCanonicalTextWithAChecksum() throws {
        try stageB(tries: 3)
        let text = String(decoding: try TestFile.read(store.primaryPath), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(7)) == [
            "rill-slots 1", "generation 3", "last-good a", "trial b 0.2.0 3", "version a 0.1.0", "version b 0.2.0",
            "result staged 0.2.0 b",
        ])
        #expect(lines[7].hasPrefix("sha256 ") && lines[7].count == 71)
        #expect(try SlotStateFile.decode(Array(text.utf8), path: "x") == store.load().state)
    }

    @Test func aCorruptCopyFallsBackToTheOtherOne() throws {
        try stageB()
        var bytes = try TestFile.read(store.primaryPath)
        bytes[30] ^= 0x04
        try TestFile.write(store.primaryPath, bytes)
        let loaded = store.load()
        #expect(loaded.source == .backup)
        #expect(loaded.state.trial?.slot == .b)
        #expect(loaded.problems.count == 1 && loaded.problems[0].contains("checksum"))
        #expect(loaded.problems[0].hasPrefix(store.primaryPath))
        // The next save repairs both copies.
        #expect(store.bootSelection().slot == .b)
        #expect(store.load().source == .primary && store.load().problems.isEmpty)
    }

    @Test func tornOrEmptyOrHugeCopiesAreNotBelieved() throws {
        try stageB()
        let good = try TestFile.read(store.primaryPath)
        for bad in [Array(good.prefix(good.count / 2)), [], Array(good.dropLast()), good + good, [UInt8](repeating: 0x41, count: 5000)] {
            try TestFile.write(store.primaryPath, bad)
            #expect(store.load().source == .backup)
        }
        try TestFile.write(store.backupPath, [])
        let loaded = store.load()
        #expect(loaded.source == .fallback && loaded.problems.count == 2)
        #expect(store.bootSelection() == BootDecision(slot: .a, reason: .lastGood))
    }

    @Test func theNewerGenerationWins() throws {
        try stageB()
        let older = try TestFile.read(store.primaryPath)
        _ = store.bootSelection()  // generation + 1
        try TestFile.write(store.backupPath, older)
        #expect(store.load().source == .primary)
        #expect(store.load().state.trial?.triesLeft == 1)
        try TestFile.write(store.primaryPath, older)
        _ = store.bootSelection()
        try TestFile.write(store.backupPath, try TestFile.read(store.primaryPath))
        try TestFile.write(store.primaryPath, older)
        #expect(store.load().source == .backup)
    }

    @Test func aCheckedButInconsistentStateIsRejected() throws {
        // Well formed, checksum right, but the trial is the last good slot: HAOS-style nonsense is not believed.
        let nonsense = SlotState(generation: 9, lastGood: .a, trial: .init(slot: .a, version: v2, triesLeft: 0), versions: [.a: v2], lastResult: nil)
        try TestFile.write(store.primaryPath, SlotStateFile.encode(nonsense))
        let loaded = store.load()
        #expect(loaded.source == .fallback)
        #expect(loaded.problems.first?.contains("inconsistent") == true)
    }

    @Test func aTryThatCannotBeRecordedIsNotUsed() throws {
        try stageB()
        // Make the temp file name a folder, so every save fails (even as root).
        #expect(mkdir(store.primaryPath + ".tmp", 0o755) == 0)
        defer { rmdir(store.primaryPath + ".tmp") }
        #expect(store.bootSelection() == BootDecision(slot: .a, reason: .trialNotRecorded))
        #expect(store.load().state.trial?.triesLeft == 2)
        #expect(throws: SlotStateError.self) { try store.markBad(booted: .b) }
    }

    @Test func operationsThatChangeNothingDoNotWrite() throws {
        try store.adoptRunningSystem(booted: .a, version: v1)
        let generation = store.load().state.generation
        #expect(try !store.markGood(booted: .a))
        _ = store.bootSelection()
        #expect(store.load().state.generation == generation)
    }
}
