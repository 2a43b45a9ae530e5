import Device
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/v1/update`: OTA updates (admin only once auth exists; see docs/API.md and docs/OTA.md).
///
/// - `GET /api/v1/update`: ``UpdateStatusBody``: whether updates can be installed, board, booted slot, both slots
///   and their versions, the trial, the last result (kept across reboots), the bootloader's view and the progress of
///   the update in progress (phase, bytes, total, image).
/// - `POST /api/v1/update`: the bundle as the request body (any type but JSON; `Content-Length` or chunked), streamed
///   through the verifier into the inactive slot as it arrives: 200 with the status once the slot is staged. Or
///   `{"url": "http://..."}` (JSON): rill downloads it (resuming after a dropped connection) and installs it in the
///   background: 202 with the status; follow the progress with `GET`. `?allow_downgrade=true` accepts an older
///   version. Only one update at a time (409). Refusals say why: 400 malformed/truncated, 413 too large, 422 bad
///   signature, tampered image, wrong board, downgrade; the running slot is never touched.
/// - `POST /api/v1/update/reboot`: reboots into the staged slot (the Pi firmware's one try: `reboot "0 tryboot"`),
///   else the last good one: 202 with the plan; 409 when rebooting is not enabled or an update is being installed.
///
/// The body of `POST /api/v1/update` is not bound by `http.max_body_bytes` but by `[update] max_bundle_bytes`, and
/// the request timeout becomes an idle timeout for it (see ``HTTPLimitsHandler``).
struct UpdateRoutes {
    /// The upload route's path, for the body limit and the request timeout.
    static let path = "/api/v1/update"
    /// Body bytes handed to the update thread at once (fewer thread hops; memory stays bounded).
    static let batchBytes = 512 * 1024
    /// Largest JSON body (`{"url": ...}`).
    static let maxJSONBytes = 16 * 1024

    let update: UpdateService

    func register(on router: some RouterMethods<RillRequestContext>) {
        let routes = router.group("api/v1/update")
        routes.get { _, _ -> UpdateStatusBody in
            UpdateStatusBody(update.status())
        }
        routes.post { request, _ -> Response in
            let allowDowngrade = request.uri.queryParameters["allow_downgrade"].map { $0 == "true" || $0 == "1" } ?? false
            if request.headers[.contentType]?.hasPrefix("application/json") == true {
                return try await startDownload(request, allowDowngrade: allowDowngrade)
            }
            return try await upload(request, allowDowngrade: allowDowngrade)
        }
        routes.post("reboot") { _, _ -> Response in
            let plan: RebootPlan
            do throws(UpdateError) {
                plan = try await update.reboot()
            } catch {
                throw Self.apiError(error)
            }
            return try Self.json(RebootBody(slot: plan.slot.rawValue, argument: plan.argument), status: .accepted)
        }
    }

    /// Streams the request body into the inactive slot.
    private func upload(_ request: Request, allowDowngrade: Bool) async throws -> Response {
        let announced = request.headers[.contentLength].flatMap { Int($0) }
        do {
            _ = try await update.installUpload(announcedLength: announced, allowDowngrade: allowDowngrade) { feed in
                var batch: [ByteBuffer] = []
                var batched = 0
                for try await buffer in request.body {
                    batch.append(buffer)
                    batched += buffer.readableBytes
                    if batched >= Self.batchBytes {
                        try await feed(batch)
                        batch.removeAll(keepingCapacity: true)
                        batched = 0
                    }
                }
                if !batch.isEmpty { try await feed(batch) }
            }
        } catch let error as UpdateError {
            // The client may still be sending: answer and close, rather than read the rest of the bundle.
            var response = Self.apiError(error).response
            response.headers[.connection] = "close"
            return response
        }
        return try Self.json(UpdateStatusBody(update.status()), status: .ok)
    }

    /// Starts the download of `{"url": ...}`.
    private func startDownload(_ request: Request, allowDowngrade: Bool) async throws -> Response {
        let buffer = try await request.body.collect(upTo: Self.maxJSONBytes + 1)
        guard buffer.readableBytes <= Self.maxJSONBytes else { throw APIError.payloadTooLarge(limit: Self.maxJSONBytes) }
        let body: UpdateURLBody
        do {
            body = try JSONDecoder().decode(UpdateURLBody.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("expected {\"url\": \"http://...\"} or the bundle itself as the body")
        }
        do throws(UpdateError) {
            try update.installFromURL(body.url, allowDowngrade: allowDowngrade || body.allowDowngrade == true)
        } catch {
            throw Self.apiError(error)
        }
        return try Self.json(UpdateStatusBody(update.status()), status: .accepted)
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// The HTTP answer to an update error: status, stable code, and the error's own words.
    static func apiError(_ error: UpdateError) -> APIError {
        let (status, code) = statusAndCode(error)
        return APIError(status, code: code, message: error.description)
    }

    static func statusAndCode(_ error: UpdateError) -> (HTTPResponse.Status, String) {
        switch error {
        case .unavailable: (.serviceUnavailable, "update_unavailable")
        case .busy: (.conflict, "update_in_progress")
        case .tooLarge: (.contentTooLarge, "payload_too_large")
        case .slotState: (.conflict, "slot_state")
        case .bootloader: (.internalServerError, "bootloader_failed")
        case .invalidURL: (.badRequest, "invalid_url")
        case .download: (.badGateway, "download_failed")
        case .interrupted: (.serviceUnavailable, "update_interrupted")
        case .rebootUnavailable: (.conflict, "reboot_unavailable")
        case .bundle(let refusal):
            switch refusal {
            case .malformed: (.badRequest, "bundle_malformed")
            case .truncated: (.badRequest, "bundle_truncated")
            case .trailingBytes: (.badRequest, "bundle_trailing_bytes")
            case .badSignature: (.unprocessableContent, "bundle_bad_signature")
            case .digestMismatch: (.unprocessableContent, "bundle_tampered")
            case .wrongBoard: (.unprocessableContent, "bundle_wrong_board")
            case .downgrade: (.unprocessableContent, "bundle_downgrade")
            case .runningVersionTooOld: (.unprocessableContent, "bundle_needs_newer_system")
            case .sink(.refused): (.unprocessableContent, "bundle_refused")
            case .sink(.slotState): (.conflict, "slot_state")
            case .sink(.file), .sink(.readbackMismatch): (.internalServerError, "install_failed")
            }
        }
    }
}

/// `{"url": "http://...", "allow_downgrade": false}`.
struct UpdateURLBody: Decodable {
    let url: String
    let allowDowngrade: Bool?

    enum CodingKeys: String, CodingKey {
        case url
        case allowDowngrade = "allow_downgrade"
    }
}

/// The answer to `POST /api/v1/update/reboot`.
struct RebootBody: Encodable {
    let slot: String
    /// The restart argument (`0 tryboot`), when there is one.
    let argument: String?
}
