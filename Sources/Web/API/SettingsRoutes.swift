import Config
import FoundationEssentials
import Hummingbird
import HTTPTypes

/// `/api/v1/settings`: the settings the UI changes (`<data>/settings.toml`).
///
/// - `GET /api/v1/settings` (every user) → `{"settings":[{"key","value","source","accepts","choices","live"}]}`.
/// - `PUT /api/v1/settings` (admin) `{"engine.download_rate_limit":"2MiB", …}` → `{"applied":[…],
///   "after_restart":[…]}`; a refused value is 400 naming the key, and nothing is changed.
struct SettingsRoutes {
    let settings: SettingsService

    func register(on router: some RouterMethods<RillRequestContext>, admin: some RouterMethods<RillRequestContext>) {
        let settings = settings
        router.get("api/v1/settings") { _, _ -> SettingsList in
            SettingsList(settings: await settings.entries().map(SettingsList.Item.init))
        }
        admin.put("api/v1/settings") { request, context -> SettingsChanged in
            // A plain decoder: the context's snake_case strategy would rewrite the dotted keys.
            let body = try await request.body.collect(upTo: 64 << 10)
            guard let changes = try? JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView)) else {
                throw APIError.badRequest("send an object of setting keys to text values: {\"engine.download_rate_limit\":\"2MiB\"}")
            }
            do throws(SettingsError) {
                let result = try await settings.update(changes)
                return SettingsChanged(applied: result.applied, afterRestart: result.afterRestart)
            } catch {
                throw APIError.badRequest(error.description)
            }
        }
    }
}

struct SettingsList: ResponseEncodable {
    struct Item: Codable {
        let key: String
        let value: String
        let source: String
        let accepts: String
        let choices: [String]
        let live: Bool

        init(_ entry: SettingsService.Entry) {
            key = entry.setting.key
            value = entry.setting.value
            source = entry.setting.source
            accepts = entry.setting.accepts
            choices = entry.setting.choices
            live = entry.live
        }
    }

    let settings: [Item]
}

struct SettingsChanged: ResponseEncodable {
    let applied: [String]
    let afterRestart: [String]
}
