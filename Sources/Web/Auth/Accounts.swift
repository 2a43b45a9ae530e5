import Crypto
import Logging
import Store

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The users, their login sessions and their API tokens: the SQLite tables are the durable copy, and all of it is
/// held in memory as well (bounded by ``AuthSettings``), so authenticating a request never touches the disk.
///
/// Contract: session ids and API tokens exist in clear only in the answer to a login or a token creation; the
/// store and this actor keep their SHA-256. A session lasts `sessionSeconds` and is renewed (one write) when used
/// in the second half of its life. Removing a user, changing its role or password ends its sessions. The last
/// admin can be neither removed nor demoted. Changing any password or removing a user also replaces the key of the
/// signed stream links (``streamLinks``), so every link handed out before stops working. Passwords are checked through the ``PasswordHasher`` gate; an unknown
/// username costs the same scrypt run as a wrong password, so timing does not tell which names exist.
public actor Accounts {
    public let settings: AuthSettings
    public let hasher: PasswordHasher
    private let store: Store
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    /// Signs and checks stream links for external players; its key is in the store and rotates with passwords.
    public nonisolated let streamLinks: StreamLinks

    private var users: [Int64: UserRecord] = [:]
    private var sessions: [String: SessionRecord] = [:]
    private var tokens: [String: APITokenRecord] = [:]
    /// Compared against when the username is unknown, so the answer takes as long as for a wrong password.
    private let decoy: PasswordHash?

    /// Loads everything from the store (dropping expired sessions).
    public init(
        store: Store, settings: AuthSettings, hasher: PasswordHasher? = nil, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }
    ) async throws {
        self.store = store
        self.settings = settings
        self.hasher = hasher ?? PasswordHasher(maxConcurrent: settings.maxConcurrentHashes)
        self.logger = logger
        self.clock = clock
        let now = clock()
        let (users, sessions, tokens, linkKey) = try await store.write { database in
            try SessionTable.deleteExpired(now: now, in: database)
            var linkKey = StreamLinks.parseKey(try MetaTable.value(StreamLinks.metaKey, in: database))
            if linkKey == nil {
                let fresh = StreamLinks.freshKey()
                try MetaTable.set(StreamLinks.metaKey, to: StreamLinks.encodeKey(fresh), in: database)
                linkKey = fresh
            }
            return (
                try UserTable.all(in: database), try SessionTable.all(in: database), try APITokenTable.all(in: database),
                linkKey ?? StreamLinks.freshKey()
            )
        }
        self.streamLinks = StreamLinks(key: linkKey, lifetimeSeconds: settings.streamLinkSeconds, clock: clock)
        self.users = Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0) })
        self.sessions = Dictionary(sessions.map { ($0.idHash, $0) }, uniquingKeysWith: { $1 })
        self.tokens = Dictionary(tokens.map { ($0.tokenHash, $0) }, uniquingKeysWith: { $1 })
        let decoyCost = settings.passwordParameters
        let fakeHash = "$scrypt$ln=\(decoyCost.logN),r=\(decoyCost.r),p=\(decoyCost.p)$"
            + Base64URL.encode(SecureRandom.bytes(16)) + "$" + Base64URL.encode(SecureRandom.bytes(32))
        decoy = try? PasswordHash(parsing: fakeHash)
    }

    // MARK: Users

    /// A user as the API lists it (never the hash).
    public struct User: Sendable, Equatable, Codable {
        public let id: Int64
        public let username: String
        public let role: Role
        public let createdAt: Int64
    }

    public var userList: [User] {
        users.values.sorted { $0.id < $1.id }.map(Self.user)
    }

    public var hasAdmin: Bool { users.values.contains { $0.role == Role.admin.rawValue } }
    public var userCount: Int { users.count }

    /// Creates a user from a password (hashed here, through the gate).
    public func createUser(_ username: String, password: String, role: Role) async throws -> User {
        try AccountRules.checkNewPassword(password)
        let hash = try await hasher.hash(password, parameters: settings.passwordParameters)
        return try await createUser(username, hash: hash, role: role)
    }

    /// Creates a user from an existing hash (a preseed file's `admin_password_hash`).
    public func createUser(_ username: String, hash: PasswordHash, role: Role) async throws -> User {
        let name = try AccountRules.checkUsername(username)
        guard !users.values.contains(where: { $0.username == name }) else { throw AccountError.usernameTaken(name) }
        guard users.count < settings.maxUsers else { throw AccountError.limitReached("users", settings.maxUsers) }
        var record = UserRecord(username: name, passwordHash: hash.string, role: role.rawValue, createdAt: clock())
        let snapshot = record
        record.id = try await store.write { try UserTable.insert(snapshot, in: $0) }
        users[record.id] = record
        logger.notice("user created", metadata: ["user": "\(name)", "role": "\(role.rawValue)"])
        return Self.user(record)
    }

    /// Sets a new password; every session of the user ends except `keepingSession` (the one that asked).
    public func setPassword(of id: Int64, to password: String, keepingSession: String? = nil) async throws {
        try AccountRules.checkNewPassword(password)
        guard users[id] != nil else { throw AccountError.noSuchUser }
        let hash = try await hasher.hash(password, parameters: settings.passwordParameters)
        try await setPasswordHash(of: id, to: hash, keepingSession: keepingSession)
    }

    /// Sets a new password hash (preseed, or after hashing); the user's other sessions end.
    public func setPasswordHash(of id: Int64, to hash: PasswordHash, keepingSession: String? = nil) async throws {
        guard var record = users[id] else { throw AccountError.noSuchUser }
        record.passwordHash = hash.string
        let keep = keepingSession.map(Self.digest)
        let ended = sessions.values.filter { $0.userID == id && $0.idHash != keep }.map(\.idHash)
        let linkKey = StreamLinks.freshKey()
        try await store.write { database in
            try UserTable.setPasswordHash(hash.string, of: id, in: database)
            for idHash in ended { try SessionTable.delete(idHash, in: database) }
            try MetaTable.set(StreamLinks.metaKey, to: StreamLinks.encodeKey(linkKey), in: database)
        }
        streamLinks.replaceKey(linkKey)
        users[id] = record
        for idHash in ended { sessions[idHash] = nil }
        logger.notice("password changed", metadata: ["user": "\(record.username)"])
    }

    /// Changes a user's role; its sessions end. The last admin cannot be demoted.
    public func setRole(of id: Int64, to role: Role) async throws {
        guard var record = users[id] else { throw AccountError.noSuchUser }
        if record.role == Role.admin.rawValue, role != .admin, adminCount == 1 { throw AccountError.lastAdmin }
        record.role = role.rawValue
        try await store.write { database in
            try UserTable.setRole(role.rawValue, of: id, in: database)
            try SessionTable.deleteAll(ofUser: id, in: database)
        }
        users[id] = record
        sessions = sessions.filter { $0.value.userID != id }
    }

    /// Removes a user with its sessions and tokens. The last admin cannot be removed.
    public func deleteUser(_ id: Int64) async throws {
        guard let record = users[id] else { throw AccountError.noSuchUser }
        if record.role == Role.admin.rawValue, adminCount == 1 { throw AccountError.lastAdmin }
        let linkKey = StreamLinks.freshKey()
        try await store.write { database in
            try UserTable.delete(id, in: database)
            try MetaTable.set(StreamLinks.metaKey, to: StreamLinks.encodeKey(linkKey), in: database)
        }
        streamLinks.replaceKey(linkKey)
        users[id] = nil
        sessions = sessions.filter { $0.value.userID != id }
        tokens = tokens.filter { $0.value.userID != id }
        logger.notice("user removed", metadata: ["user": "\(record.username)"])
    }

    /// The user with this name, if any.
    public func user(named username: String) -> User? {
        users.values.first { $0.username == username }.map(Self.user)
    }

    private var adminCount: Int { users.values.filter { $0.role == Role.admin.rawValue }.count }

    // MARK: Sessions

    /// A new login session: the id goes into the cookie, the CSRF token into pages.
    public struct NewSession: Sendable {
        public let id: String
        public let csrfToken: String
        public let identity: Identity
        public let maxAgeSeconds: Int64
    }

    /// Checks the password and opens a session; nil when the username or password is wrong (the same answer
    /// either way). Throws ``PasswordHasherBusy`` when too many checks are running.
    public func login(username: String, password: String) async throws -> NewSession? {
        guard let record = users.values.first(where: { $0.username == username }),
              let hash = try? PasswordHash(parsing: record.passwordHash) else {
            if let decoy { _ = try? await hasher.verify(password, against: decoy) }
            return nil
        }
        guard (try? await hasher.verify(password, against: hash)) == true else { return nil }
        // The user may have been removed while the hash ran.
        guard users[record.id] != nil else { return nil }
        return try await openSession(for: record.id)
    }

    /// Opens a session for a user without a password check (right after the setup wizard created the admin).
    public func openSession(for userID: Int64) async throws -> NewSession {
        guard let record = users[userID], let role = Role(rawValue: record.role) else { throw AccountError.noSuchUser }
        let now = clock()
        let id = SecureRandom.token()
        let session = SessionRecord(
            idHash: Self.digest(id), userID: userID, csrfToken: SecureRandom.token(), createdAt: now,
            expiresAt: now + settings.sessionSeconds
        )
        var dropped = sessions.values.filter { $0.expiresAt <= now }.map(\.idHash)
        let live = sessions.count - dropped.count
        if live >= settings.maxSessions {
            let oldest = sessions.values.filter { $0.expiresAt > now }.sorted { $0.createdAt < $1.createdAt }
            dropped += oldest.prefix(live - settings.maxSessions + 1).map(\.idHash)
        }
        try await store.write { database in
            for idHash in dropped { try SessionTable.delete(idHash, in: database) }
            try SessionTable.save(session, in: database)
        }
        for idHash in dropped { sessions[idHash] = nil }
        sessions[session.idHash] = session
        let identity = Identity(
            userID: userID, username: record.username, role: role, credential: .session(csrfToken: session.csrfToken)
        )
        return NewSession(id: id, csrfToken: session.csrfToken, identity: identity, maxAgeSeconds: settings.sessionSeconds)
    }

    /// The identity of a session cookie's value, or nil (unknown, expired, malformed). `renewed` is set when the
    /// session's life was extended and the cookie should be sent again.
    public func identity(forSession id: String) async -> (identity: Identity, renewed: Bool)? {
        guard AccountRules.isTokenShaped(id) else { return nil }
        let idHash = Self.digest(id)
        guard var session = sessions[idHash] else { return nil }
        let now = clock()
        guard session.expiresAt > now else {
            sessions[idHash] = nil
            try? await store.write { try SessionTable.delete(idHash, in: $0) }
            return nil
        }
        guard let user = users[session.userID], let role = Role(rawValue: user.role) else { return nil }
        var renewed = false
        if session.expiresAt - now < settings.sessionSeconds / 2 {
            session.expiresAt = now + settings.sessionSeconds
            sessions[idHash] = session
            let saved = session
            try? await store.write { try SessionTable.save(saved, in: $0) }
            renewed = true
        }
        let identity = Identity(userID: user.id, username: user.username, role: role, credential: .session(csrfToken: session.csrfToken))
        return (identity, renewed)
    }

    /// Ends the session with this cookie value (unknown values are ignored).
    public func logout(session id: String) async {
        let idHash = Self.digest(id)
        guard sessions.removeValue(forKey: idHash) != nil else { return }
        try? await store.write { try SessionTable.delete(idHash, in: $0) }
    }

    /// Sessions held now (for tests of the bound).
    public var sessionCount: Int { sessions.count }

    // MARK: API tokens

    /// A token as the API lists it (never the token).
    public struct Token: Sendable, Equatable, Codable {
        public let id: Int64
        public let name: String
        public let username: String
        public let createdAt: Int64
    }

    /// Creates a token acting as `userID`; the returned string is shown once and never stored.
    public func createToken(named name: String, for userID: Int64) async throws -> (token: Token, secret: String) {
        let trimmed = try AccountRules.checkTokenName(name)
        guard users[userID] != nil else { throw AccountError.noSuchUser }
        guard tokens.count < settings.maxTokens else { throw AccountError.limitReached("API tokens", settings.maxTokens) }
        let secret = "rill_" + SecureRandom.token()
        var record = APITokenRecord(name: trimmed, tokenHash: Self.digest(secret), userID: userID, createdAt: clock())
        let snapshot = record
        record.id = try await store.write { try APITokenTable.insert(snapshot, in: $0) }
        tokens[record.tokenHash] = record
        logger.notice("API token created", metadata: ["name": "\(trimmed)"])
        return (token(record), secret)
    }

    public var tokenList: [Token] {
        tokens.values.sorted { $0.id < $1.id }.map(token)
    }

    /// Revokes a token at once.
    public func revokeToken(_ id: Int64) async throws {
        guard let entry = tokens.first(where: { $0.value.id == id }) else { throw AccountError.noSuchToken }
        try await store.write { try APITokenTable.delete(id, in: $0) }
        tokens[entry.key] = nil
    }

    /// The identity a bearer token stands for, or nil.
    public func identity(forToken secret: String) -> Identity? {
        guard secret.hasPrefix("rill_"), AccountRules.isTokenShaped(secret.dropFirst(5)) else { return nil }
        guard let record = tokens[Self.digest(secret)], let user = users[record.userID], let role = Role(rawValue: user.role) else {
            return nil
        }
        return Identity(userID: user.id, username: user.username, role: role, credential: .token(id: record.id))
    }

    /// Replaces the stream link key: every link handed out so far stops working.
    public func revokeStreamLinks() async throws {
        let linkKey = StreamLinks.freshKey()
        try await store.write { try MetaTable.set(StreamLinks.metaKey, to: StreamLinks.encodeKey(linkKey), in: $0) }
        streamLinks.replaceKey(linkKey)
    }

    // MARK: Helpers

    private func token(_ record: APITokenRecord) -> Token {
        Token(id: record.id, name: record.name, username: users[record.userID]?.username ?? "?", createdAt: record.createdAt)
    }

    private static func user(_ record: UserRecord) -> User {
        User(id: record.id, username: record.username, role: Role(rawValue: record.role) ?? .user, createdAt: record.createdAt)
    }

    /// SHA-256 in hex: what the store keeps of a session id or token.
    static func digest(_ secret: String) -> String {
        let digest = SHA256.hash(data: Array(secret.utf8))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What an account operation refused.
public enum AccountError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidUsername
    case usernameTaken(String)
    case weakPassword(String)
    case invalidTokenName
    case noSuchUser
    case noSuchToken
    case lastAdmin
    case limitReached(String, Int)

    public var description: String {
        switch self {
        case .invalidUsername: "a username has 1 to 32 characters: letters, digits, '.', '_' or '-'"
        case .usernameTaken(let name): "the username \(name) is taken"
        case .weakPassword(let why): why
        case .invalidTokenName: "a token name has 1 to 64 printable characters"
        case .noSuchUser: "no such user"
        case .noSuchToken: "no such API token"
        case .lastAdmin: "the last admin cannot be removed or made a user"
        case .limitReached(let what, let limit): "at most \(limit) \(what)"
        }
    }
}

/// The shapes names, passwords and secrets must have.
enum AccountRules {
    static let minimumPasswordLength = 8

    static func checkUsername(_ name: String) throws(AccountError) -> String {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard (1...32).contains(name.utf8.count), allowed else { throw .invalidUsername }
        return name
    }

    static func checkNewPassword(_ password: String) throws(AccountError) {
        guard password.count >= minimumPasswordLength else {
            throw .weakPassword("a password needs at least \(minimumPasswordLength) characters")
        }
        guard password.utf8.count <= PasswordHash.Limits.passwordBytes.upperBound else {
            throw .weakPassword("a password may have at most \(PasswordHash.Limits.passwordBytes.upperBound) bytes")
        }
    }

    static func checkTokenName(_ name: String) throws(AccountError) -> String {
        let trimmed = name.trimmed
        guard (1...64).contains(trimmed.count), trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .invalidTokenName
        }
        return trimmed
    }

    /// 20–64 characters of base64url: what a session id or a token's random part looks like.
    static func isTokenShaped(_ text: some StringProtocol) -> Bool {
        (20...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}
