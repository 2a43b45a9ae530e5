import Hummingbird
import NIOCore

/// Refuses request bodies over `limit` bytes with 413 — at once when `Content-Length` says so, otherwise as soon as
/// the streamed body passes the limit — so no route can be made to buffer more than the limit. Paths in
/// `routeLimits` (a streamed OTA bundle) have their own limit instead.
public struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let defaultLimit: Int
    let routeLimits: [String: Int]

    public init(limit: Int, routeLimits: [String: Int] = [:]) {
        self.defaultLimit = limit
        self.routeLimits = routeLimits
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = routeLimits.isEmpty ? defaultLimit : routeLimits[request.uri.path] ?? defaultLimit
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.payloadTooLarge(limit: limit)
        }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
        return try await next(request, context)
    }
}

/// A body sequence that throws `APIError.payloadTooLarge` once more than `limit` bytes have passed.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            if seen > limit { throw APIError.payloadTooLarge(limit: limit) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit)
    }
}
