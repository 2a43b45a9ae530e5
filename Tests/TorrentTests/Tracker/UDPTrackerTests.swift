import NIOPosix
import Testing
@testable import Torrent

/// BEP 15 announces against the real opentracker and against scripted UDP listeners.
@Suite struct UDPTrackerTests {
    @Test func twoClientsSeeEachOtherAndStoppedRemovesAPeer() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let client = TrackerFixture.udp()
        let url = try TrackerURL(tracker.udpURL)
        let first = TrackerFixture.request(port: 7101)
        let second = TrackerFixture.request(port: 7102)
        _ = try await client.announce(first, to: url, binding: .unbound, timeout: .seconds(5))
        let seenBySecond = try await client.announce(second, to: url, binding: .unbound, timeout: .seconds(5))
        #expect(seenBySecond.peers.contains(PeerAddress(text: "127.0.0.1:7101")!))
        #expect(seenBySecond.incomplete == 2 && seenBySecond.interval > .zero)

        var stopped = second
        stopped.event = .stopped
        _ = try await client.announce(stopped, to: url, binding: .unbound, timeout: .seconds(5))
        var again = first
        again.event = .none
        let afterStop = try await client.announce(again, to: url, binding: .unbound, timeout: .seconds(5))
        #expect(!afterStop.peers.contains(PeerAddress(text: "127.0.0.1:7102")!))
        #expect(client.connectionIDs.count == 1)
    }

    /// opentracker refuses a hash off its whitelist over UDP with a bare 8-byte announce answer, no error action.
    @Test func aHashOffTheWhitelistIsARefusal() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let error = await announceError(TrackerFixture.udp(), TrackerFixture.request(TrackerFixture.otherHash, port: 7103), to: tracker.udpURL)
        #expect(error == TrackerError(url: tracker.udpURL, reason: .failure(UDPTrackerPacket.bareRefusal)))
    }

    @Test func bindingToAnInterfaceIsAppliedAndAMissingOneFailsClosed() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let client = TrackerFixture.udp()
        let url = try TrackerURL(tracker.udpURL)
        _ = try await client.announce(TrackerFixture.request(port: 7104), to: url, binding: NetworkBinding(interfaceName: "lo"), timeout: .seconds(5))
        _ = try await client.announce(TrackerFixture.request(port: 7105), to: url, binding: NetworkBinding(sourceAddress: "127.0.0.1"), timeout: .seconds(5))
        let missing = await announceError(client, TrackerFixture.request(port: 7106), to: tracker.udpURL, binding: NetworkBinding(interfaceName: "rillnone0"))
        #expect(missing?.reason.kind == "network")
        let wrongFamily = await announceError(client, TrackerFixture.request(port: 7106), to: tracker.udpURL, binding: NetworkBinding(sourceAddress: "::1"))
        #expect(wrongFamily?.reason.kind == "network")
    }

    @Test func silenceTimesOutWithinTheBudget() async throws {
        let silent = try await ScriptedUDPTracker { _ in [] }
        defer { Task { await silent.stop() } }
        let client = TrackerFixture.udp(initialTimeout: .milliseconds(100), maxAttempts: 3)
        let clock = ContinuousClock()
        let start = clock.now
        let error = await announceError(client, TrackerFixture.request(port: 7107), to: silent.url, timeout: .seconds(10))
        let elapsed = clock.now - start
        #expect(error?.reason.kind == "timeout")
        #expect(elapsed >= .milliseconds(650) && elapsed < .milliseconds(1500))  // 100 + 200 + 400 ms
        #expect(silent.connectCount == 3)

        // The call's own budget cuts the schedule short.
        let capped = clock.now
        let short = await announceError(TrackerFixture.udp(initialTimeout: .seconds(15), maxAttempts: 8), TrackerFixture.request(port: 7107),
                                        to: silent.url, timeout: .milliseconds(300))
        #expect(short?.reason.kind == "timeout" && clock.now - capped < .seconds(1))
    }

    @Test func aClosedPortTimesOutToo() async throws {
        let port = try freePort()
        let error = await announceError(TrackerFixture.udp(initialTimeout: .milliseconds(100), maxAttempts: 2), TrackerFixture.request(port: 7108),
                                        to: "udp://127.0.0.1:\(port)")
        #expect(error?.reason.kind == "timeout")
    }

    @Test func connectionIDsAreReusedForTheirLifetimeOnly() async throws {
        let tracker = try await ScriptedUDPTracker(ScriptedUDPTracker.wellBehaved(peers: []))
        defer { Task { await tracker.stop() } }
        let url = try TrackerURL(tracker.url)
        let client = TrackerFixture.udp()
        _ = try await client.announce(TrackerFixture.request(port: 7109), to: url, binding: .unbound, timeout: .seconds(5))
        _ = try await client.announce(TrackerFixture.request(port: 7109), to: url, binding: .unbound, timeout: .seconds(5))
        #expect(tracker.connectCount == 1)
        #expect(tracker.requests.filter { $0.action == 1 }.allSatisfy { $0.connectionID == 0x1122_3344_5566_7788 })
        // Another binding is another client address to the tracker: a fresh id.
        _ = try await client.announce(TrackerFixture.request(port: 7109), to: url, binding: NetworkBinding(interfaceName: "lo"), timeout: .seconds(5))
        #expect(tracker.connectCount == 2)

        let shortLived = TrackerFixture.udp(lifetime: .milliseconds(50))
        _ = try await shortLived.announce(TrackerFixture.request(port: 7110), to: url, binding: .unbound, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(80))
        _ = try await shortLived.announce(TrackerFixture.request(port: 7110), to: url, binding: .unbound, timeout: .seconds(5))
        #expect(tracker.connectCount == 4)
    }

    @Test func onlyUnansweredTransmissionsCountAgainstTheAttempts() async throws {
        let tracker = try await ScriptedUDPTracker(ScriptedUDPTracker.wellBehaved(peers: []))
        defer { Task { await tracker.stop() } }
        let response = try await TrackerFixture.udp(maxAttempts: 1)
            .announce(TrackerFixture.request(port: 7114), to: try TrackerURL(tracker.url), binding: .unbound, timeout: .seconds(5))
        #expect(response.interval == .seconds(1800))
    }

    @Test func ipv6TrackersGiveIPv6Peers() async throws {
        let peers = [PeerAddress(text: "[2001:db8::7]:6881")!, PeerAddress(text: "[::1]:51413")!]
        let tracker = try await ScriptedUDPTracker(host: "::1", ScriptedUDPTracker.wellBehaved(peers: peers))
        defer { Task { await tracker.stop() } }
        let response = try await TrackerFixture.udp().announce(TrackerFixture.request(port: 7111), to: try TrackerURL(tracker.url), binding: .unbound, timeout: .seconds(5))
        #expect(response.peers == peers && response.complete == 2 && response.incomplete == 1)
        let refused = await announceError(TrackerFixture.udp(), TrackerFixture.request(port: 7111), to: tracker.url, binding: NetworkBinding(allowsIPv6: false))
        #expect(refused?.reason.kind == "resolution")
    }

    @Test func strayDatagramsAreIgnoredAndLostOnesRetransmitted() async throws {
        let peer = PeerAddress(text: "10.1.2.3:4567")!
        let tracker = try await ScriptedUDPTracker { request in
            switch (request.action, request.index) {
            case (0, 0):
                return []  // the first connect is lost
            case (0, _):
                let wrongID = be32(0) + be32(request.transactionID &+ 1) + be64(9)
                return [[1, 2, 3], wrongID, ScriptedUDPTracker.connectAnswer(request)]
            case (1, _):
                var stale = ScriptedUDPTracker.announceAnswer(request, peers: [PeerAddress(text: "6.6.6.6:6")!])
                stale[7] &+= 1
                return [stale, ScriptedUDPTracker.announceAnswer(request, peers: [peer])]
            default:
                return []
            }
        }
        defer { Task { await tracker.stop() } }
        let response = try await TrackerFixture.udp(initialTimeout: .milliseconds(100), maxAttempts: 3)
            .announce(TrackerFixture.request(port: 7112), to: try TrackerURL(tracker.url), binding: .unbound, timeout: .seconds(5))
        #expect(response.peers == [peer])
        #expect(tracker.connectCount == 2)
    }

    @Test func brokenAnswersAreTypedErrors() async throws {
        let tracker = try await ScriptedUDPTracker { request in
            let port = request.bytes.count >= 98 ? UInt16(request.bytes[96]) << 8 | UInt16(request.bytes[97]) : 0
            switch (request.action, port) {
            case (0, _): return [ScriptedUDPTracker.connectAnswer(request)]
            case (1, 1): return [Array(ScriptedUDPTracker.announceAnswer(request, peers: []).prefix(15))]
            case (1, 2): return [ScriptedUDPTracker.announceAnswer(request, peers: []) + [1, 2, 3]]
            case (1, 3): return [ScriptedUDPTracker.errorAnswer(request, "torrent not registered")]
            case (1, 4): return [ScriptedUDPTracker.connectAnswer(request)]
            default: return []
            }
        }
        defer { Task { await tracker.stop() } }
        let client = TrackerFixture.udp()
        func reason(port: UInt16) async -> TrackerError.Reason? {
            await announceError(client, TrackerFixture.request(port: port), to: tracker.url)?.reason
        }
        #expect(await reason(port: 1) == .malformedResponse(what: "UDP announce response of 15 bytes, need at least 20", offset: 15))
        #expect(await reason(port: 2) == .malformedResponse(what: "UDP peer list of 3 bytes is not a multiple of 6", offset: 20))
        #expect(await reason(port: 3) == .failure("torrent not registered"))
        #expect(await reason(port: 4) == .malformedResponse(what: "UDP action 0, expected 1", offset: 0))
    }

    @Test func cancellationIsPrompt() async throws {
        let silent = try await ScriptedUDPTracker { _ in [] }
        defer { Task { await silent.stop() } }
        let client = TrackerFixture.udp(initialTimeout: .seconds(15), maxAttempts: 4)
        let task = Task { await announceError(client, TrackerFixture.request(port: 7113), to: silent.url, timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(100))
        let clock = ContinuousClock()
        let cancelledAt = clock.now
        task.cancel()
        #expect(await task.value?.reason == .cancelled)
        #expect(clock.now - cancelledAt < .seconds(1))
    }
}
