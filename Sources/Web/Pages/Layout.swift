/// The frame around every page: head (stylesheet, script, viewport), the top bar, the navigation for the user's
/// role, the VPN banner the script fills in, and the main content.
struct Layout {
    /// Where the page is, for `aria-current` in the navigation.
    enum Section: String {
        case dashboard, add, library, settings, system, users, account, none
    }

    let title: String
    let identity: Identity?
    let theme: String
    var section: Section = .none
    /// Pages outside the login (login, setup) have no navigation.
    var navigation = true

    static let assetVersion = "2"

    func render(_ main: String) -> String {
        let themeAttribute = theme == "lcars" ? "lcars" : "plain"
        var html = """
            <!doctype html><html lang="en" data-theme="\(themeAttribute)"><head><meta charset="utf-8">\
            <meta name="viewport" content="width=device-width,initial-scale=1">\
            <title>\(HTML.escape(title)) · Rill</title>\
            <link rel="stylesheet" href="/assets/app.css?v=\(Self.assetVersion)">\
            <link rel="icon" href="/assets/icon.svg">\
            <script src="/assets/app.js?v=\(Self.assetVersion)" defer></script></head>\
            <body><a class="skip" href="#main">Skip to content</a><div class="frame">\
            <header class="top"><a class="brand" href="/">RILL</a>
            """
        if let identity {
            html += "<span class=\"who\">\(HTML.escape(identity.username)) · \(identity.role.rawValue)</span>"
        }
        html += "</header>"
        if navigation, let identity {
            var links: [(Section, String, String)] = [(.dashboard, "/", "Dashboard"), (.add, "/add", "Add"), (.library, "/library", "Library"), (.settings, "/settings", "Settings")]
            if identity.isAdmin { links += [(.system, "/system", "System"), (.users, "/users", "Users")] }
            links.append((.account, "/account", "Account"))
            html += "<nav class=\"nav\" aria-label=\"Main\">"
            for (key, href, label) in links {
                html += "<a href=\"\(href)\"\(key == section ? " aria-current=\"page\"" : "")>\(label)</a>"
            }
            html += "<form method=\"post\" action=\"/logout\">\(HTML.csrfField(identity))<button type=\"submit\">Log out</button></form></nav>"
        }
        html += "<main id=\"main\">"
        if navigation, identity != nil {
            html += "<div id=\"vpn-banner\" class=\"banner bad\" role=\"alert\" hidden>VPN down — downloads paused</div>"
        }
        html += main
        html += "</main></div></body></html>"
        return html
    }
}
