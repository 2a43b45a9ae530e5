import Hummingbird
import NIOCore
import Synchronization
import Testing
@testable import Web

/// `CachedJSON`: one body per lifetime, rebuilt after it (or when the clock is behind the entry), errors not kept.
@Suite struct CachedJSONTests {
    struct Body: Encodable { let count: Int }
    struct Failure: Error {}

    @Test func reusesABodyForItsLifetimeOnly() async throws {
        let cache = CachedJSON(lifetime: 0.25)
        let built = Mutex(0)
        func get(_ now: Double) async throws -> String {
            let response = try await cache.response(now: now) { Body(count: built.withLock { $0 += 1; return $0 }) }
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            var collected = ByteBuffer()
            try await response.body.write(CollectingWriter { collected.writeImmutableBuffer($0) })
            return String(buffer: collected)
        }
        #expect(try await get(100) == "{\"count\":1}")
        #expect(try await get(100.1) == "{\"count\":1}")
        #expect(try await get(100.249) == "{\"count\":1}")
        #expect(try await get(100.25) == "{\"count\":2}")
        #expect(try await get(99) == "{\"count\":3}", "a clock behind the entry rebuilds")
        await #expect(throws: Failure.self) { _ = try await cache.response(now: 200) { () throws -> Body in throw Failure() } }
        #expect(try await get(200.01) == "{\"count\":4}", "a failure is not cached")
    }
}

/// A response body writer that hands each buffer to a closure.
struct CollectingWriter: ResponseBodyWriter {
    let collect: (ByteBuffer) -> Void
    mutating func write(_ buffer: ByteBuffer) async throws { collect(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
