import Device
import Hummingbird
import Prometheus

/// `/metrics` in the Prometheus text format: everything recorded through swift-metrics, plus process gauges that
/// are refreshed on each scrape.
struct MetricsRoute {
    let context: WebContext

    func register(on router: some RouterMethods<RillRequestContext>) {
        let residentMemory = context.metrics.makeGauge(
            descriptor: .init(namespace: "rill", metricName: "resident_memory", unitName: "bytes", helpText: "Resident memory of the rill process.")
        )
        let uptime = context.metrics.makeGauge(
            descriptor: .init(namespace: "rill", metricName: "uptime", unitName: "seconds", helpText: "Seconds since rill started.")
        )
        router.get("metrics") { _, _ -> Response in
            if let bytes = SystemFacts.residentMemoryBytes() { residentMemory.set(Double(bytes)) }
            uptime.set(SystemFacts.monotonicSeconds() - context.startedAt)
            var text: [UInt8] = []
            context.metrics.emit(into: &text)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
    }
}
