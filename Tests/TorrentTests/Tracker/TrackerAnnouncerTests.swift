import Logging
import Synchronization
import TestSupport
import Testing
@testable import Torrent

/// The per-torrent announce loop against real trackers: opentracker and scripted listeners.
@Suite struct TrackerAnnouncerTests {
    /// Collects what an announcer hands out and lets tests drive its progress.
    final class Probe: Sendable {
        let peers = Mutex<[[PeerAddress]]>([])
        let left = Atomic<Int64>(1000)
        let online = Atomic<Bool>(true)
        let ipv6 = Atomic<Bool>(true)

        var deliveries: [[PeerAddress]] { peers.withLock { $0 } }

        func announcer(
            _ tiers: TrackerTiers, port: UInt16, hash: InfoHash = TrackerFixture.allowedHash,
            configuration: TrackerAnnouncer.Configuration = fast, logger: Logger = Logger(label: "test")
        ) -> TrackerAnnouncer {
            TrackerAnnouncer(
                infoHash: hash, peerID: PeerID.random(), port: port, tiers: tiers, client: TrackerFixture.clients(),
                configuration: configuration,
                binding: {
                    self.online.load(ordering: .relaxed) ? NetworkBinding(allowsIPv6: self.ipv6.load(ordering: .relaxed)) : nil
                },
                progress: { .init(uploaded: 0, downloaded: 0, left: self.left.load(ordering: .relaxed)) },
                onPeers: { list in self.peers.withLock { $0.append(list) } },
                logger: logger
            )
        }
    }

    static var fast: TrackerAnnouncer.Configuration {
        var configuration = TrackerAnnouncer.Configuration()
        configuration.minimumInterval = .milliseconds(100)
        configuration.maximumInterval = .milliseconds(150)
        configuration.announceTimeout = .seconds(2)
        configuration.stopTimeout = .seconds(1)
        configuration.retryDelay = .milliseconds(100)
        configuration.maximumRetryDelay = .milliseconds(400)
        return configuration
    }

    /// Polls `condition` for up to `timeout`.
    static func eventually(_ timeout: Duration = .seconds(3), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test func announcesToOpentrackerAndStopsCleanly() async throws {
        let tracker = try Opentracker(whitelist: [TrackerFixture.allowedHash])
        defer { tracker.stop() }
        let probe = Probe()
        let other = try await TrackerFixture.http().announce(TrackerFixture.request(port: 7201), to: try TrackerURL(tracker.httpURL),
                                                             binding: .unbound, timeout: .seconds(5))
        #expect(other.incomplete == 1)
        let announcer = probe.announcer(TrackerTiers(announce: tracker.udpURL, announceList: nil), port: 7202)
        announcer.start()
        #expect(try await Self.eventually { !probe.deliveries.isEmpty })
        #expect(probe.deliveries.first?.contains(PeerAddress(text: "127.0.0.1:7201")!) == true)
        let status = try #require(announcer.statuses.first)
        #expect(status.url == tracker.udpURL && status.tier == 0 && status.state == .working)
        #expect(status.leechers == 2 && status.seeders == 0 && status.lastPeerCount == probe.deliveries.first?.count)
        #expect(status.lastAnnounce != nil && status.nextAnnounce != nil)

        await announcer.stop()
        #expect(announcer.statuses.first?.state == .idle && announcer.statuses.first?.nextAnnounce == nil)
        let after = try await TrackerFixture.http().announce(TrackerFixture.request(port: 7201), to: try TrackerURL(tracker.httpURL),
                                                             binding: .unbound, timeout: .seconds(5))
        #expect(!after.peers.contains(PeerAddress(text: "127.0.0.1:7202")!))
        #expect(after.incomplete == 1)
    }

    @Test func eventsAndIntervalsFollowTheRules() async throws {
        let server = try await ScriptedHTTPServer { _, index in
            ScriptedHTTPServer.response(200, "d8:intervali0e5:peers6:\u{7f}\0\0\u{1}\u{1a}\u{41}10:tracker id2:t\(index % 10)e")
        }
        defer { Task { await server.stop() } }
        let probe = Probe()
        let announcer = probe.announcer(TrackerTiers(announce: server.url, announceList: nil), port: 7203)
        announcer.start()
        announcer.start()  // a second start does nothing
        #expect(try await Self.eventually { server.targets.count >= 3 })
        probe.left.store(0, ordering: .relaxed)
        announcer.markCompleted()
        announcer.markCompleted()
        #expect(try await Self.eventually { server.targets.contains { $0.contains("event=completed") } })
        #expect(try await Self.eventually { server.targets.count >= 6 })
        await announcer.stop()
        await announcer.stop()

        let events = server.targets.map { target in
            target.split(separator: "&").first { $0.hasPrefix("event=") }.map { String($0.dropFirst(6)) } ?? "none"
        }
        #expect(events.first == "started" && events.last == "stopped")
        #expect(events.filter { $0 == "started" }.count == 1 && events.filter { $0 == "stopped" }.count == 1)
        #expect(events.filter { $0 == "completed" }.count == 1)
        #expect(server.targets.dropFirst().allSatisfy { $0.contains("trackerid=t") })
        // The floor holds even though the tracker asked for interval 0.
        let times = server.times
        let completedIndex = events.firstIndex(of: "completed") ?? 0
        for index in 1..<times.count - 1 where index != completedIndex {
            #expect(times[index] - times[index - 1] >= .milliseconds(90))
        }
        #expect(probe.deliveries.allSatisfy { $0 == [PeerAddress(text: "127.0.0.1:6721")!] })
    }

    @Test func minIntervalWinsOverTheCapAndAnnounceNowRespectsIt() async throws {
        let server = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, "d8:intervali1e12:min intervali1ee") }
        defer { Task { await server.stop() } }
        let probe = Probe()
        let announcer = probe.announcer(TrackerTiers(announce: server.url, announceList: nil), port: 7204)
        announcer.start()
        #expect(try await Self.eventually { server.targets.count == 1 })
        announcer.announceNow()
        try await Task.sleep(for: .milliseconds(500))
        #expect(server.targets.count == 1)  // the cap is 150 ms, but min interval says 1 s
        #expect(try await Self.eventually(.seconds(2)) { server.targets.count == 2 })
        await announcer.stop()
    }

    @Test func failuresFallThroughTiersAndBackOff() async throws {
        let silent = try await ScriptedUDPTracker { _ in [] }
        let refusing = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, "d14:failure reason7:go awaye") }
        let working = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, "d8:intervali3600e8:completei9ee") }
        defer { Task { await silent.stop(); await refusing.stop(); await working.stop() } }
        let probe = Probe()
        var configuration = Self.fast
        configuration.announceTimeout = .milliseconds(300)
        let tiers = TrackerTiers(announce: nil, announceList: [[silent.url], [refusing.url, working.url]])
        let announcer = probe.announcer(tiers, port: 7205, configuration: configuration)
        announcer.start()
        #expect(try await Self.eventually { announcer.statuses.contains { $0.state == .working } })
        let statuses = announcer.statuses
        #expect(statuses.map(\.url) == [silent.url, working.url, refusing.url])  // success moved to the front of tier 1
        #expect(statuses[0].state.isError(containing: "no answer within"))
        #expect(statuses[1].state == .working && statuses[1].seeders == 9 && statuses[1].tier == 1)
        await announcer.stop()

        // Every tracker refuses: rounds back off 100, 200, 400, 400 ms.
        let alone = probe.announcer(TrackerTiers(announce: refusing.url, announceList: nil), port: 7206)
        let before = refusing.times.count
        alone.start()
        #expect(try await Self.eventually { refusing.times.count >= before + 5 })
        await alone.stop()
        let times = Array(refusing.times.dropFirst(before))
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(gaps[0] >= .milliseconds(90) && gaps[1] >= .milliseconds(190) && gaps[2] >= .milliseconds(390))
        #expect(gaps[3] < .milliseconds(900))
        #expect(alone.statuses.first?.state == .idle)
    }

    @Test func nothingIsSentWhileOffline() async throws {
        let server = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, "d8:intervali0ee") }
        defer { Task { await server.stop() } }
        let probe = Probe()
        probe.online.store(false, ordering: .relaxed)
        let capture = LogCapture()
        let announcer = probe.announcer(TrackerTiers(announce: server.url, announceList: nil), port: 7207, logger: capture.logger)
        announcer.start()
        #expect(try await Self.eventually { announcer.statuses.first?.state == .error(TrackerError.Reason.offline.summary) })
        try await Task.sleep(for: .milliseconds(300))
        #expect(server.targets.isEmpty)
        #expect(capture.lines.filter { $0.contains("announce failed") }.count == 1)  // logged once, not per round
        probe.online.store(true, ordering: .relaxed)
        #expect(try await Self.eventually { server.targets.count >= 1 })
        await announcer.stop()
        #expect(server.targets.first?.contains("event=started") == true)
    }

    @Test func aTorrentCompleteAtStartNeverSaysCompleted() async throws {
        let server = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, "d8:intervali0ee") }
        defer { Task { await server.stop() } }
        let probe = Probe()
        probe.left.store(0, ordering: .relaxed)
        let announcer = probe.announcer(TrackerTiers(announce: server.url, announceList: nil), port: 7209)
        announcer.markCompleted()
        announcer.start()
        #expect(try await Self.eventually { server.targets.count >= 3 })
        announcer.markCompleted()
        try await Task.sleep(for: .milliseconds(200))
        await announcer.stop()
        #expect(!server.targets.contains { $0.contains("event=completed") })
        #expect(server.targets.first?.contains("left=0&") == true)
    }

    @Test func ipv6PeersAreDroppedWhenTheBindingForbidsThem() async throws {
        let v6: [UInt8] = [UInt8](repeating: 0, count: 15) + [1, 0x1A, 0x41]
        let body = Array("d8:intervali3600e5:peers6:".utf8) + [10, 0, 0, 1, 0x1A, 0x41] + Array("6:peers618:".utf8) + v6 + Array("e".utf8)
        let server = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, body) }
        defer { Task { await server.stop() } }
        let probe = Probe()
        probe.ipv6.store(false, ordering: .relaxed)
        let announcer = probe.announcer(TrackerTiers(announce: server.url, announceList: nil), port: 7210)
        announcer.start()
        #expect(try await Self.eventually { !probe.deliveries.isEmpty })
        await announcer.stop()
        #expect(probe.deliveries.first == [PeerAddress(text: "10.0.0.1:6721")!])
        #expect(announcer.statuses.first?.lastPeerCount == 2)
    }

    @Test func stopSendsStoppedEvenFromACancelledTask() async throws {
        let server = try await ScriptedHTTPServer { _, _ in ScriptedHTTPServer.response(200, "d8:intervali3600ee") }
        defer { Task { await server.stop() } }
        let probe = Probe()
        let announcer = probe.announcer(TrackerTiers(announce: server.url, announceList: nil), port: 7208)
        announcer.start()
        #expect(try await Self.eventually { server.targets.count == 1 })
        let stopper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await announcer.stop()
        }
        await stopper.value
        #expect(server.targets.count == 2 && server.targets.last?.contains("event=stopped") == true)
    }
}

extension TrackerStatus.State {
    fileprivate func isError(containing text: String) -> Bool {
        if case .error(let message) = self { return message.contains(text) }
        return false
    }
}
