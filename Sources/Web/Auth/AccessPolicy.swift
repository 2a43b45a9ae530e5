import HTTPTypes

/// Which requests need which credentials: the one place that lists the public routes.
///
/// - Always public: `GET /healthz`, the login page and its POST (`/login`, `/api/v1/auth/login`) and the static
///   assets the login page uses.
/// - The setup routes (`/setup…`, `/api/v1/setup…`) are public while setup is not done and no admin exists; once
///   the wizard (or a preseed file) has made the admin, only `GET /setup` and `GET /api/v1/setup` stay public
///   and the remaining steps need that admin's session. After setup they are gone (404 behind the login).
/// - Before setup is done and while no admin exists, the JSON API is open (as it was before auth existed) and
///   pages redirect to the wizard.
/// - Otherwise everything needs a session cookie or an API token: API paths answer 401 in the JSON error shape,
///   pages redirect (303) to `/login`.
public enum AccessPolicy {
    /// `METHOD /path` of every route that never needs a login.
    public static let publicRoutes: Set<String> = [
        "GET /healthz", "HEAD /healthz",
        "GET /login", "POST /login",
        "POST /api/v1/auth/login",
        "GET /assets/app.css", "GET /assets/app.js", "GET /assets/icon.svg",
    ]

    /// Where the auth rules stand right now.
    public enum Phase: Sendable, Equatable {
        /// A fresh device: no admin yet, setup not done.
        case open
        /// An admin exists (wizard step one, or preseeded) but setup is not done.
        case settingUp
        /// Setup is done.
        case done
    }

    public static func isPublic(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        let method = method == .head ? "GET" : method.rawValue
        return publicRoutes.contains("\(method) \(path)")
    }

    /// Paths answered as an API (JSON errors, 401) rather than as pages (redirects).
    public static func isAPI(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path.hasPrefix("/stream/") || path.hasPrefix("/transcode/") || path == "/metrics" || path == "/healthz"
    }

    public static func isSetup(_ path: String) -> Bool {
        path == "/setup" || path.hasPrefix("/setup/") || path == "/api/v1/setup" || path.hasPrefix("/api/v1/setup/")
    }

    /// Setup routes that stay public while an admin exists but setup is not done: the pages that say where
    /// setup stands (and offer the login).
    static func isSetupOverview(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        (method == .get || method == .head) && (path == "/setup" || path == "/api/v1/setup")
    }

    /// Methods that change something and so need CSRF protection when a cookie authenticates them.
    static func isUnsafe(_ method: HTTPRequest.Method) -> Bool {
        !(method == .get || method == .head || method == .options)
    }
}
