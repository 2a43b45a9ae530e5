import Hummingbird
import HTTPTypes

/// `/users` (admin): the people who may log in and the API tokens for scripts (a new token is shown once, on the
/// page that answers its creation).
struct UserPages {
    let accounts: Accounts
    let pages: PageRoutes

    func register(on router: some RouterMethods<RillRequestContext>) {
        let accounts = accounts, pages = pages
        router.get("users") { _, context -> Response in
            HTML.response(await Self.page(accounts: accounts, layout: pages.layout(context, "Users", .users), note: nil, error: nil))
        }
        router.post("users") { request, context -> Response in
            var request = request
            let form = try await PageRoutes.form(&request, context)
            return await Self.act(accounts: accounts, layout: pages.layout(context, "Users", .users)) {
                _ = try await accounts.createUser(form["username"]?.trimmed ?? "", password: form["password"] ?? "", role: Role(rawValue: form["role"] ?? "") ?? .user)
                return "User \(form["username"]?.trimmed ?? "") added."
            }
        }
        router.post("users/:id/role") { request, context -> Response in
            var request = request
            let id = try UserRoutes.id(context)
            let form = try await PageRoutes.form(&request, context)
            return await Self.act(accounts: accounts, layout: pages.layout(context, "Users", .users)) {
                try await accounts.setRole(of: id, to: Role(rawValue: form["role"] ?? "") ?? .user)
                return "Role changed; that user has to log in again."
            }
        }
        router.post("users/:id/delete") { _, context -> Response in
            let id = try UserRoutes.id(context)
            return await Self.act(accounts: accounts, layout: pages.layout(context, "Users", .users)) {
                try await accounts.deleteUser(id)
                return "User removed."
            }
        }
        router.post("tokens") { request, context -> Response in
            var request = request
            let form = try await PageRoutes.form(&request, context)
            guard let identity = context.identity else { throw APIError(.forbidden, code: "forbidden", message: "log in as an admin") }
            return await Self.act(accounts: accounts, layout: pages.layout(context, "Users", .users)) {
                let (token, secret) = try await accounts.createToken(named: form["name"] ?? "", for: identity.userID)
                return "Token \(token.name) created. Copy it now, it is not shown again: \(secret)"
            }
        }
        router.post("tokens/:id/revoke") { _, context -> Response in
            let id = try UserRoutes.id(context)
            return await Self.act(accounts: accounts, layout: pages.layout(context, "Users", .users)) {
                try await accounts.revokeToken(id)
                return "Token revoked."
            }
        }
    }

    /// Runs a change and answers with the page and what happened.
    static func act(accounts: Accounts, layout: Layout, _ change: () async throws -> String) async -> Response {
        do {
            let note = try await change()
            return HTML.response(await page(accounts: accounts, layout: layout, note: note, error: nil))
        } catch {
            let message = (error as? AccountError)?.description ?? (error is PasswordHasherBusy ? "busy, try again" : "the change failed")
            return HTML.response(await page(accounts: accounts, layout: layout, note: nil, error: message), status: .badRequest)
        }
    }

    static func page(accounts: Accounts, layout: Layout, note: String?, error: String?) async -> String {
        let csrf = HTML.csrfField(layout.identity)
        var body = "<h1>Users</h1>"
        if let note { body += "<p class=\"banner good\" role=\"status\">\(HTML.escape(note))</p>" }
        if let error { body += "<p class=\"banner bad\" role=\"alert\">\(HTML.escape(error))</p>" }
        body += "<ul class=\"list card\">"
        for user in await accounts.userList {
            let name = HTML.escape(user.username)
            body += """
                <li><div class="row"><b class="grow">\(name)</b><span class="muted">\(user.role.rawValue)</span></div><div class="actions">\
                <form method="post" action="/users/\(user.id)/role">\(csrf)<label for="role-\(user.id)">Role of \(name)</label>\
                <select id="role-\(user.id)" name="role"><option value="user"\(user.role == .user ? " selected" : "")>user</option>\
                <option value="admin"\(user.role == .admin ? " selected" : "")>admin</option></select>\
                <button type="submit" class="secondary">Change role</button></form>\
                <form method="post" action="/users/\(user.id)/delete" data-confirm="Remove \(name)?">\(csrf)\
                <button type="submit" class="danger">Remove<span class="skip"> \(name)</span></button></form></div></li>
                """
        }
        body += """
            </ul><h2>Add a user</h2><form method="post" action="/users" class="card">\(csrf)\
            <label for="new-username">Username</label><input id="new-username" name="username" autocapitalize="none" required maxlength="32">\
            <label for="new-password">Password (at least 8 characters)</label><input id="new-password" name="password" type="password" autocomplete="new-password" minlength="8" required>\
            <label for="new-role">Role</label><select id="new-role" name="role"><option value="user">user: watch, add, play</option>\
            <option value="admin">admin: also settings, VPN, users, system</option></select>\
            <div class="actions"><button type="submit">Add user</button></div></form><h2>API tokens</h2><ul class="list card">
            """
        let tokens = await accounts.tokenList
        if tokens.isEmpty { body += "<li class=\"muted\">No tokens.</li>" }
        for token in tokens {
            body += """
                <li><div class="row"><b class="grow">\(HTML.escape(token.name))</b><span class="muted">as \(HTML.escape(token.username))</span>\
                <form method="post" action="/tokens/\(token.id)/revoke">\(csrf)<button type="submit" class="danger">Revoke<span class="skip"> \(HTML.escape(token.name))</span></button></form></div></li>
                """
        }
        body += """
            </ul><form method="post" action="/tokens" class="card">\(csrf)\
            <label for="token-name">New token for a script (acts as you)</label><input id="token-name" name="name" required maxlength="64" placeholder="sonarr">\
            <div class="actions"><button type="submit">Create token</button></div></form>
            """
        return layout.render(body)
    }
}
