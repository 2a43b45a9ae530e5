import NIOCore
import Testing
@testable import Torrent

/// Request depth per peer: two seconds of its rate for bulk downloads; for a streamed torrent a quarter second,
/// or two and a half round trips when those are longer. Round trips come from probes sent to an idle peer.
@Suite struct RequestPipelineTests {
    static let block = Double(BlockRequest.standardLength)

    func depth(rate: Double, roundTrip: Double? = nil, streaming: Bool) -> Int {
        RequestPipeline.depth(rate: rate, roundTrip: roundTrip, streaming: streaming, initial: 32, minimum: 4, maximum: 250)
    }

    @Test func bulkKeepsTwoSecondsOfThePeersRate() {
        #expect(depth(rate: 64 * Self.block, streaming: false) == 128)
        #expect(depth(rate: 0, streaming: false) == 16, "unknown rate: half the initial depth")
        #expect(depth(rate: 1e9, streaming: false) == 250, "capped")
    }

    @Test func streamingKeepsAQuarterSecondOnAShortRoundTrip() {
        #expect(depth(rate: 128 * Self.block, roundTrip: 0.002, streaming: true) == 32)
        #expect(depth(rate: 0, roundTrip: 0.002, streaming: true) == 4, "unknown rate: the minimum")
    }

    @Test func streamingKeepsTwoAndAHalfRoundTripsOnALongOne() {
        // 0.3 s round trip: 0.75 s of the rate, so the depth outgrows the rate it measured (0.75/0.3 > 1) and the
        // peer is not starved down to the minimum.
        #expect(depth(rate: 64 * Self.block, roundTrip: 0.3, streaming: true) == 48)
        #expect(depth(rate: 64 * Self.block, streaming: true) == 80, "unmeasured: half a second assumed")
    }

    @Test func aProbeIsTimedOnlyWhenThePeerHadNothingOutstanding() {
        var probe = LatencyProbe()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let a = BlockRequest(piece: 0, begin: 0, length: 16384)
        let b = BlockRequest(piece: 0, begin: 16384, length: 16384)
        probe.sent(a, at: start, queueWasEmpty: false)
        probe.arrived(a, at: start + .milliseconds(40))
        #expect(probe.roundTrip == nil, "sent behind a queue: not a round trip")
        probe.sent(b, at: start, queueWasEmpty: true)
        probe.arrived(a, at: start + .milliseconds(5))
        #expect(probe.roundTrip == nil, "another block")
        probe.arrived(b, at: start + .milliseconds(80))
        #expect(probe.roundTrip == 0.08)
    }

    @Test func theEstimateFollowsLowerSamplesAtOnceAndHigherOnesSlowly() {
        var probe = LatencyProbe()
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let a = BlockRequest(piece: 1, begin: 0, length: 16384)
        func sample(_ milliseconds: Int64) {
            probe.sent(a, at: now, queueWasEmpty: true)
            now = now + .milliseconds(milliseconds)
            probe.arrived(a, at: now)
        }
        sample(100)
        sample(20)
        #expect(probe.roundTrip == 0.02)
        sample(420)  // a rate limiter's half-second quota wait, not the network
        #expect(abs((probe.roundTrip ?? 0) - 0.07) < 1e-9)
    }

    @Test func aWithdrawnOrStaleProbeMakesRoomForTheNext() {
        var probe = LatencyProbe()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let a = BlockRequest(piece: 2, begin: 0, length: 16384)
        let b = BlockRequest(piece: 2, begin: 16384, length: 16384)
        probe.sent(a, at: start, queueWasEmpty: true)
        probe.sent(b, at: start + .seconds(1), queueWasEmpty: true)
        probe.arrived(b, at: start + .seconds(2))
        #expect(probe.roundTrip == nil, "one probe at a time")
        probe.withdrawn(a)
        probe.sent(b, at: start + .seconds(3), queueWasEmpty: true)
        probe.arrived(b, at: start + .seconds(3) + .milliseconds(10))
        #expect(probe.roundTrip == 0.01)
        probe.sent(a, at: start + .seconds(4), queueWasEmpty: true)  // never answered
        probe.sent(b, at: start + .seconds(15), queueWasEmpty: true)
        probe.arrived(b, at: start + .seconds(15) + .milliseconds(5))
        #expect(probe.roundTrip == 0.005, "a probe older than ten seconds is replaced")
    }
}
