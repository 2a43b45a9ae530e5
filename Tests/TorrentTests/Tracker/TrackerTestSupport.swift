import NIOPosix
@testable import Torrent

/// Shared fixtures of the tracker tests: hashes, requests, clients with short timeouts.
enum TrackerFixture {
    static let allowedHash = InfoHash(hex: "0123456789abcdef0123456789abcdef01234567")!
    static let otherHash = InfoHash(hex: "89abcdef0123456789abcdef0123456789abcdef")!

    static func request(_ hash: InfoHash = allowedHash, port: UInt16, event: AnnounceEvent = .started, left: Int64 = 1000) -> AnnounceRequest {
        AnnounceRequest(infoHash: hash, peerID: PeerID.random(), port: port, left: left, event: event, numWant: 50, key: UInt32(port))
    }

    static func http(resolver: any HostResolver = LiteralHostResolver(), maxRedirects: Int = 3) -> HTTPTracker {
        var configuration = BoundHTTPClient.Configuration()
        configuration.maxRedirects = maxRedirects
        return HTTPTracker(client: BoundHTTPClient(threadPool: .singleton, resolver: resolver, configuration: configuration))
    }

    static func udp(initialTimeout: Duration = .milliseconds(200), maxAttempts: Int = 2, lifetime: Duration = .seconds(60)) -> UDPTracker {
        var configuration = UDPTracker.Configuration()
        configuration.initialTimeout = initialTimeout
        configuration.maxAttempts = maxAttempts
        configuration.connectionIDLifetime = lifetime
        return UDPTracker(group: MultiThreadedEventLoopGroup.singleton, resolver: LiteralHostResolver(), configuration: configuration)
    }

    static func clients() -> TrackerClients {
        TrackerClients(http: http(), udp: udp())
    }
}

/// A resolver with a fixed table, standing in for Netguard's tunnel DNS: names the test chooses, real addresses.
struct TableResolver: HostResolver {
    let table: [String: [[UInt8]]]

    func resolve(host: String) async throws -> [[UInt8]] {
        guard let addresses = table[host] else { throw HostResolutionError(host: host, reason: "not in the table") }
        return addresses
    }
}

extension TrackerError.Reason {
    /// The case name alone, for expectations that do not care about the text.
    var kind: String {
        switch self {
        case .failure: "failure"
        case .malformedResponse: "malformedResponse"
        case .responseTooLarge: "responseTooLarge"
        case .httpStatus: "httpStatus"
        case .network: "network"
        case .timeout: "timeout"
        case .unsupportedScheme: "unsupportedScheme"
        case .invalidURL: "invalidURL"
        case .resolution: "resolution"
        case .offline: "offline"
        case .cancelled: "cancelled"
        }
    }
}

/// The error an announce throws, or `nil` when it succeeded.
func announceError(
    _ client: some TrackerClient, _ request: AnnounceRequest, to url: String,
    binding: NetworkBinding = .unbound, timeout: Duration = .seconds(5)
) async -> TrackerError? {
    do throws(TrackerError) {
        _ = try await client.announce(request, to: try TrackerURL(url), binding: binding, timeout: timeout)
        return nil
    } catch {
        return error
    }
}
