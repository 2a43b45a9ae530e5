import TestSupport
import Testing

@testable import Device

@Suite struct SlotStateTests {
    let v1 = OTAFixtures.version("0.1.0")
    let v2 = OTAFixtures.version("0.2.0")

    func staged(tries: Int = 3) throws -> SlotState {
        var state = SlotState(lastGood: .a, version: v1)
        try state.beginInstall(version: v2, into: .b, booted: .a)
        try state.stage(VerifiedSlot(slot: .b, version: v2, images: []), tries: tries)
        return state
    }

    @Test func updateIsTriedThenCommitted() throws {
        var state = try staged(tries: 3)
        #expect(state.trial == SlotState.Trial(slot: .b, version: v2, triesLeft: 3))
        #expect(state.lastResult == UpdateResult(.staged, version: v2, slot: .b))
        #expect(state.selectBoot() == BootDecision(slot: .b, reason: .trial(triesLeft: 2)))
        #expect(try state.markGood(booted: .b))
        #expect(state.lastGood == .b && state.trial == nil)
        #expect(state.versions == [.a: v1, .b: v2])
        #expect(state.lastResult == UpdateResult(.committed, version: v2, slot: .b))
        #expect(state.selectBoot() == BootDecision(slot: .b, reason: .lastGood))
        #expect(try !state.markGood(booted: .b))
        #expect(state.installSlot == .a)
    }

    @Test func triesRunOutThenTheLastGoodSlotBoots() throws {
        var state = try staged(tries: 2)
        #expect(state.selectBoot().slot == .b)
        #expect(state.selectBoot().slot == .b)
        #expect(state.selectBoot() == BootDecision(slot: .a, reason: .rolledBack(from: .b)))
        #expect(state.trial == nil && state.lastGood == .a)
        #expect(state.lastResult == UpdateResult(.rolledBack, version: v2, slot: .b))
        #expect(state.selectBoot() == BootDecision(slot: .a, reason: .lastGood))
        #expect(throws: SlotStateError.notOnTrial(booted: .b)) { try state.markGood(booted: .b) }
    }

    @Test func markBadEndsTheTrialButNeverTouchesTheLastGoodSlot() throws {
        var state = try staged()
        _ = state.selectBoot()
        try state.markBad(booted: .b)
        #expect(state.trial == nil && state.lastGood == .a)
        #expect(state.lastResult == UpdateResult(.markedBad, version: v2, slot: .b))
        #expect(state.selectBoot().slot == .a)
        #expect(throws: SlotStateError.cannotRejectLastGood(.a)) { try state.markBad(booted: .a) }
    }

    @Test func installsNeverTouchTheLastGoodSlot() throws {
        var state = SlotState(lastGood: .a, version: v1)
        #expect(throws: SlotStateError.wouldOverwriteLastGood(.a)) { try state.beginInstall(version: v2, into: .a, booted: .a) }
        var trying = try staged()
        _ = trying.selectBoot()
        // Running the trial: no new install until it is committed or rolled back.
        #expect(throws: SlotStateError.notRunningLastGood(booted: .b, lastGood: .a)) {
            try trying.beginInstall(version: v2, into: .a, booted: .b)
        }
        // Staging needs a begun install of that very version and slot.
        #expect(throws: SlotStateError.noInstallInProgress(.b)) {
            try state.stage(VerifiedSlot(slot: .b, version: v2, images: []), tries: 1)
        }
        try state.beginInstall(version: v2, into: .b, booted: .a)
        #expect(throws: SlotStateError.wouldOverwriteLastGood(.a)) {
            try state.stage(VerifiedSlot(slot: .a, version: v2, images: []), tries: 1)
        }
        #expect(throws: SlotStateError.badTryCount(0)) { try state.stage(VerifiedSlot(slot: .b, version: v2, images: []), tries: 0) }
        #expect(throws: SlotStateError.badTryCount(6)) { try state.stage(VerifiedSlot(slot: .b, version: v2, images: []), tries: 6) }
        try state.installFailed(into: .b)
        #expect(state.lastResult == UpdateResult(.installFailed, version: v2, slot: .b))
        #expect(throws: SlotStateError.noInstallInProgress(.b)) {
            try state.stage(VerifiedSlot(slot: .b, version: v2, images: []), tries: 1)
        }
    }

    @Test func beginningAnInstallWithdrawsAStagedTrialOfThatSlot() throws {
        var state = try staged()
        try state.beginInstall(version: OTAFixtures.version("0.3.0"), into: .b, booted: .a)
        #expect(state.trial == nil)
        #expect(state.versions[.b] == nil)
        #expect(state.selectBoot() == BootDecision(slot: .a, reason: .lastGood))
    }

    /// HAOS #4886: a power cut left both slots with zero tries and the device rebooted forever. Here the last good
    /// slot has no counter: from every consistent state, with nobody ever marking anything good, the boots reach
    /// the last good slot within `maxTries + 1` and stay there; no boot picks a slot that is neither last good nor
    /// a staged trial.
    @Test func noStateLoopsOrPicksAnUnstagedSlot() throws {
        var states: [SlotState] = []
        for lastGood in Slot.allCases {
            for tries in [nil] + Array(0...SlotState.maxTries) {
                let trial = tries.map { SlotState.Trial(slot: lastGood.other, version: v2, triesLeft: $0) }
                var versions: [Slot: BundleVersion] = [lastGood: v1]
                if trial != nil { versions[lastGood.other] = v2 }
                states.append(SlotState(generation: 1, lastGood: lastGood, trial: trial, versions: versions, lastResult: nil))
            }
        }
        for start in states {
            #expect(start.isConsistent)
            var state = start
            var boots = 0
            while state.trial != nil {
                let decision = state.selectBoot()
                boots += 1
                #expect(decision.slot == start.lastGood || decision.slot == start.trial?.slot)
                #expect(state.lastGood == start.lastGood)
                #expect(boots <= SlotState.maxTries + 1)
            }
            #expect(state.selectBoot().slot == start.lastGood)
        }
        // Trial and last good in one slot, or tries out of range, cannot be loaded (see SlotStoreTests).
        #expect(!SlotState(generation: 1, lastGood: .a, trial: .init(slot: .a, version: v2, triesLeft: 1), versions: [.a: v2], lastResult: nil).isConsistent)
        #expect(!SlotState(generation: 1, lastGood: .a, trial: .init(slot: .b, version: v2, triesLeft: 9), versions: [.b: v2], lastResult: nil).isConsistent)
    }

    /// Random sequences of every operation from every role: the invariants hold after each step.
    @Test func randomOperationSequencesKeepTheInvariants() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<300 {
            var state = SlotState(lastGood: .a, version: v1)
            var running = Slot.a
            for _ in 0..<40 {
                let before = state
                let slot: Slot = random.next() % 2 == 0 ? .a : .b
                let version = OTAFixtures.version("0.\(random.next() % 4).0")
                switch random.next() % 6 {
                case 0: try? state.beginInstall(version: version, into: slot, booted: running)
                case 1: try? state.installFailed(into: slot)
                case 2: try? state.stage(VerifiedSlot(slot: slot, version: version, images: []), tries: Int(random.next() % 7))
                case 3: running = state.selectBoot().slot
                case 4: _ = try? state.markGood(booted: running)
                default: try? state.markBad(booted: running)
                }
                #expect(state.isConsistent)
                if state.lastGood != before.lastGood {
                    // Only a commit of the running trial moves the last good slot.
                    #expect(before.trial?.slot == state.lastGood && running == state.lastGood)
                    #expect(state.lastResult?.outcome == .committed)
                }
                if state.trial != nil, before.trial == nil {
                    #expect(state.lastResult?.outcome == .staged)
                }
            }
        }
    }
}
