import Hummingbird
import NIOCore

/// A posted HTML form, either encoding.
public enum FormBody: Sendable {
    case urlEncoded(FormFields)
    case multipart(MultipartForm)

    /// The text of field `name` (a multipart part without a file name, or a URL-encoded field).
    public subscript(_ name: String) -> String? {
        switch self {
        case .urlEncoded(let fields): fields[name]
        case .multipart(let form): form[name].map(\.text)
        }
    }

    /// A file part called `name` that was given a file (browsers send an empty part when none was chosen).
    public func file(_ name: String) -> MultipartForm.Part? {
        guard case .multipart(let form) = self, let part = form[name], part.filename?.isEmpty == false else { return nil }
        return part
    }

    /// Reads the body of `request` as a form when its type is one, collecting at most `limit` bytes (the body
    /// limit middleware has already bounded it). Other types give nil and leave the body alone.
    static func read(_ request: inout Request, limit: Int) async throws -> FormBody? {
        let type = request.headers[.contentType] ?? ""
        if type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            let buffer = try await request.collectBody(upTo: limit)
            do throws(FormError) {
                return .urlEncoded(try FormFields(parsing: buffer.readableBytesView))
            } catch {
                throw APIError.badRequest(error.description)
            }
        }
        if let boundary = MultipartForm.boundary(fromContentType: type) {
            let buffer = try await request.collectBody(upTo: limit)
            do throws(FormError) {
                return .multipart(try MultipartForm(parsing: Array(buffer.readableBytesView), boundary: boundary))
            } catch {
                throw APIError.badRequest(error.description)
            }
        }
        return nil
    }
}
