import Hummingbird
import HTTPTypes

/// `/api/v1/setup`: the first-run wizard for scripts (and the QEMU image test); the pages use the same
/// ``SetupWizard``. Before an admin exists these routes are public; once one exists, the steps after it need that
/// admin's session (the answer to the admin step sets it); after setup they answer 404 (behind the login).
///
/// - `GET /api/v1/setup` → `{"state":"needed"|"done","steps":{"admin","vpn","storage"}}`.
/// - `POST /api/v1/setup/admin` `{"username","password"}` → `{"username","role","csrf_token"}` with the session
///   cookie: later steps send the cookie and `X-CSRF-Token`.
/// - VPN: `PUT /api/v1/vpn` (docs/API.md), or `POST /api/v1/setup/vpn` `{"skip":true}` → 204.
/// - `GET /api/v1/setup/storage` → `{"data":{"path","free_bytes","total_bytes"},"devices":[…]}`.
/// - `POST /api/v1/setup/storage` `{"target":"data"}` or `{"target":"device","device":"sda","format":true,
///   "confirm":"sda"}` → 200 `{"target","device","uuid"}`.
/// - `POST /api/v1/setup/complete` → the status, `state` `done`; 409 `setup_incomplete` naming missing steps.
struct SetupRoutes {
    let wizard: SetupWizard

    func register(on router: some RouterMethods<RillRequestContext>) {
        let wizard = wizard
        router.get("api/v1/setup") { _, _ -> SetupWizard.Status in
            await wizard.status()
        }
        router.post("api/v1/setup/admin") { request, context -> Response in
            try Self.guardStep(context, wizard)
            let body = try await request.decode(as: LoginBody.self, context: context)
            let session = try await Self.step { try await wizard.setAdmin(username: body.username, password: body.password) }
            var response = try context.responseEncoder.encode(
                Me(username: session.identity.username, role: session.identity.role.rawValue, csrfToken: session.csrfToken),
                from: request, context: context
            )
            response.headers.append(HTTPField(name: .setCookie, value: AuthMiddleware.sessionCookieHeader(session.id, maxAge: session.maxAgeSeconds)))
            return response
        }
        router.post("api/v1/setup/vpn") { request, context -> HTTPResponse.Status in
            try Self.guardStep(context, wizard)
            let body = try await request.decode(as: SkipVPN.self, context: context)
            try await Self.step { try await wizard.skipVPN(body.skip) }
            return .noContent
        }
        router.get("api/v1/setup/storage") { _, context -> SetupWizard.StorageChoices in
            try Self.guardStep(context, wizard)
            return await wizard.storageChoices()
        }
        router.post("api/v1/setup/storage") { request, context -> StorageChosen in
            try Self.guardStep(context, wizard)
            let body = try await request.decode(as: StorageChoice.self, context: context)
            switch body.target {
            case "data":
                try await Self.step { try await wizard.useDataDirectory() }
                return StorageChosen(target: "data", device: nil, uuid: nil)
            case "device":
                guard let device = body.device else { throw APIError.badRequest("name the device: {\"target\":\"device\",\"device\":\"sda\"}") }
                let uuid = try await Self.step { try await wizard.useDevice(device, format: body.format ?? false, confirm: body.confirm) }
                return StorageChosen(target: "device", device: device, uuid: uuid)
            default:
                throw APIError.badRequest("target must be \"data\" or \"device\"")
            }
        }
        router.post("api/v1/setup/complete") { _, context -> SetupWizard.Status in
            try Self.guardStep(context, wizard)
            return try await Self.step { try await wizard.complete() }
        }
    }

    /// After setup every step is gone (404). Before, the auth middleware already demands a login once an admin
    /// exists; it must be an admin's.
    static func guardStep(_ context: RillRequestContext, _ wizard: SetupWizard) throws {
        guard !wizard.state.isDone else { throw APIError.notFound("setup is complete") }
        if let identity = context.identity, identity.role != .admin {
            throw APIError(.forbidden, code: "forbidden", message: "setup needs the admin")
        }
    }

    /// Runs a wizard step, turning its refusal into the API's error shape.
    static func step<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SetupError {
            switch error {
            case .finished: throw APIError.notFound("setup is complete")
            case .incomplete: throw APIError(.conflict, code: "setup_incomplete", message: error.description)
            case .invalid: throw APIError.badRequest(error.description)
            }
        } catch let error as StorageSetupError {
            switch error {
            case .refused: throw APIError.badRequest(error.description)
            case .commandFailed: throw APIError(.internalServerError, code: "storage_failed", message: error.description)
            }
        } catch let error as AccountError {
            throw APIError.badRequest(error.description)
        } catch let error as SettingsError {
            throw APIError.badRequest(error.description)
        } catch is PasswordHasherBusy {
            throw LoginRefused.busy
        }
    }
}

struct SkipVPN: Decodable {
    let skip: Bool
}

struct StorageChoice: Decodable {
    let target: String
    let device: String?
    let format: Bool?
    let confirm: String?
}

struct StorageChosen: ResponseEncodable {
    let target: String
    let device: String?
    let uuid: String?
}

extension SetupWizard.Status: ResponseEncodable {}
extension SetupWizard.StorageChoices: ResponseEncodable {}
