import Device
import Hummingbird

/// `/healthz` for watchdogs and load balancers, `/api/v1/status` for people and the UI (an answer is reused for up to
/// 250 ms).
struct StatusRoutes {
    /// How long one `/api/v1/status` answer is reused.
    static let statusLifetime = 0.25
    let context: WebContext

    func register(on router: some RouterMethods<RillRequestContext>) {
        router.get("healthz") { _, _ -> Response in
            let failed = context.states.snapshot.filter { $0.value.phase == .failed }.keys.sorted()
            guard failed.isEmpty else {
                throw APIError(.serviceUnavailable, code: "unhealthy", message: "failed: \(failed.joined(separator: ", "))")
            }
            if let health = await context.health?.currentHealth(), !health.healthy {
                let failing = health.failing.isEmpty ? "no check has answered yet" : health.failing.joined(separator: ", ")
                throw APIError(.serviceUnavailable, code: "unhealthy", message: "failing health checks: \(failing)")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        // Built at most every 250 ms: pages poll it and it reads /proc and statvfs (see CachedJSON).
        let cache = CachedJSON(lifetime: Self.statusLifetime)
        router.get("api/v1/status") { _, _ -> Response in
            let now = SystemFacts.monotonicSeconds()
            return try await cache.response(now: now) {
                StatusResponse(
                    version: RillVersion.current,
                    uptimeSeconds: (now - context.startedAt).rounded(toPlaces: 3),
                    residentMemoryBytes: SystemFacts.residentMemoryBytes(),
                    dataDisk: SystemFacts.disk(at: context.dataDirectory),
                    subsystems: context.states.snapshot,
                    health: await context.health?.currentHealth()
                )
            }
        }
    }
}

/// The body of `GET /api/v1/status`.
struct StatusResponse: ResponseEncodable {
    let version: String
    let uptimeSeconds: Double
    let residentMemoryBytes: Int?
    let dataDisk: DiskSpace?
    let subsystems: [String: SubsystemState]
    let health: HealthReport?

    enum CodingKeys: String, CodingKey {
        case version
        case uptimeSeconds = "uptime_seconds"
        case residentMemoryBytes = "resident_memory_bytes"
        case dataDisk = "data_disk"
        case subsystems
        case health
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
