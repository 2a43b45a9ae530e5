import Hummingbird
import Transcode
import Logging

/// Turns every error a route throws into the `APIError` JSON shape; unknown errors become a 500 whose details go
/// to the log only (never to the client).
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if Self.wantsPage(request) { return ErrorPage.response(error) }
            return error.response
        } catch let error as LoginRefused {
            var response = error.apiError.response
            if case .tooManyAttempts(let seconds) = error { response.headers[.retryAfter] = String(seconds) }
            return response
        } catch let error as TranscodeError {
            var response = TranscodeHTTP.error(error).response
            if case .busy = error { response.headers[.retryAfter] = String(TranscodeHTTP.busyRetrySeconds) }
            return response
        } catch let error as RequestTimedOut {
            return APIError.requestTimeout(seconds: error.seconds).response
        } catch let error as any HTTPResponseError {
            if Self.wantsPage(request) { return ErrorPage.response(Self.translate(error)) }
            return Self.translate(error).response
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIError.internalError.response
        }
    }

    /// A browser asking for a page (not an API path) gets the error as a small HTML page.
    static func wantsPage(_ request: Request) -> Bool {
        !AccessPolicy.isAPI(request.uri.path) && request.headers[.accept]?.contains("text/html") == true
    }

    static func translate(_ error: any HTTPResponseError) -> APIError {
        let status = error.status
        let code: String
        let message: String
        switch status {
        case .notFound: (code, message) = ("not_found", "no such resource")
        case .methodNotAllowed: (code, message) = ("method_not_allowed", "this resource does not take that method")
        case .contentTooLarge: (code, message) = ("payload_too_large", "the request body is too large")
        case .badRequest: (code, message) = ("bad_request", (error as? HTTPError)?.body ?? "the request is malformed")
        case .unauthorized: (code, message) = ("unauthorized", "authentication is required")
        case .forbidden: (code, message) = ("forbidden", "not allowed")
        default:
            code = status.reasonPhrase.lowercased().replacing(" ", with: "_")
            message = (error as? HTTPError)?.body ?? status.reasonPhrase
        }
        return APIError(status, code: code, message: message)
    }
}
