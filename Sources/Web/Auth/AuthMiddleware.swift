import Hummingbird
import HTTPTypes
import NIOCore

/// The router-wide gate: establishes who is asking, refuses cross-site writes, and applies ``AccessPolicy``.
///
/// Order of checks for every request:
/// 1. Credentials: `Authorization: Bearer <token>` (a wrong token is 401 at once), else the `rill_session`
///    cookie (an unknown or expired one counts as none). The identity goes into the context.
/// 2. Unsafe methods (POST, PUT, PATCH, DELETE): a request whose `Origin` (or, without one, `Referer`) names
///    another origin than `Host`, or whose `Sec-Fetch-Site` is `cross-site`, is refused (403 `cross_site`),
///    with or without credentials. A cookie-authenticated one must also carry the session's CSRF token, in the
///    `X-CSRF-Token` header or a `_csrf` form field (403 `csrf_failed`); token-authenticated ones need none.
/// 3. Access: public routes pass; `GET`/`HEAD` of a stream path with a valid signed link (``StreamLinks``) passes
///    (an invalid or expired one is 403 `link_invalid` / `link_expired`); before setup with no admin, the API passes and pages go to `/setup`; else a
///    request without an identity gets 401 (API) or 303 to `/login?next=…` (pages).
///
/// Before all of this, a request the daemon's own ffmpeg makes (``SidecarAccess``) passes.
///
/// A session in the second half of its life is renewed and its cookie sent again with the response.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = RillRequestContext
    public static let cookieName = "rill_session"

    let accounts: Accounts
    let setup: SetupState
    /// The most bytes of a form body read for its CSRF field (the body limit).
    let formLimit: Int
    /// The daemon's own ffmpeg/ffprobe reading stream URLs on loopback (see ``SidecarAccess``).
    let sidecar: SidecarAccess?

    public init(accounts: Accounts, setup: SetupState, formLimit: Int, sidecar: SidecarAccess? = nil) {
        self.accounts = accounts
        self.setup = setup
        self.formLimit = formLimit
        self.sidecar = sidecar
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        let path = request.uri.path
        let method = request.method
        // The transcoder's own reads of a stream: no user, no cookie; only GET/HEAD /stream/ from loopback.
        if let sidecar, sidecar.admits(request, channel: context.channel) { return try await next(request, context) }

        var renewedSession: (id: String, maxAge: Int64)?
        if let authorization = request.headers[.authorization] {
            guard let token = Self.bearerToken(authorization), let identity = await accounts.identity(forToken: token) else {
                throw APIError(.unauthorized, code: "unauthorized", message: "the API token is not valid (it may have been revoked)")
            }
            context.identity = identity
        } else if let sessionID = Self.sessionCookie(request) {
            if let (identity, renewed) = await accounts.identity(forSession: sessionID) {
                context.identity = identity
                if renewed { renewedSession = (sessionID, accounts.settings.sessionSeconds) }
            }
        }

        // A signed stream link (`?link=`) stands in for credentials on GET/HEAD of exactly its stream path; it is
        // not an identity. A link that does not verify is refused; one on any other path is ignored.
        var viaStreamLink = false
        if context.identity == nil, method == .get || method == .head,
           let token = request.uri.queryParameters[Substring(StreamLinks.queryName)], let target = StreamLinks.target(ofPath: path) {
            switch accounts.streamLinks.check(String(token), infoHash: target.infoHash, index: target.index) {
            case .valid: viaStreamLink = true
            case .expired: throw APIError(.forbidden, code: "link_expired", message: "this stream link has expired: copy a new one from the transfer's page")
            case .invalid: throw APIError(.forbidden, code: "link_invalid", message: "this stream link is not valid for this file (or was revoked by a password change)")
            }
        }

        if AccessPolicy.isUnsafe(method) {
            if let foreign = Self.crossSiteReason(request) {
                throw APIError(.forbidden, code: "cross_site", message: "refused a request from another site (\(foreign))")
            }
            if case .session(let expected)? = context.identity?.credential {
                var supplied = request.headers[HTTPField.Name("X-CSRF-Token")!]
                if supplied == nil, let form = try await FormBody.read(&request, limit: formLimit) {
                    context.form = form
                    supplied = form["_csrf"]
                }
                guard let supplied, ConstantTime.equal(supplied, expected) else {
                    throw APIError(.forbidden, code: "csrf_failed", message: "the form is stale or came from another site: reload the page and try again")
                }
            }
        }

        if !AccessPolicy.isPublic(method, path), !viaStreamLink {
            let phase = await phase()
            switch phase {
            case .open:
                if !AccessPolicy.isAPI(path), !AccessPolicy.isSetup(path), context.identity == nil {
                    return Self.redirect(to: "/setup")
                }
            case .settingUp:
                if AccessPolicy.isSetupOverview(method, path) { break }
                if context.identity == nil { return try Self.refuse(request) }
                if !AccessPolicy.isAPI(path), !AccessPolicy.isSetup(path), path != "/logout" { return Self.redirect(to: "/setup") }
            case .done:
                if context.identity == nil { return try Self.refuse(request) }
            }
        }

        var response = try await next(request, context)
        if let renewedSession {
            response.headers.append(HTTPField(
                name: .setCookie, value: Self.sessionCookieHeader(renewedSession.id, maxAge: renewedSession.maxAge)
            ))
        }
        return response
    }

    /// Where the auth rules stand now.
    func phase() async -> AccessPolicy.Phase {
        if setup.isDone { return .done }
        return await accounts.hasAdmin ? .settingUp : .open
    }

    // MARK: Pieces, shared with the login routes

    /// `Set-Cookie` value for a session: HTTP-only, SameSite=Strict, the whole site.
    public static func sessionCookieHeader(_ id: String, maxAge: Int64) -> String {
        "\(cookieName)=\(id); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
    }

    /// `Set-Cookie` value that removes the session cookie.
    public static let clearedCookieHeader = "\(cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"

    static func sessionCookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for item in header.split(separator: ";") {
                let pair = item.trimmed
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }

    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmed
    }

    /// Why an unsafe request looks cross-site, or nil. Requests without `Origin`, `Referer` and `Sec-Fetch-Site`
    /// (scripts, curl) pass this check; browsers send `Origin` on every cross-origin POST.
    static func crossSiteReason(_ request: Request) -> String? {
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site" { return "Sec-Fetch-Site: cross-site" }
        let host = request.head.authority ?? ""
        if let origin = request.headers[.origin] {
            return origin == "http://\(host)" || origin == "https://\(host)" ? nil : "Origin \(origin.prefix(100))"
        }
        if let referer = request.headers[.referer] {
            let ok = referer.hasPrefix("http://\(host)/") || referer.hasPrefix("https://\(host)/")
                || referer == "http://\(host)" || referer == "https://\(host)"
            return ok ? nil : "Referer from another origin"
        }
        return nil
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// 401 for the API, a redirect to the login page (coming back here afterwards) for pages.
    static func refuse(_ request: Request) throws -> Response {
        let path = request.uri.path
        if AccessPolicy.isAPI(path) {
            throw APIError(.unauthorized, code: "unauthorized", message: "log in first: send the rill_session cookie or Authorization: Bearer <token>")
        }
        let back = request.method == .get ? request.uri.description : "/"
        return redirect(to: "/login?next=" + PercentEncoding.encode(back))
    }
}

/// Percent-encoding for a query value.
enum PercentEncoding {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }
}
