import HTTPTypes
import Transcode

/// How a ``TranscodeError`` reads over HTTP (docs/TRANSCODE.md): `busy` → 503 with `Retry-After`, a missing session
/// or segment → 404, a bad request → 400, a file that is not usable media → 422, time limits → 504, the rest → 500.
enum TranscodeHTTP {
    /// Seconds a client told "busy" should wait before asking again.
    static let busyRetrySeconds = 10

    static func error(_ error: TranscodeError) -> APIError {
        let message = String(error.description.prefix(2000))
        switch error {
        case .busy:
            return APIError(.serviceUnavailable, code: "busy", message: message)
        case .unknownSession, .noSuchSegment:
            return APIError(.notFound, code: "not_found", message: message)
        case .invalidSource, .invalidRequest:
            return APIError(.badRequest, code: "bad_request", message: message)
        case .missingStream:
            return APIError(.unprocessableContent, code: "missing_stream", message: message)
        case .unreadableMedia, .malformedProbeOutput, .outputTooLarge:
            return APIError(.unprocessableContent, code: "unreadable_media", message: message)
        case .segmentTimedOut, .timedOut:
            return APIError(.gatewayTimeout, code: "timed_out", message: message)
        case .toolMissing, .fileSystem:
            return APIError(.internalServerError, code: "transcode_failed", message: message)
        }
    }
}
