import Config
import Device
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Torrent
import Web

/// Runs Rill's real HTTP application on a kernel-chosen loopback port for the duration of `body`.
/// `extraRoutes` lets a test add probe routes (a body-reading endpoint) to the real router and middleware.
func withLiveServer(
    settings: (inout RillConfig.HTTPSettings) -> Void = { _ in },
    extraRoutes: (Router<RillRequestContext>) -> Void = { _ in },
    library: TorrentLibrary? = nil,
    update: UpdateService? = nil,
    _ body: (_ port: Int, _ states: SubsystemStates) async throws -> Void
) async throws {
    var http = try RillConfig.defaults.http
    http.port = 0
    settings(&http)
    let states = SubsystemStates()
    let context = WebContext(
        states: states, dataDirectory: "/tmp", metrics: PrometheusCollectorRegistry(), startedAt: SystemFacts.monotonicSeconds(),
        library: library, update: update
    )
    let router = WebServer.makeRouter(settings: http, context: context)
    extraRoutes(router)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "web-test")
    logger.logLevel = .critical
    let app = WebServer.makeApplication(router: router, settings: http, logger: logger) { _, port in
        continuation.yield(port)
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { return }
        defer { group.cancelAll() }
        try await body(port, states)
    }
}
