import Hummingbird
import HTTPTypes
import NIOCore
import Torrent

/// The web UI's pages: server-rendered HTML, forms that post back and redirect (post/redirect/get), a few KB of
/// script for live numbers. Admin-only pages and actions are registered on `admin` (``RequireRole``); the auth
/// middleware has already sent anyone without a session to `/login` (or, before setup, to `/setup`).
struct PageRoutes {
    let context: WebContext

    func register(on router: some RouterMethods<RillRequestContext>, admin: some RouterMethods<RillRequestContext>) {
        AssetRoutes().register(on: router)
        if let auth = context.auth {
            LoginPages(auth: auth, pages: self).register(on: router)
            AccountPages(auth: auth, pages: self).register(on: router)
            UserPages(accounts: auth.accounts, pages: self).register(on: admin)
        }
        if let wizard = context.wizard { SetupPages(wizard: wizard, pages: self).register(on: router) }
        if let library = context.library {
            TorrentPages(library: library, pages: self).register(on: router, admin: admin)
        }
        if let library = context.library, let auth = context.auth {
            StreamLinkPages(library: library, links: auth.accounts.streamLinks, pages: self).register(on: router)
        }
        SettingsPages(pages: self).register(on: router, admin: admin)
        SystemPages(pages: self).register(on: admin)
    }

    /// The frame for a page, in the theme the settings say.
    func layout(_ request: RillRequestContext, _ title: String, _ section: Layout.Section = .none) -> Layout {
        Layout(title: title, identity: request.identity, theme: context.settings?.currentTheme ?? "plain", section: section)
    }

    /// The posted form, whether the auth middleware already read it or not.
    static func form(_ request: inout Request, _ context: RillRequestContext, limit: Int = 1 << 20) async throws -> FormBody {
        if let form = context.form { return form }
        if let form = try await FormBody.read(&request, limit: limit) { return form }
        throw APIError.badRequest("expected a form (application/x-www-form-urlencoded or multipart/form-data)")
    }
}

/// `/assets/app.css`, `/assets/app.js`, `/assets/player.js`, `/assets/icon.svg`: compiled into the binary, cached by browsers for a day
/// (the pages link them with a version query).
struct AssetRoutes {
    /// `app.js`: the pages' script and the update panel's and link page's.
    static let script = Script.text + "\n" + UpdateScript.text

    func register(on router: some RouterMethods<RillRequestContext>) {
        router.get("assets/app.css") { _, _ in Self.asset(Stylesheet.text, type: "text/css; charset=utf-8") }
        router.get("assets/app.js") { _, _ in Self.asset(Self.script, type: "text/javascript; charset=utf-8") }
        router.get("assets/icon.svg") { _, _ in Self.asset(Icon.svg, type: "image/svg+xml") }
        router.get("assets/player.js") { _, _ in Self.asset(PlayerScript.text, type: "text/javascript; charset=utf-8") }
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=86400", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
