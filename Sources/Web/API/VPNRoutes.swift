import FoundationEssentials
import Hummingbird
import Netguard
import NIOCore

/// `/api/v1/vpn`: the WireGuard tunnel the engine is confined to.
///
/// - `GET /api/v1/vpn`: ``Netguard/VPNStatus`` (configured, kill switch, handshake age, peers, the config's
///   summary). Never a key.
/// - `PUT /api/v1/vpn`: a wg-quick file, as the body itself (paste or upload, any type but JSON) or as
///   `{"config": "…"}`. Validated, stored (0600) and applied; 200 with the status after the bring-up (its
///   `error` says when the tunnel could not be made). A bad file is 400 `invalid_vpn_config` with the line
///   and key in the message; the message never quotes a key.
/// - `POST /api/v1/vpn/test?seconds=N`: a handshake within N seconds (1–60, default 10), ``Netguard/VPNTestResult``.
///
/// Every user may read the status (the dashboard's banner); changing and testing are for admins (`admin`).
struct VPNRoutes {
    let vpn: VPNManager

    func register(on router: some RouterMethods<RillRequestContext>, admin: some RouterMethods<RillRequestContext>) {
        router.get("api/v1/vpn") { _, _ -> VPNStatus in
            await vpn.status()
        }
        let routes = admin.group("api/v1/vpn")
        routes.put { request, context -> VPNStatus in
            let bytes = try await Self.configBytes(of: request, context: context)
            do throws(VPNConfigureError) {
                return try await vpn.configure(bytes)
            } catch {
                switch error {
                case .invalid(let invalid):
                    throw APIError(.badRequest, code: "invalid_vpn_config", message: invalid.description)
                case .storage:
                    throw APIError.internalError
                }
            }
        }
        routes.post("test") { request, _ -> VPNTestResult in
            let text = request.uri.queryParameters["seconds"].map(String.init) ?? "10"
            guard let seconds = Int(text), (1...60).contains(seconds) else {
                throw APIError.badRequest("seconds must be a whole number from 1 to 60")
            }
            return await vpn.test(within: .seconds(seconds))
        }
    }

    /// The file from the body: the bytes themselves, or the `config` string of a JSON object.
    private static func configBytes(of request: Request, context: RillRequestContext) async throws -> [UInt8] {
        if request.headers[.contentType]?.hasPrefix("application/json") == true {
            let body = try await request.decode(as: VPNConfigBody.self, context: context)
            return Array(body.config.utf8)
        }
        let limit = VPNConfigFile.maxSize
        let buffer = try await request.body.collect(upTo: limit + 1)
        guard buffer.readableBytes <= limit else { throw APIError.payloadTooLarge(limit: limit) }
        return Array(buffer.readableBytesView)
    }
}

struct VPNConfigBody: Decodable {
    let config: String
}

extension VPNStatus: ResponseEncodable {}
extension VPNTestResult: ResponseEncodable {}
