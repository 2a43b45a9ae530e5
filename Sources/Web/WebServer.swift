import Config
import Device
import Hummingbird
import HummingbirdCore
import Logging
import Netguard
import NIOCore

/// Builds Rill's HTTP application: routes, error shape and limits from the configuration.
public enum WebServer {
    /// The application, ready to be run as a service. `onListening` receives the bound address (the port is
    /// chosen by the kernel when the configuration says 0). With `tunnelGuard` (the VPN's) the server never
    /// answers a connection that comes through the VPN tunnel or is for a tunnel address.
    public static func makeApplication(
        router: Router<RillRequestContext>,
        settings: RillConfig.HTTPSettings,
        logger: Logger,
        tunnelGuard: TunnelListenerGuard? = nil,
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) -> some ApplicationProtocol {
        let maxHeaderBytes = settings.maxHeaderBytes
        let requestTimeout = settings.requestTimeoutSeconds
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: (tunnelGuard.map { [$0.makeConnectionHandler()] } ?? [])
                + [HTTPLimitsHandler(maxHeaderBytes: maxHeaderBytes, requestTimeoutSeconds: requestTimeout)],
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes, maxHeaderFieldCount: 200
            )
        )
        return Application(
            router: router,
            server: .http1(configuration: http1),
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port),
                serverName: "rill",
                availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections)
            ),
            onServerRunning: { channel in
                tunnelGuard?.attach(listener: channel)
                let port = channel.localAddress?.port ?? settings.port
                await onListening(settings.host, port)
            },
            logger: logger
        )
    }

    /// The router with every route group and middleware; separate so tests can add probe routes. `deviceHostname`
    /// (`[device] hostname`) and `settings.allowedHosts` say which `Host` names are answered (``AllowedHosts``).
    public static func makeRouter(
        settings: RillConfig.HTTPSettings, context: WebContext, deviceHostname: String = "rill"
    ) -> Router<RillRequestContext> {
        let router = Router(context: RillRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        // With auth (always in the daemon): web-layer tests without it send any Host.
        if context.auth != nil {
            router.add(middleware: HostCheckMiddleware(hosts: AllowedHosts(deviceHostname: deviceHostname, extra: settings.allowedHosts)))
        }
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: BodyLimitMiddleware(
            limit: settings.maxBodyBytes,
            routeLimits: context.update.map { [UpdateRoutes.path: $0.settings.maxBundleBytes] } ?? [:]
        ))
        if let auth = context.auth {
            router.add(middleware: AuthMiddleware(
                accounts: auth.accounts, setup: auth.setup, formLimit: settings.maxBodyBytes, sidecar: context.media?.sidecar
            ))
        }
        let admin = adminGroup(router, context: context)
        StatusRoutes(context: context).register(on: router)
        MetricsRoute(context: context).register(on: router)
        if let library = context.library { TorrentRoutes(library: library).register(on: router, admin: admin) }
        if let streams = context.streams {
            StreamRoutes(streams: streams).register(on: router)
            StreamStatusRoute(streams: streams, diskCache: context.diskCache).register(on: router)
        }
        if let media = context.media { TranscodeRoutes(media: media).register(on: router) }
        if let vpn = context.vpn { VPNRoutes(vpn: vpn).register(on: router, admin: admin) }
        if let update = context.update { UpdateRoutes(update: update).register(on: admin) }
        if let auth = context.auth {
            AuthRoutes(auth: auth).register(on: router)
            TokenRoutes(accounts: auth.accounts).register(on: admin)
            UserRoutes(accounts: auth.accounts).register(on: admin)
            if let library = context.library { StreamLinkRoutes(library: library, links: auth.accounts.streamLinks).register(on: router) }
        }
        if let wizard = context.wizard { SetupRoutes(wizard: wizard).register(on: router) }
        if let service = context.settings { SettingsRoutes(settings: service).register(on: router, admin: admin) }
        if context.auth != nil { PageRoutes(context: context).register(on: router, admin: admin) }
        return router
    }

    /// A group whose routes only admins reach (before setup, while no admin exists, everyone does, like the rest
    /// of the API). Routes written as `func register(on router: some RouterMethods<RillRequestContext>)` are
    /// mounted on it with `XRoutes(…).register(on: WebServer.adminGroup(router, context: context))`.
    public static func adminGroup(_ router: Router<RillRequestContext>, context: WebContext) -> RouterGroup<RillRequestContext> {
        let group = router.group()
        if let auth = context.auth { group.add(middleware: RequireRole(.admin, accounts: auth.accounts, setup: auth.setup)) }
        return group
    }
}
