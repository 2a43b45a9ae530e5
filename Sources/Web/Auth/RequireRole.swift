import Hummingbird

/// Lets a request through only for a user with `role` (admins pass every check). Before setup, while no admin
/// exists, everything is open (``AccessPolicy/Phase/open``) and so is this. Put it on a `RouterGroup`:
/// ``WebServer/adminGroup(_:)``.
public struct RequireRole: RouterMiddleware {
    public typealias Context = RillRequestContext
    let role: Role
    let accounts: Accounts
    let setup: SetupState

    public init(_ role: Role, accounts: Accounts, setup: SetupState) {
        self.role = role
        self.accounts = accounts
        self.setup = setup
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let identity = context.identity {
            guard identity.role == .admin || identity.role == role else {
                throw APIError(.forbidden, code: "forbidden", message: "this needs an admin; you are logged in as \(identity.username), a \(identity.role.rawValue)")
            }
        } else if await needsLogin() {
            // The auth middleware lets anonymous requests through only to public routes.
            throw APIError(.unauthorized, code: "unauthorized", message: "log in first")
        }
        return try await next(request, context)
    }

    private func needsLogin() async -> Bool {
        if setup.isDone { return true }
        return await accounts.hasAdmin
    }
}
