/// Everything the web layer needs for authentication, handed over in `WebContext.auth`.
public struct WebAuth: Sendable {
    public let accounts: Accounts
    public let setup: SetupState
    public let limiter: LoginLimiter

    public init(accounts: Accounts, setup: SetupState, limiter: LoginLimiter) {
        self.accounts = accounts
        self.setup = setup
        self.limiter = limiter
    }

    /// Makes the limiter from the accounts' settings.
    public init(accounts: Accounts, setup: SetupState, now: Double) {
        let settings = accounts.settings
        self.init(
            accounts: accounts, setup: setup,
            limiter: LoginLimiter(
                perAddress: settings.loginAttemptsPerAddress, global: settings.loginAttemptsGlobal,
                maxAddresses: settings.limiterAddresses, now: now
            )
        )
    }
}

import Config
import Logging
import Store

extension WebAuth {
    /// Accounts and the setup flag from the store, with the limits of `[auth]`.
    public static func open(store: Store, config: RillConfig.AuthSection, logger: Logger, now: Double) async throws -> WebAuth {
        var settings = AuthSettings(
            sessionSeconds: Int64(config.sessionDays) * 86_400, maxSessions: config.maxSessions,
            loginAttemptsPerAddress: config.loginAttemptsPerMinute, loginAttemptsGlobal: config.globalLoginAttemptsPerMinute,
            maxConcurrentHashes: config.maxConcurrentHashes
        )
        settings.streamLinkSeconds = Int64(config.streamLinkHours) * 3_600
        let accounts = try await Accounts(store: store, settings: settings, logger: logger)
        return WebAuth(accounts: accounts, setup: try await SetupState.load(from: store), now: now)
    }
}
