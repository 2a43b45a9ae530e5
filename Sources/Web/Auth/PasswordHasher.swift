import NIOPosix

/// Runs scrypt hashing and verification off the cooperative pool, at most `maxConcurrent` at a time, with at most
/// `maxWaiting` more queued; beyond that a call fails at once with ``PasswordHasherBusy`` (the route answers 503).
///
/// Each computation holds N·r·128 bytes (16 MiB with the standard parameters) until it ends, so this gate is what
/// keeps a flood of logins from exhausting a 512 MiB board's memory; the login limiter keeps the flood short.
public actor PasswordHasher {
    public let maxConcurrent: Int
    public let maxWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let pool: NIOThreadPool

    public init(maxConcurrent: Int, maxWaiting: Int = 8, pool: NIOThreadPool = .singleton) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxWaiting = max(0, maxWaiting)
        self.pool = pool
    }

    /// A new hash of `password`.
    public func hash(_ password: String, parameters: PasswordHash.Parameters = .standard) async throws -> PasswordHash {
        try await gated { try PasswordHash.make(password: password, parameters: parameters) }
    }

    /// Whether `password` matches `hash`.
    public func verify(_ password: String, against hash: PasswordHash) async throws -> Bool {
        try await gated { try hash.verify(password) }
    }

    /// The peak number of computations that ran at once (for tests).
    public private(set) var peakRunning = 0

    private func gated<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        if running >= maxConcurrent {
            guard waiting.count < maxWaiting else { throw PasswordHasherBusy() }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        peakRunning = max(peakRunning, running)
        defer { release() }
        return try await pool.runIfActive(work)
    }

    /// Hands the slot to the next waiter (which then counts as running) or frees it.
    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// Too many password computations are running or queued; try again shortly.
public struct PasswordHasherBusy: Error, Sendable {}
