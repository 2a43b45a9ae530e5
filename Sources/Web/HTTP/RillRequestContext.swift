import Hummingbird
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The request context of every Rill route: the connection, who is asking (set by `AuthMiddleware`) and the
/// form the CSRF check already parsed.
public struct RillRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection: long responses (streams) watch its `closeFuture` to stop the moment the client goes.
    public let channel: any Channel
    /// The logged-in user (session cookie or API token); nil for anonymous requests (public routes, and every
    /// route before setup while no admin exists).
    public var identity: Identity?
    /// An HTML form body the auth middleware read for its CSRF field; routes use it instead of the body.
    public var form: FormBody?

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
