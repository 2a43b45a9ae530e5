import TestSupport
import Testing
@testable import Torrent

/// BEP 12 tiers: construction, shuffling, move-to-front.
@Suite struct TrackerTiersTests {
    @Test func onlyAnnounceMakesOneTier() {
        let tiers = TrackerTiers(announce: " http://a/announce ", announceList: nil)
        #expect(tiers.tiers == [["http://a/announce"]])
        #expect(tiers.ordered == [TrackerTiers.Entry(url: "http://a/announce", tier: 0)])
        #expect(TrackerTiers(announce: nil, announceList: nil).isEmpty)
        #expect(TrackerTiers(announce: "", announceList: [[""], []]).isEmpty)
    }

    @Test func announceListWinsAndIsCleaned() {
        var random = SplitMix64(seed: 1)
        let tiers = TrackerTiers(
            announce: "http://ignored/",
            announceList: [["udp://a:1", "udp://a:1", ""], [], ["http://b/", "udp://a:1"], ["http://c/"]],
            using: &random
        )
        #expect(tiers.tiers == [["udp://a:1"], ["http://b/"], ["http://c/"]])
        #expect(tiers.ordered.map(\.tier) == [0, 1, 2])
        let fallback = TrackerTiers(announce: "http://only/", announceList: [[" "]])
        #expect(fallback.tiers == [["http://only/"]])
    }

    @Test func tiersAreShuffledOnceAndSuccessMovesToFront() {
        let urls = (0..<10).map { "udp://t\($0):1" }
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        var tiers = TrackerTiers(announce: nil, announceList: [urls, ["http://z/"]], using: &first)
        #expect(tiers == TrackerTiers(announce: nil, announceList: [urls, ["http://z/"]], using: &second))
        #expect(tiers.tiers[0] != urls && Set(tiers.tiers[0]) == Set(urls))
        let shuffled = tiers.tiers[0]
        tiers.succeeded(shuffled[6])
        #expect(tiers.tiers[0] == [shuffled[6]] + shuffled[0..<6] + shuffled[7...])
        #expect(tiers.ordered.first?.url == shuffled[6] && tiers.ordered.last?.url == "http://z/")
        tiers.succeeded("http://z/")
        tiers.succeeded("http://unknown/")
        #expect(tiers.tiers[1] == ["http://z/"] && tiers.tiers[0].first == shuffled[6])
    }

    @Test func hostileListsAreCapped() {
        let many = (0..<1000).map { ["http://t\($0)/"] }
        let tiers = TrackerTiers(announce: nil, announceList: many)
        #expect(tiers.ordered.count == TrackerTiers.maxTrackers)
    }
}
