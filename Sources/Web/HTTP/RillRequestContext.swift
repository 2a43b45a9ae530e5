import Hummingbird
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The request context of every Rill route. Later parts add the authenticated user here.
public struct RillRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection: long responses (streams) watch its `closeFuture` to stop the moment the client goes.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The limit `request.decode` applies. Bodies are already bounded by `BodyLimitMiddleware` (and by the stricter
    /// limit of the route group), so this only has to stay out of its way: the largest `http.max_body_bytes`.
    public var maxUploadSize: Int { 1 << 30 }

    /// JSON with sorted snake_case keys and unescaped slashes, so responses are stable and readable.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    /// Request bodies use the same snake_case keys as responses.
    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
