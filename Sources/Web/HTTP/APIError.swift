import Hummingbird
import HTTPTypes

/// The one shape every error response of Rill has:
/// `{"error": {"status": 413, "code": "payload_too_large", "message": "..."}}`.
///
/// `code` is a stable machine-readable word (clients switch on it); `message` is for people and may change.
public struct APIError: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func notFound(_ message: String = "no such resource") -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message: message)
    }

    /// 503: the thing exists but cannot be served now (metadata not yet there, a piece late, the cache full).
    public static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, code: "unavailable", message: message)
    }

    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "payload_too_large", message: "the request body is larger than \(limit) bytes")
    }

    public static func requestTimeout(seconds: Int) -> APIError {
        APIError(.requestTimeout, code: "request_timeout", message: "the request was not received within \(seconds) s")
    }

    public static func headersTooLarge(limit: Int) -> APIError {
        APIError(
            .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "headers_too_large",
            message: "the request line and header fields are larger than \(limit) bytes"
        )
    }

    public static let internalError = APIError(
        .internalServerError, code: "internal_error", message: "the request failed inside Rill; the log has details"
    )

    /// The JSON body, built by hand so it can be written from a channel handler as well as from a route.
    public var json: String {
        "{\"error\":{\"status\":\(status.code),\"code\":\"\(JSONText.escape(code))\",\"message\":\"\(JSONText.escape(message))\"}}"
    }

    /// The complete response.
    public var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}

/// Escaping for JSON string contents.
enum JSONText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
