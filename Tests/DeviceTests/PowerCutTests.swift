import Synchronization
import TestSupport
import Testing

@testable import Device

/// Power cuts at every file step of every slot operation, in whole update scenarios on real files.
///
/// A scenario runs once to count its power-cut points (every create, half-write, write, fsync, rename and folder
/// fsync of both state copies; every open, chunk write, fsync and read-back of the slot targets). Then, for each point
/// in turn, a fresh device runs the scenario and loses power right there. The device then boots again, and again,
/// with nobody marking anything good, and each time the test checks: the state loads (no fallback), the last good
/// slot's files are intact and are the version the state says, every boot picks a slot whose files are a complete
/// verified version, and the boots settle on the last good slot within `maxTries + 1` (no endless loop).
///
/// Two cut effects beyond "the process stopped" are modelled too: a rename not yet made durable by the folder fsync
/// is undone (the old file comes back), and slot bytes not yet fsynced are lost (the target holds garbage).
@Suite(.serialized) struct PowerCutTests {
    /// The images of each version, and its signed bundle.
    final class Release: Sendable {
        let version: BundleVersion
        let images: [String: [UInt8]]
        let bundle: [UInt8]

        init(_ version: String, seed: UInt64, key: BundleSigningKey, directory: TemporaryDirectory) throws {
            self.version = OTAFixtures.version(version)
            let system = OTAFixtures.bytes(9_000, seed: seed)
            let boot = OTAFixtures.bytes(2_500, seed: seed + 1)
            images = ["system.img": system, "boot.img": boot]
            bundle = try TestFile.read(try OTAFixtures.bundle(
                in: directory, name: "v\(version)", version: version, board: "qemu-x86_64", minimum: "0.1.0",
                images: [("system.img", system), ("boot.img", boot)], key: key
            ))
        }
    }

    /// Counts power-cut points; cuts the power at one of them; remembers what a non-durable rename replaced.
    final class PowerSwitch: Sendable {
        struct State {
            var steps: [String] = []
            var cutAt: Int?
            var dead = false
            var replaced: [String: [UInt8]?] = [:]
        }

        let state: Mutex<State>

        init(cutAt: Int?) {
            state = Mutex(State(cutAt: cutAt))
        }

        var powerCut: PowerCut {
            PowerCut { step, path in self.proceed(step, path) }
        }

        private func proceed(_ step: String, _ path: String) -> Bool {
            state.withLock { state in
                if state.dead { return false }
                if step == "fsync", path.hasSuffix(".tmp") {
                    // About to be renamed over: remember the old file, to undo a rename the folder fsync did not keep.
                    let target = String(path.dropLast(4))
                    state.replaced[target] = TestFile.exists(target) ? try? TestFile.read(target) : .some(nil)
                }
                state.steps.append("\(step) \(path.split(separator: "/").last ?? "")")
                if state.cutAt == state.steps.count - 1 {
                    state.dead = true
                    return false
                }
                return true
            }
        }

        var steps: [String] { state.withLock { $0.steps } }
        var dead: Bool { state.withLock { $0.dead } }
    }

    struct PowerLost: Error {}

    /// One simulated device: slot targets and the state folder, all real files.
    struct Appliance {
        let directory: TemporaryDirectory
        let releases: [Release]
        let key: BundlePublicKey
        let power: PowerSwitch
        var store: SlotStore

        init(releases: [Release], key: BundlePublicKey, cutAt: Int?) throws {
            directory = try TemporaryDirectory()
            self.releases = releases
            self.key = key
            power = PowerSwitch(cutAt: cutAt)
            store = SlotStore(directory: directory.path)
            // The factory image: 0.1.0 in slot A, adopted on first boot.
            for (name, bytes) in releases[0].images { try TestFile.write(path(.a, name), bytes) }
            try store.adoptRunningSystem(booted: .a, version: releases[0].version)
            store.powerCut = power.powerCut
        }

        func path(_ slot: Slot, _ image: String) -> String { "\(directory.path)/slot-\(slot)-\(image)" }

        func alive() throws {
            if power.dead { throw PowerLost() }
        }

        /// Streams release `index` into the inactive slot and stages it (2 tries).
        func install(_ index: Int, booted: Slot) throws {
            let slot = store.load().state.installSlot
            var writer = SlotWriter(
                slot: slot, targets: ["system.img": SlotTarget(path: path(slot, "system.img")), "boot.img": SlotTarget(path: path(slot, "boot.img"))],
                store: store, booted: booted
            )
            writer.powerCut = power.powerCut
            var verifier = BundleVerifier(
                trustedKeys: [key], policy: BundlePolicy(board: "qemu-x86_64", runningVersion: releases[0].version), sink: writer
            )
            do {
                try OTAFixtures.feed(releases[index].bundle, to: &verifier, chunkSizes: [3_000])
                let verified = try verifier.finish()
                _ = try verifier.sink.stage(verified, tries: 2)
            } catch {
                try alive()
                throw error
            }
            try alive()
        }

        func boot() throws -> Slot {
            let slot = store.bootSelection().slot
            try alive()
            return slot
        }

        func markGood(_ slot: Slot) throws {
            do { try store.markGood(booted: slot) } catch { try alive(); throw error }
            try alive()
        }

        func markBad(_ slot: Slot) throws {
            do { try store.markBad(booted: slot) } catch { try alive(); throw error }
            try alive()
        }

        /// The release whose images `slot` holds completely, if any.
        func contents(_ slot: Slot) -> BundleVersion? {
            releases.first { release in
                release.images.allSatisfy { name, bytes in (try? TestFile.read(path(slot, name))) == bytes }
            }?.version
        }
    }

    typealias Scenario = @Sendable (Appliance) throws -> Void

    static let scenarios: [(String, Scenario)] = [
        ("install, boot, commit", { device in
            try device.install(1, booted: .a)
            let slot = try device.boot()
            try device.markGood(slot)
            _ = try device.boot()
        }),
        ("install, tries run out", { device in
            try device.install(1, booted: .a)
            for _ in 0..<3 { _ = try device.boot() }
        }),
        ("install, health check fails", { device in
            try device.install(1, booted: .a)
            let slot = try device.boot()
            try device.markBad(slot)
            _ = try device.boot()
        }),
        ("install over a staged install", { device in
            try device.install(1, booted: .a)
            try device.install(2, booted: .a)
            let slot = try device.boot()
            try device.markGood(slot)
        }),
        ("commit, then update the other slot", { device in
            try device.install(1, booted: .a)
            let first = try device.boot()
            try device.markGood(first)
            try device.install(2, booted: first)
            let second = try device.boot()
            try device.markGood(second)
            _ = try device.boot()
        }),
    ]

    @Test func everyPowerCutPointLeavesABootableDevice() throws {
        let directory = try TemporaryDirectory()
        let signing = BundleSigningKey.generate()
        let releases = try [
            Release("0.1.0", seed: 100, key: signing, directory: directory),
            Release("0.2.0", seed: 200, key: signing, directory: directory),
            Release("0.3.0", seed: 300, key: signing, directory: directory),
        ]
        var pointsTested = 0
        var kinds = Set<String>()
        for (name, scenario) in Self.scenarios {
            // The uncut run: it must succeed, and it tells how many points there are.
            let clean = try Appliance(releases: releases, key: signing.publicKey, cutAt: nil)
            try scenario(clean)
            let steps = clean.power.steps
            #expect(steps.count > 40, "\(name): only \(steps.count) points")
            for cut in steps.indices {
                let step = steps[cut]
                kinds.insert(String(step.split(separator: " ")[0]))
                var effects = ["none"]
                if step.hasPrefix("rename ") { effects.append("rename lost") }
                if step.hasPrefix("slot-open ") || step.hasPrefix("slot-write ") { effects.append("slot bytes lost") }
                for effect in effects {
                    let device = try Appliance(releases: releases, key: signing.publicKey, cutAt: cut)
                    #expect(throws: PowerLost.self, "\(name): no cut at \(cut) (\(step))") { try scenario(device) }
                    try apply(effect, at: step, to: device)
                    check(device, "\(name), cut after #\(cut) \(step), \(effect)")
                    pointsTested += 1
                }
            }
        }
        print("PowerCutTests: \(pointsTested) power cuts over \(Self.scenarios.count) scenarios; step kinds: \(kinds.sorted().joined(separator: ", "))")
        #expect(kinds.isSuperset(of: ["begin", "create", "write-half", "write", "fsync", "rename", "fsync-dir", "slot-open", "slot-write", "slot-fsync", "slot-readback"]))
    }

    /// What the cut did to data that was not durable yet.
    func apply(_ effect: String, at step: String, to device: Appliance) throws {
        switch effect {
        case "rename lost":
            let name = String(step.dropFirst("rename ".count))
            let path = device.directory.path + "/" + name
            let old = device.power.state.withLock { $0.replaced[path] }
            guard let old else {
                Issue.record("no snapshot of \(name)")
                return
            }
            try TestFile.write(path + ".tmp", try TestFile.read(path))
            if let old { try TestFile.write(path, old) } else { unlinkFile(path) }
        case "slot bytes lost":
            let name = String(step.split(separator: " ")[1])
            try TestFile.write(device.directory.path + "/" + name, OTAFixtures.bytes(5_000, seed: 0xBAD))
        default:
            break
        }
    }

    /// Power back on: boot until no trial is left, checking the invariants at every boot.
    func check(_ device: Appliance, _ where: String) {
        var store = device.store
        store.powerCut = .never
        let loaded = store.load()
        #expect(loaded.source != .fallback, "\(`where`): state lost \(loaded.problems)")
        let lastGood = loaded.state.lastGood
        #expect(loaded.state.versions[lastGood] != nil, "\(`where`): last good slot has no version")
        #expect(device.contents(lastGood) == loaded.state.versions[lastGood], "\(`where`): last good slot \(lastGood) damaged")
        for boot in 0...SlotState.maxTries + 1 {
            let before = store.load().state
            let decision = store.bootSelection()
            let expected = decision.slot == before.lastGood ? before.versions[before.lastGood] : before.trial?.version
            #expect(expected != nil && device.contents(decision.slot) == expected, "\(`where`), boot \(boot): \(decision) is not bootable")
            #expect(store.load().state.lastGood == lastGood, "\(`where`): booting changed the last good slot")
            if store.load().state.trial == nil {
                #expect(store.bootSelection() == BootDecision(slot: lastGood, reason: .lastGood))
                return
            }
        }
        Issue.record("\(`where`): still on trial after \(SlotState.maxTries + 2) boots")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

private func unlinkFile(_ path: String) {
    _ = unlink(path)
}
