import Device
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// `/api/v1/auth`: log in (sets the `rill_session` cookie), log out, who am I, change my password.
///
/// - `POST /api/v1/auth/login` `{"username","password"}` → 200 `{"username","role","csrf_token"}` with
///   `Set-Cookie`; a wrong name or password is 401 `invalid_login` (the same for both); over the login limiter
///   429 `too_many_attempts` with `Retry-After`; too many password checks running 503 `busy`.
/// - `POST /api/v1/auth/logout` → 204, the session ends and the cookie is cleared.
/// - `GET /api/v1/auth/me` → `{"username","role","csrf_token"}` (`csrf_token` null for API tokens).
/// - `POST /api/v1/auth/password` `{"current_password","new_password"}` → 204; other sessions of the user end.
struct AuthRoutes {
    let auth: WebAuth

    func register(on router: some RouterMethods<RillRequestContext>) {
        let auth = auth
        router.post("api/v1/auth/login") { request, context -> Response in
            let body = try await request.decode(as: LoginBody.self, context: context)
            let session = try await Self.login(auth: auth, username: body.username, password: body.password, context: context)
            var response = try context.responseEncoder.encode(
                Me(username: session.identity.username, role: session.identity.role.rawValue, csrfToken: session.csrfToken),
                from: request, context: context
            )
            response.headers.append(HTTPField(name: .setCookie, value: AuthMiddleware.sessionCookieHeader(session.id, maxAge: session.maxAgeSeconds)))
            return response
        }
        router.post("api/v1/auth/logout") { request, _ -> Response in
            if let id = AuthMiddleware.sessionCookie(request) { await auth.accounts.logout(session: id) }
            return Response(status: .noContent, headers: [.setCookie: AuthMiddleware.clearedCookieHeader])
        }
        router.get("api/v1/auth/me") { _, context -> Me in
            guard let identity = context.identity else { throw APIError(.unauthorized, code: "unauthorized", message: "not logged in") }
            return Me(username: identity.username, role: identity.role.rawValue, csrfToken: identity.csrfToken)
        }
        router.post("api/v1/auth/password") { request, context -> HTTPResponse.Status in
            guard let identity = context.identity else { throw APIError(.unauthorized, code: "unauthorized", message: "not logged in") }
            let body = try await request.decode(as: PasswordChange.self, context: context)
            try await Self.changePassword(auth: auth, identity: identity, current: body.currentPassword, new: body.newPassword, request: request, context: context)
            return .noContent
        }
    }

    /// The login both the API and the login page use: the limiter, then the password check.
    static func login(auth: WebAuth, username: String, password: String, context: RillRequestContext) async throws -> Accounts.NewSession {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        let (allowed, retryAfter) = auth.limiter.allow(address, now: SystemFacts.monotonicSeconds())
        guard allowed else { throw LoginRefused.tooManyAttempts(retryAfter: retryAfter) }
        do {
            guard let session = try await auth.accounts.login(username: username, password: password) else {
                context.logger.notice("login failed", metadata: ["user": "\(username.prefix(32))", "from": "\(address)"])
                throw LoginRefused.invalid
            }
            context.logger.info("login", metadata: ["user": "\(session.identity.username)", "from": "\(address)"])
            return session
        } catch is PasswordHasherBusy {
            throw LoginRefused.busy
        }
    }

    static func changePassword(
        auth: WebAuth, identity: Identity, current: String, new: String, request: Request, context: RillRequestContext
    ) async throws {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard auth.limiter.allow(address, now: SystemFacts.monotonicSeconds()).allowed else { throw LoginRefused.tooManyAttempts(retryAfter: 60) }
        do {
            guard try await auth.accounts.login(username: identity.username, password: current) != nil else {
                throw APIError(.forbidden, code: "invalid_login", message: "the current password is wrong")
            }
        } catch is PasswordHasherBusy {
            throw LoginRefused.busy
        }
        do {
            try await auth.accounts.setPassword(of: identity.userID, to: new, keepingSession: AuthMiddleware.sessionCookie(request))
        } catch let error as AccountError {
            throw APIError.badRequest(error.description)
        }
    }
}

/// Why a login was refused, as the API answers it.
enum LoginRefused: Error {
    case invalid
    case tooManyAttempts(retryAfter: Int)
    case busy

    var apiError: APIError {
        switch self {
        case .invalid: APIError(.unauthorized, code: "invalid_login", message: "wrong username or password")
        case .tooManyAttempts(let seconds): APIError(.tooManyRequests, code: "too_many_attempts", message: "too many login attempts; try again in \(seconds) s")
        case .busy: APIError(.serviceUnavailable, code: "busy", message: "too many logins at once; try again in a moment")
        }
    }
}

struct LoginBody: Decodable {
    let username: String
    let password: String
}

struct PasswordChange: Decodable {
    let currentPassword: String
    let newPassword: String
}

struct Me: ResponseEncodable {
    let username: String
    let role: String
    let csrfToken: String?
}
