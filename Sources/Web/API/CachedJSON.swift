import FoundationEssentials
import Hummingbird
import NIOCore
import Synchronization

/// A JSON answer reused for a short time: under load (50 clients polling `/api/v1/status`) the body is built and
/// encoded a few times a second instead of once per request (`/proc` reads, `statvfs`, the health report and
/// `JSONEncoder` per request were what the route cost).
///
/// Contract: an answer is at most `lifetime` seconds old (monotonic clock). Concurrent misses may each build one;
/// the newest wins. Only successful bodies are kept; a `make` that throws caches nothing.
final class CachedJSON: Sendable {
    let lifetime: Double
    private let entry = Mutex<(madeAt: Double, body: ByteBuffer)?>(nil)

    init(lifetime: Double) {
        self.lifetime = lifetime
    }

    /// Snake_case keys (the values' own `CodingKeys`), sorted, slashes unescaped: the same bytes as
    /// `RillRequestContext.responseEncoder` gives.
    static func encode(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return ByteBuffer(bytes: try encoder.encode(value))
    }

    /// The cached body while it is fresh, else `make()`'s, encoded and kept.
    func response(now: Double, _ make: () async throws -> some Encodable) async throws -> Response {
        let body: ByteBuffer
        if let cached = entry.withLock({ $0 }), now - cached.madeAt < lifetime, now >= cached.madeAt {
            body = cached.body
        } else {
            body = try Self.encode(try await make())
            entry.withLock { $0 = (now, body) }
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }
}
