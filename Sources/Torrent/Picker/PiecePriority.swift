/// How much a file (and so its pieces) is wanted. `skip` files are not downloaded; pieces they share with a
/// wanted file are, because a piece is the unit of verification.
public enum PiecePriority: UInt8, Sendable, Comparable, Codable, CaseIterable {
    case skip = 0
    case low = 1
    case normal = 4
    case high = 7

    public static func < (lhs: PiecePriority, rhs: PiecePriority) -> Bool { lhs.rawValue < rhs.rawValue }
}
