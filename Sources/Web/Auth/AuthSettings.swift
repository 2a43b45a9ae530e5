/// The limits of authentication, from `[auth]` in the configuration.
public struct AuthSettings: Sendable, Equatable {
    /// How long a login lasts; a session used in the second half of its life is renewed.
    public var sessionSeconds: Int64
    /// Sessions kept at once (all of them live in memory); the oldest is dropped when a new one would pass it.
    public var maxSessions: Int
    /// API tokens kept at once.
    public var maxTokens: Int
    /// Users at most.
    public var maxUsers: Int
    /// Login attempts per client address per minute (a burst of this many, refilled over a minute).
    public var loginAttemptsPerAddress: Int
    /// Login attempts per minute from everyone together.
    public var loginAttemptsGlobal: Int
    /// Client addresses the limiter remembers (the least recently seen is forgotten first).
    public var limiterAddresses: Int
    /// scrypt computations at once (each holds 16 MiB).
    public var maxConcurrentHashes: Int
    /// The scrypt cost of new password hashes (existing hashes keep theirs).
    public var passwordParameters: PasswordHash.Parameters = .standard
    /// How long a signed stream link lasts (``StreamLinks``).
    public var streamLinkSeconds: Int64 = 86_400

    public init(
        sessionSeconds: Int64 = 30 * 86_400, maxSessions: Int = 256, maxTokens: Int = 64, maxUsers: Int = 64,
        loginAttemptsPerAddress: Int = 10, loginAttemptsGlobal: Int = 60, limiterAddresses: Int = 1024,
        maxConcurrentHashes: Int = 1
    ) {
        self.sessionSeconds = sessionSeconds
        self.maxSessions = maxSessions
        self.maxTokens = maxTokens
        self.maxUsers = maxUsers
        self.loginAttemptsPerAddress = loginAttemptsPerAddress
        self.loginAttemptsGlobal = loginAttemptsGlobal
        self.limiterAddresses = limiterAddresses
        self.maxConcurrentHashes = maxConcurrentHashes
    }
}
