import TestSupport
import Testing

@testable import Device

/// The U-Boot adapter through whole update cycles. U-Boot's own part — incrementing `bootcount` while
/// `upgrade_available=1`, and `altbootcmd` clearing `upgrade_available` once `bootcount > bootlimit` — is played by
/// the real `fw_setenv` on the same environment, as the boot script does it with `setenv`/`saveenv`.
@Suite(.serialized) struct UBootBootloaderTests {
    struct Lab {
        let env: UBootEnvironmentTests.Lab
        let store: SlotStore
        let adapter: UBootBootloader

        init() throws {
            env = try UBootEnvironmentTests.Lab()
            try UBootEnvironment.write(UBootEnvironmentTests.initial, after: nil, to: env.config)
            store = SlotStore(directory: env.directory.path)
            adapter = UBootBootloader(config: env.config)
            try store.adoptRunningSystem(booted: .a, version: OTAFixtures.version("0.1.0"))
        }

        func stage(_ version: String, tries: Int) throws {
            let key = BundleSigningKey.generate()
            let path = try OTAFixtures.bundle(
                in: env.directory, name: "b\(version)", version: version, images: [("system.img", OTAFixtures.bytes(2000, seed: 2))], key: key
            )
            let writer = SlotWriter(slot: .b, targets: ["system.img": SlotTarget(path: env.directory.path + "/b-system")], store: store, booted: .a)
            var verifier = BundleVerifier(trustedKeys: [key.publicKey], policy: .integrityOnly, sink: writer)
            try verifier.consume(try TestFile.read(path))
            _ = try verifier.sink.stage(try verifier.finish(), tries: tries)
            try adapter.project(store.load().state)
        }

        /// One U-Boot boot: count it (while an upgrade is on), fall back once over the limit; returns the slot booted.
        func ubootBoots() throws -> Slot {
            let variables = try env.printenv()
            if variables["upgrade_available"] == "1" {
                let count = (Int(variables["bootcount"] ?? "0") ?? 0) + 1
                try env.setenv("bootcount", String(count))
                if count > Int(variables["bootlimit"] ?? "0") ?? 0 {
                    try env.setenv("upgrade_available", "0")
                    return Slot(rawValue: variables["rill_good"] ?? "a") ?? .a
                }
                return Slot(rawValue: variables["rill_trial"] ?? "a") ?? .a
            }
            return Slot(rawValue: variables["rill_good"] ?? "a") ?? .a
        }
    }

    @Test func projectionWritesTheVariablesUBootReads() throws {
        let lab = try Lab()
        try lab.adapter.project(lab.store.load().state)
        var printed = try lab.env.printenv()
        #expect(printed["rill_good"] == "a")
        #expect(printed["upgrade_available"] == "0")
        #expect(printed["rill_trial"] == nil)
        #expect(printed["bootcmd"] == UBootEnvironmentTests.initial[1].value, "the image's own variables stay")
        let before = try #require(try UBootEnvironment.read(lab.env.config))
        try lab.adapter.project(lab.store.load().state)
        #expect(try UBootEnvironment.read(lab.env.config) == before, "an unchanged projection writes nothing")

        try lab.stage("0.2.0", tries: 3)
        printed = try lab.env.printenv()
        #expect(printed["rill_trial"] == "b")
        #expect(printed["upgrade_available"] == "1")
        #expect(printed["bootlimit"] == "3")
        #expect(printed["bootcount"] == "0")
    }

    @Test func trialCommits() throws {
        let lab = try Lab()
        try lab.stage("0.2.0", tries: 3)
        #expect(try lab.ubootBoots() == .b)
        let notes = try lab.adapter.reconcile(store: lab.store, booted: .b)
        #expect(notes.count == 1)
        #expect(lab.store.load().state.trial?.triesLeft == 2)
        // A reconcile again (the daemon restarted) changes nothing and keeps U-Boot's count.
        #expect(try lab.adapter.reconcile(store: lab.store, booted: .b).isEmpty)
        #expect(try lab.env.printenv()["bootcount"] == "1")

        try lab.store.markGood(booted: .b)
        try lab.adapter.project(lab.store.load().state)
        let printed = try lab.env.printenv()
        #expect(printed["rill_good"] == "b")
        #expect(printed["rill_trial"] == nil)
        #expect(printed["upgrade_available"] == "0")
        #expect(try lab.ubootBoots() == .b)
    }

    @Test func ubootRollsBackAfterItsTries() throws {
        let lab = try Lab()
        try lab.stage("0.2.0", tries: 2)
        // The new system never comes up far enough to reconcile: two counted boots, then the fallback.
        #expect(try lab.ubootBoots() == .b)
        #expect(try lab.ubootBoots() == .b)
        #expect(try lab.ubootBoots() == .a)
        let notes = try lab.adapter.reconcile(store: lab.store, booted: .a)
        #expect(notes.first?.contains("gave up on slot B") == true)
        let state = lab.store.load().state
        #expect(state.trial == nil)
        #expect(state.lastResult?.outcome == .rolledBack)
        #expect(try lab.env.printenv()["rill_trial"] == nil)
        #expect(try lab.ubootBoots() == .a)
    }

    @Test func markBadReturnsToTheLastGoodSlot() throws {
        let lab = try Lab()
        try lab.stage("0.2.0", tries: 3)
        #expect(try lab.ubootBoots() == .b)
        _ = try lab.adapter.reconcile(store: lab.store, booted: .b)
        try lab.store.markBad(booted: .b)
        try lab.adapter.project(lab.store.load().state)
        #expect(try lab.ubootBoots() == .a)
        #expect(try lab.adapter.reconcile(store: lab.store, booted: .a).isEmpty)
        #expect(lab.store.load().state.lastResult?.outcome == .markedBad)
    }

    @Test func aLostProjectionIsRepairedAtStartUp() throws {
        let lab = try Lab()
        try lab.stage("0.2.0", tries: 3)
        // The power failed between saving the state and writing the environment: U-Boot never heard of the trial.
        try lab.env.setenv("rill_trial", "")
        try lab.env.setenv("upgrade_available", "0")
        #expect(try lab.ubootBoots() == .a)
        _ = try lab.adapter.reconcile(store: lab.store, booted: .a)
        #expect(lab.store.load().state.trial?.triesLeft == 3, "the trial was never tried")
        #expect(try lab.env.printenv()["rill_trial"] == "b")
        #expect(try lab.ubootBoots() == .b)
    }

    @Test func noEnvironmentIsNeverInvented() throws {
        let env = try UBootEnvironmentTests.Lab()
        let store = SlotStore(directory: env.directory.path)
        try store.adoptRunningSystem(booted: .a, version: OTAFixtures.version("0.1.0"))
        let adapter = UBootBootloader(config: env.config)
        #expect(throws: BootloaderError.self) { try adapter.project(store.load().state) }
        #expect(try UBootEnvironment.read(env.config) == nil)
    }
}
