import Device
import NIOCore
import Synchronization
import TestSupport
import Testing

/// The health commit of a trial boot, on a real update service and slot state: committed only after health held
/// without a break, marked bad and rebooted into the last good slot when it did not by the deadline.
@Suite(.serialized) struct HealthCommitTests {
    /// Health the test switches, and the reboots the service asked for.
    final class TestDevice: Sendable {
        let healthy = Atomic<Bool>(true)
        /// Health checks still to fail before `healthy` counts again (a break every check is sure to see).
        let failingChecks = Atomic<Int>(0)
        let reboots = Mutex<[RebootPlan]>([])

        func check() -> Bool {
            if failingChecks.load(ordering: .relaxed) > 0 {
                failingChecks.subtract(1, ordering: .relaxed)
                return false
            }
            return healthy.load(ordering: .relaxed)
        }
    }

    /// Installs 0.2.0 into slot B from A, then "reboots": the initramfs's selection uses a try, and a service starts
    /// on slot B.
    static func bootTrial(_ lab: UpdateLab, device: TestDevice) async throws -> UpdateService {
        let bytes = try TestFile.read(try lab.bundle("good.rillbundle"))
        let installer = lab.service()
        _ = try await installer.installUpload(announcedLength: bytes.count) { feed in try await feed([ByteBuffer(bytes: bytes)]) }
        await installer.shutdown()
        #expect(lab.store.bootSelection() == BootDecision(slot: .b, reason: .trial(triesLeft: 2)))
        return lab.service(booted: .b) { plan in device.reboots.withLock { $0.append(plan) } }
    }

    static func policy(_ commitMilliseconds: Int, deadline: Int) -> HealthCommit.Policy {
        HealthCommit.Policy(commitAfter: .milliseconds(commitMilliseconds), deadline: .milliseconds(deadline), interval: .milliseconds(20))
    }

    @Test func healthyTrialIsCommitted() async throws {
        let lab = try UpdateLab()
        let device = TestDevice()
        let service = try await Self.bootTrial(lab, device: device)
        #expect(service.isRunningTrial)
        let started = ContinuousClock.now
        let verdict = await HealthCommit(
            slots: service, policy: Self.policy(400, deadline: 20_000), health: { device.healthy.load(ordering: .relaxed) },
            logger: UpdateLab.quietLogger
        ).run()
        #expect(verdict == .committed)
        #expect(ContinuousClock.now - started >= .milliseconds(400))
        let state = lab.store.load().state
        #expect(state.lastGood == .b && state.trial == nil && state.lastResult?.outcome == .committed)
        #expect(device.reboots.withLock { $0 }.isEmpty)
        await service.shutdown()
    }

    @Test func aBreakInHealthRestartsTheWait() async throws {
        let lab = try UpdateLab()
        let device = TestDevice()
        let service = try await Self.bootTrial(lab, device: device)
        let flips = Task {
            // Healthy for 300 ms, then two failed checks, healthy from then on.
            try await Task.sleep(for: .milliseconds(300))
            device.failingChecks.store(2, ordering: .relaxed)
        }
        let started = ContinuousClock.now
        let verdict = await HealthCommit(
            slots: service, policy: Self.policy(1000, deadline: 20_000), health: { device.check() },
            logger: UpdateLab.quietLogger
        ).run()
        try await flips.value
        #expect(verdict == .committed)
        #expect(device.failingChecks.load(ordering: .relaxed) == 0, "the break was seen")
        #expect(ContinuousClock.now - started >= .milliseconds(1300), "1 s more after the break at 300 ms or later")
        await service.shutdown()
    }

    @Test func unhealthyTrialIsMarkedBadAndRebooted() async throws {
        let lab = try UpdateLab()
        let device = TestDevice()
        let service = try await Self.bootTrial(lab, device: device)
        device.healthy.store(false, ordering: .relaxed)
        let verdict = await HealthCommit(
            slots: service, policy: Self.policy(200, deadline: 600), health: { device.healthy.load(ordering: .relaxed) },
            logger: UpdateLab.quietLogger
        ).run()
        #expect(verdict == .markedBad(rebooted: true))
        #expect(device.reboots.withLock { $0 } == [RebootPlan(slot: .a, argument: nil)])
        let state = lab.store.load().state
        #expect(state.lastGood == .a && state.trial == nil && state.lastResult?.outcome == .markedBad)
        #expect(lab.store.bootSelection().slot == .a)
        await service.shutdown()
    }

    @Test func withoutRebootTheMarkStillHolds() async throws {
        let lab = try UpdateLab()
        let device = TestDevice()
        _ = try await Self.bootTrial(lab, device: device)
        let service = lab.service(booted: .b, reboot: nil)
        let verdict = await HealthCommit(
            slots: service, policy: Self.policy(200, deadline: 300), health: { false }, logger: UpdateLab.quietLogger
        ).run()
        #expect(verdict == .markedBad(rebooted: false))
        #expect(lab.store.load().state.trial == nil)
        await service.shutdown()
    }

    @Test func notOnTrialDecidesNothing() async throws {
        let lab = try UpdateLab()
        let service = lab.service()
        let verdict = await HealthCommit(slots: service, policy: Self.policy(10, deadline: 100), health: { true }, logger: UpdateLab.quietLogger).run()
        #expect(verdict == .notOnTrial)
        #expect(lab.store.load().state.lastResult == nil)
        await service.shutdown()
    }

    @Test func cancelledBeforeTheVerdict() async throws {
        let lab = try UpdateLab()
        let device = TestDevice()
        let service = try await Self.bootTrial(lab, device: device)
        let commit = HealthCommit(slots: service, policy: Self.policy(60_000, deadline: 120_000), health: { true }, logger: UpdateLab.quietLogger)
        let task = Task { await commit.run() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        #expect(await task.value == .undecided("cancelled"))
        #expect(lab.store.load().state.trial?.slot == .b, "still on trial: the next boot uses a try or rolls back")
        await service.shutdown()
    }
}
