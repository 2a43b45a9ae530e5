import NIOPosix

/// HTTP(S) GETs that stay inside the engine's network binding: tracker announces and `.torrent` downloads.
///
/// Contract:
/// - Every host name goes through the engine's ``HostResolver`` and reaches libcurl as a `CURLOPT_RESOLVE`
///   entry; IP literals need none. libcurl's own resolver is never used, environment proxies are ignored, and
///   redirects (at most ``Configuration/maxRedirects``, `http`/`https` only) are followed here, one resolved hop
///   at a time, so no hop leaves the binding.
/// - ``NetworkBinding`` is applied with `CURLOPT_INTERFACE`: `if!<interface>` (SO_BINDTODEVICE; a missing
///   interface fails the transfer, it never falls back to the default route) or, without an interface,
///   `host!<source address>`. `allowsIPv6 == false` keeps both resolution and connection on IPv4.
/// - The body is capped at the caller's `maxBodySize` inside libcurl's write callback, so an endless or huge
///   body costs at most that much memory.
/// - Failures are ``TrackerError``s naming the URL as the caller gave it.
///
/// Threading: `curl_easy_perform` blocks its thread for up to the timeout. Running it on a NIO event loop would
/// stall every channel on that loop, and running it on the Swift cooperative pool (2–4 threads on a Pi) would
/// starve all async code; so each transfer runs on the `NIOThreadPool` passed in, which owns real threads meant
/// for blocking work. Cancelling the calling task aborts the transfer from libcurl's progress callback within
/// about a second.
public final class BoundHTTPClient: Sendable {
    /// Limits and identity of every request.
    public struct Configuration: Sendable {
        /// Longest time one transfer (one redirect hop) may take; the per-call timeout can only shorten it.
        public var timeout: Duration = .seconds(30)
        /// Longest time to establish a connection.
        public var connectTimeout: Duration = .seconds(10)
        /// Most redirects followed.
        public var maxRedirects = 3
        public var userAgent = "Rill/0.1"
        /// A CA bundle for HTTPS, or `nil` for libcurl's default.
        public var caInfoPath: String?

        public init() {}
    }

    /// The final answer: its status and body (redirects already followed).
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    private let threadPool: NIOThreadPool
    private let resolver: any HostResolver
    public let configuration: Configuration

    /// - Parameters:
    ///   - threadPool: started pool whose threads run the blocking libcurl transfers.
    ///   - resolver: the engine's resolver (Netguard's, over the tunnel).
    public init(threadPool: NIOThreadPool, resolver: any HostResolver, configuration: Configuration = Configuration()) {
        self.threadPool = threadPool
        self.resolver = resolver
        self.configuration = configuration
    }

    /// GETs `target` (the request URL for `url`, which may carry a query the caller added), following
    /// redirects, all within `timeout`; errors name `url`.
    public func get(
        _ url: TrackerURL, target: String? = nil, binding: NetworkBinding, timeout: Duration, maxBodySize: Int
    ) async throws(TrackerError) -> Response {
        guard url.scheme == .http || url.scheme == .https else {
            throw TrackerError(url: url.text, reason: .unsupportedScheme(url.scheme.rawValue))
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var current = url
        var target = target ?? url.requestURL
        var hops = 0
        while true {
            let remaining = deadline - clock.now
            guard remaining > .zero else { throw TrackerError(url: url.text, reason: .timeout(seconds: timeout.seconds)) }
            let response = try await fetch(
                target, host: current, binding: binding, budget: remaining, maxBodySize: maxBodySize, reportAs: url
            )
            guard let location = response.location else { return Response(status: response.status, body: response.body) }
            hops += 1
            guard hops <= configuration.maxRedirects else {
                throw TrackerError(url: url.text, reason: .network("more than \(configuration.maxRedirects) redirects"))
            }
            let next = try TrackerURL(Self.absolute(location, relativeTo: current))
            guard next.scheme == .http || next.scheme == .https else {
                throw TrackerError(url: url.text, reason: .network("redirect to unsupported scheme \(next.scheme.rawValue)"))
            }
            current = next
            target = next.requestURL
        }
    }

    private func fetch(
        _ target: String, host: TrackerURL, binding: NetworkBinding, budget: Duration, maxBodySize: Int,
        reportAs url: TrackerURL
    ) async throws(TrackerError) -> CurlTransfer.Response {
        let addresses = try await BoundAddressResolution.addresses(for: host, binding: binding, resolver: resolver)
        var transfer = CurlTransfer.Request(
            url: target,
            timeoutMilliseconds: min(configuration.timeout, budget).milliseconds,
            connectTimeoutMilliseconds: min(configuration.connectTimeout, budget).milliseconds,
            maxBodySize: maxBodySize,
            userAgent: configuration.userAgent,
            caInfoPath: configuration.caInfoPath
        )
        if host.literalAddress == nil {
            let list = addresses.map(BoundAddressResolution.curlText).joined(separator: ",")
            transfer.resolve = ["\(host.host):\(host.port):\(list)"]
        }
        if let interface = binding.interfaceName {
            transfer.interface = "if!\(interface)"
        } else if let source = binding.sourceAddress {
            transfer.interface = "host!\(source)"
        }
        transfer.ipv4Only = !binding.allowsIPv6

        let cancellation = CurlTransfer.Cancellation()
        let request = transfer
        let result: Result<CurlTransfer.Response, CurlTransfer.CurlFailure>
        do {
            result = try await withTaskCancellationHandler {
                try await threadPool.runIfActive { CurlTransfer.perform(request, cancellation: cancellation) }
            } onCancel: {
                cancellation.cancel()
            }
        } catch is CancellationError {
            throw TrackerError(url: url.text, reason: .cancelled)
        } catch {
            throw TrackerError(url: url.text, reason: .network("HTTP thread pool is not running"))
        }
        switch result {
        case .success(let response): return response
        case .failure(.tooLarge): throw TrackerError(url: url.text, reason: .responseTooLarge(limit: maxBodySize))
        case .failure(.timedOut): throw TrackerError(url: url.text, reason: .timeout(seconds: min(configuration.timeout, budget).seconds))
        case .failure(.cancelled): throw TrackerError(url: url.text, reason: .cancelled)
        case .failure(.failed(let message)): throw TrackerError(url: url.text, reason: .network(TrackerError.Reason.networkText(message.utf8)))
        }
    }

    /// Resolves a `Location` value against the URL that answered with it.
    static func absolute(_ location: String, relativeTo base: TrackerURL) -> String {
        if location.contains("://") { return location }
        if location.hasPrefix("//") { return "\(base.scheme.rawValue):\(location)" }
        let origin = "\(base.scheme.rawValue)://\(base.authority)"
        if location.hasPrefix("/") { return origin + location }
        let path = base.pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/"
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return origin + directory + location
    }
}

extension Duration {
    /// Whole milliseconds, at least 1 for positive durations, clamped to `Int`.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let total = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return total <= 0 ? 0 : Int(min(total.rounded(.up), Double(Int32.max)))
    }

    /// Seconds as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
