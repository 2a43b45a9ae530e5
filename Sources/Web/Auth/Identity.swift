/// What a person may do. Users watch, add and play; admins also change settings, the VPN, users and the system.
public enum Role: String, Sendable, Codable, CaseIterable {
    case admin
    case user
}

/// Who made a request, as the auth middleware established it and routes read it from the request context.
public struct Identity: Sendable, Equatable {
    /// How the request proved who it is.
    public enum Credential: Sendable, Equatable {
        /// The `rill_session` cookie; `csrfToken` is the session's token that unsafe requests must echo.
        case session(csrfToken: String)
        /// `Authorization: Bearer …` (an API token; no CSRF check: browsers never add it on their own).
        case token(id: Int64)
    }

    public let userID: Int64
    public let username: String
    public let role: Role
    public let credential: Credential

    public init(userID: Int64, username: String, role: Role, credential: Credential) {
        self.userID = userID
        self.username = username
        self.role = role
        self.credential = credential
    }

    public var isAdmin: Bool { role == .admin }

    /// The CSRF token pages put into their forms (nil for token-authenticated requests).
    public var csrfToken: String? {
        if case .session(let token) = credential { return token }
        return nil
    }
}
