import Hummingbird
import HTTPTypes
import NIOCore

/// Building pages as text: escaping, formatting, and the response with its security headers.
enum HTML {
    /// Text made safe for element content and quoted attribute values.
    ///
    /// Byte-wise on UTF-8: a `"` or `<` followed by a combining mark is one `Character` that is not equal to `"`, so a
    /// `Character`-wise escape left it alone (`x"\u{301} onclick=…` broke out of an attribute). Text without any of
    /// the five characters (most of it) is returned as it is.
    static func escape(_ text: String) -> String {
        let bytes = text.utf8
        guard bytes.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 32)
        for byte in bytes {
            switch byte {
            case 0x26: out += "&amp;".utf8
            case 0x3C: out += "&lt;".utf8
            case 0x3E: out += "&gt;".utf8
            case 0x22: out += "&quot;".utf8
            case 0x27: out += "&#39;".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A byte count for people: `1.5 GiB`.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\(oneDecimal(value)) \(units[unit])"
    }

    static func rate(_ bytesPerSecond: Int64) -> String { bytes(bytesPerSecond) + "/s" }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Time left for the wanted bytes at the current rate.
    static func eta(left: Int64, rate: Int64) -> String {
        if left <= 0 { return "done" }
        guard rate > 0 else { return "—" }
        let seconds = left / rate
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \((seconds % 3600) / 60) min"
    }

    /// The hidden CSRF field every POST form carries (empty before a login exists).
    static func csrfField(_ identity: Identity?) -> String {
        guard let token = identity?.csrfToken else { return "" }
        return "<input type=\"hidden\" name=\"_csrf\" value=\"\(escape(token))\">"
    }

    /// A page response: UTF-8 HTML, never cached, a strict content security policy (our own scripts and styles
    /// only, no framing, forms only to us).
    static func response(_ text: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "same-origin",
        ]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 to `location` (after a form post).
    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: .seeOther, headers: headers)
    }
}
