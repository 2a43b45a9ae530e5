/// A torrent's trackers in BEP 12 tiers, in the order announces try them.
///
/// Contract:
/// - Built from `announce-list` when it has any non-empty URL (BEP 12: `announce` is then ignored), else from
///   `announce` as a single tier. URLs are trimmed; empty ones, repeats (a URL appears in its first tier only)
///   and empty tiers are dropped; at most ``maxTrackers`` URLs are kept.
/// - Each tier is shuffled once, at creation. A round of announces tries ``ordered`` from the start: the next
///   URL in the tier after a failure, then the next tier. ``succeeded(_:)`` moves a URL to the front of its
///   tier, so the next round starts with it.
/// - URLs are kept as text even when unusable (an unsupported scheme), so status can show why they fail.
public struct TrackerTiers: Sendable, Hashable {
    /// One tracker and the tier it belongs to (0 is tried first).
    public struct Entry: Sendable, Hashable {
        public let url: String
        public let tier: Int
    }

    /// The tiers in order, each in its current within-tier order.
    public private(set) var tiers: [[String]]

    /// Most URLs kept from one torrent: a hostile torrent cannot make every announce round contact thousands.
    public static let maxTrackers = 64

    /// Tiers from a torrent's `announce` and `announce-list`, shuffled with `generator`.
    public init(announce: String?, announceList: [[String]]?, using generator: inout some RandomNumberGenerator) {
        var seen: Set<String> = []
        var kept = 0
        func clean(_ tier: [String]) -> [String] {
            var out: [String] = []
            for raw in tier {
                let url = String(raw.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
                guard !url.isEmpty, kept < Self.maxTrackers, seen.insert(url).inserted else { continue }
                out.append(url)
                kept += 1
            }
            return out
        }
        var tiers = (announceList ?? []).map(clean).filter { !$0.isEmpty }
        if tiers.isEmpty, let announce {
            tiers = [clean([announce])].filter { !$0.isEmpty }
        }
        self.tiers = tiers.map { $0.shuffled(using: &generator) }
    }

    /// Tiers from a torrent's `announce` and `announce-list`, shuffled with the system random source.
    public init(announce: String?, announceList: [[String]]?) {
        var generator = SystemRandomNumberGenerator()
        self.init(announce: announce, announceList: announceList, using: &generator)
    }

    /// Every tracker in the order a round tries them.
    public var ordered: [Entry] {
        tiers.enumerated().flatMap { tier, urls in urls.map { Entry(url: $0, tier: tier) } }
    }

    public var isEmpty: Bool { tiers.isEmpty }

    /// Records a successful announce to `url`: it moves to the front of its tier. Unknown URLs are ignored.
    public mutating func succeeded(_ url: String) {
        for index in tiers.indices {
            if let position = tiers[index].firstIndex(of: url) {
                tiers[index].remove(at: position)
                tiers[index].insert(url, at: 0)
                return
            }
        }
    }
}
