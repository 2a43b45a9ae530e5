import Hummingbird
import HTTPTypes

/// `/login` (form and its POST) and `POST /logout`.
struct LoginPages {
    let auth: WebAuth
    let pages: PageRoutes

    func register(on router: some RouterMethods<RillRequestContext>) {
        let auth = auth, pages = pages
        router.get("login") { request, context -> Response in
            let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
            return HTML.response(Self.page(pages.layout(context, "Log in"), next: next, error: nil, username: ""))
        }
        router.post("login") { request, context -> Response in
            var request = request
            let form = try await PageRoutes.form(&request, context)
            let next = Self.safeNext(form["next"])
            let username = form["username"]?.trimmed ?? ""
            do {
                let session = try await AuthRoutes.login(auth: auth, username: username, password: form["password"] ?? "", context: context)
                return HTML.redirect(next, headers: [.setCookie: AuthMiddleware.sessionCookieHeader(session.id, maxAge: session.maxAgeSeconds)])
            } catch let refused as LoginRefused {
                let status: HTTPResponse.Status = switch refused {
                case .invalid: .unauthorized
                case .tooManyAttempts: .tooManyRequests
                case .busy: .serviceUnavailable
                }
                return HTML.response(Self.page(pages.layout(context, "Log in"), next: next, error: refused.apiError.message, username: username), status: status)
            }
        }
        router.post("logout") { request, _ -> Response in
            if let id = AuthMiddleware.sessionCookie(request) { await auth.accounts.logout(session: id) }
            return HTML.redirect("/login", headers: [.setCookie: AuthMiddleware.clearedCookieHeader])
        }
    }

    /// Only a local path may follow a login (no `//host`, no scheme).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), !next.contains("\r"), !next.contains("\n") else { return "/" }
        return next
    }

    static func page(_ layout: Layout, next: String, error: String?, username: String) -> String {
        var frame = layout
        frame.navigation = false
        var body = "<div class=\"center\"><h1>Log in</h1>"
        if let error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        body += """
            <form method="post" action="/login" class="card">\
            <input type="hidden" name="next" value="\(HTML.escape(next))">\
            <label for="username">Username</label>\
            <input id="username" name="username" autocomplete="username" autocapitalize="none" required value="\(HTML.escape(username))">\
            <label for="password">Password</label>\
            <input id="password" name="password" type="password" autocomplete="current-password" required>\
            <div class="actions"><button type="submit">Log in</button></div></form></div>
            """
        return frame.render(body)
    }
}

/// `/account`: change my own password (every user).
struct AccountPages {
    let auth: WebAuth
    let pages: PageRoutes

    func register(on router: some RouterMethods<RillRequestContext>) {
        let auth = auth, pages = pages
        router.get("account") { request, context -> Response in
            let saved = request.uri.queryParameters["saved"] != nil
            return HTML.response(Self.page(pages.layout(context, "Account", .account), message: saved ? "Password changed." : nil, error: nil))
        }
        router.post("account/password") { request, context -> Response in
            var request = request
            guard let identity = context.identity else { return HTML.redirect("/login") }
            let form = try await PageRoutes.form(&request, context)
            guard form["new_password"] == form["repeat_password"] else {
                return HTML.response(Self.page(pages.layout(context, "Account", .account), message: nil, error: "The two new passwords differ."), status: .badRequest)
            }
            do {
                try await AuthRoutes.changePassword(
                    auth: auth, identity: identity, current: form["current_password"] ?? "", new: form["new_password"] ?? "",
                    request: request, context: context
                )
                return HTML.redirect("/account?saved=1")
            } catch let error as APIError {
                return HTML.response(Self.page(pages.layout(context, "Account", .account), message: nil, error: error.message), status: error.status)
            } catch let refused as LoginRefused {
                return HTML.response(Self.page(pages.layout(context, "Account", .account), message: nil, error: refused.apiError.message), status: refused.apiError.status)
            }
        }
    }

    static func page(_ layout: Layout, message: String?, error: String?) -> String {
        var body = "<h1>Account</h1>"
        if let message { body += "<p class=\"banner good\" role=\"status\">\(HTML.escape(message))</p>" }
        if let error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        body += """
            <form method="post" action="/account/password" class="card"><h2>Change my password</h2>\
            \(HTML.csrfField(layout.identity))\
            <label for="current_password">Current password</label>\
            <input id="current_password" name="current_password" type="password" autocomplete="current-password" required>\
            <label for="new_password">New password (at least 8 characters)</label>\
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="8" required>\
            <label for="repeat_password">New password again</label>\
            <input id="repeat_password" name="repeat_password" type="password" autocomplete="new-password" minlength="8" required>\
            <div class="actions"><button type="submit">Change password</button></div></form>
            """
        return layout.render(body)
    }
}
