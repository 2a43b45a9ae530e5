import Config
import Device
import Hummingbird
import Logging
import Netguard
import Prometheus
import ServiceLifecycle
import Store
import Stream
import TestSupport
import Torrent
import Transcode
import Web

/// A live server with everything the daemon mounts: auth, a real engine, library and streams, the player's routes,
/// a VPN manager (never started: its routes answer from its state) and, when given, the update service, over a
/// store in a temporary folder.
struct AuthServer {
    let port: Int
    let auth: WebAuth
    let router: Router<RillRequestContext>
    let library: TorrentLibrary
    let store: Store
    let sidecar: SidecarAccess

    static let logger: Logger = {
        var logger = Logger(label: "auth-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Runs `body` against a fresh server; `settings` tunes the auth limits.
    static func with(
        _ directory: TemporaryDirectory, settings: AuthSettings = .testing, withWizard: Bool = true,
        update: UpdateService? = nil, http tune: (inout RillConfig.HTTPSettings) -> Void = { _ in },
        _ body: (AuthServer) async throws -> Void
    ) async throws {
        let store = try Store(directory: directory.path + "/data", busyTimeoutMilliseconds: 1000, logger: logger)
        var configuration = EngineConfiguration()
        configuration.listenHost = "127.0.0.1"
        let engine = Engine(configuration: configuration, logger: logger)
        let library = TorrentLibrary(
            engine: engine, store: store, downloadDirectory: directory.path + "/downloads",
            stateDirectory: directory.path + "/state", logger: logger
        )
        let vpn = VPNManager(
            settings: VPNSettings(
                tunnel: TunnelSettings(interfaceName: "rwgtest0", routingTable: 51899, rulePriority: 5299),
                configFile: VPNConfigFile(dataDirectory: directory.path + "/data"), required: false
            ),
            engine: engine, logger: logger
        )
        let accounts = try await Accounts(store: store, settings: settings, logger: logger)
        let auth = WebAuth(accounts: accounts, setup: try await SetupState.load(from: store), now: SystemFacts.monotonicSeconds())
        var http = try RillConfig.defaults.http
        http.port = 0
        tune(&http)
        let streams = StreamService(engine: engine, logger: logger)
        let service = SettingsService(
            configFile: nil, dataDirectory: directory.path + "/data", environment: [:], engine: engine, theme: "plain", logger: logger
        )
        let media = MediaDisk(
            devices: BlockDevices(sysBlock: directory.path + "/sys-block", mounts: directory.path + "/mounts", dataDirectory: directory.path + "/data"),
            deviceDirectory: directory.path + "/dev", mountPoint: directory.path + "/data/media"
        )
        let wizard = withWizard ? SetupWizard(
            state: auth.setup, store: store, accounts: accounts, vpn: vpn, media: media, settings: service,
            dataDirectory: directory.path + "/data", logger: logger
        ) : nil
        let transcode = TranscodeSettings(workDirectory: directory.path + "/transcode")
        let player = MediaService(
            settings: transcode, library: library, store: store,
            sessions: TranscodeSessions(settings: transcode, logger: logger), thumbnails: ThumbnailCache(settings: transcode),
            logger: logger
        )
        let context = WebContext(
            states: SubsystemStates(), dataDirectory: directory.path, metrics: PrometheusCollectorRegistry(),
            startedAt: SystemFacts.monotonicSeconds(), library: library, streams: streams, media: player, vpn: vpn, update: update, auth: auth, wizard: wizard, settings: service,
            logs: LogRing(), system: SystemActions(applianceMarker: directory.path + "/no-such-marker", dataDirectory: directory.path)
        )
        let router = WebServer.makeRouter(settings: http, context: context)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = WebServer.makeApplication(router: router, settings: http, logger: logger) { _, port in continuation.yield(port) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            defer { group.cancelAll() }
            try await body(AuthServer(port: port, auth: auth, router: router, library: library, store: store, sidecar: player.sidecar))
        }
        await engine.shutdown()
        await store.close()
    }

    /// One request on a fresh connection (off the cooperative pool); for `HEAD` only the status and headers.
    func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: String = "",
        type: String = "application/json"
    ) async -> Answer? {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if !body.isEmpty || ["POST", "PUT", "DELETE", "PATCH"].contains(method) {
            head += "Content-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + Array(body.utf8)
        let port = port
        let isHead = method == "HEAD"
        return await offPool {
            guard let connection = try? RawHTTPConnection(port: port), connection.send(bytes) else { return nil }
            return isHead ? headResponse(connection) : connection.readResponse().map { Answer(status: $0.status, headers: $0.headers, body: $0.body) }
        }
    }

    /// Logs in through the API; the cookie value and the CSRF token.
    func login(_ username: String, _ password: String) async -> (cookie: String, csrf: String)? {
        guard let response = await request("POST", "/api/v1/auth/login", body: "{\"username\":\"\(username)\",\"password\":\"\(password)\"}"),
              response.status == 200, let setCookie = response.headers["set-cookie"],
              let value = setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last,
              let csrf = response.body.split(separator: "\"").drop(while: { $0 != "csrf_token" }).dropFirst(2).first else { return nil }
        return ("rill_session=\(value)", String(csrf))
    }
}

extension AuthSettings {
    /// The defaults with cheap password hashes (N = 2^10): the cost is not what these tests are about.
    static var testing: AuthSettings {
        var settings = AuthSettings()
        settings.passwordParameters = .init(logN: 10, r: 8, p: 1)
        return settings
    }
}
