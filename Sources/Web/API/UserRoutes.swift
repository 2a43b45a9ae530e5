import Hummingbird
import HTTPTypes

/// `/api/v1/users` (admin): the people who may log in.
///
/// - `GET /api/v1/users` → `{"users":[{"id","username","role","created_at"}]}`.
/// - `POST /api/v1/users` `{"username","password","role":"admin"|"user"}` → 201 with the user.
/// - `PUT /api/v1/users/{id}` `{"role"}` and/or `{"password"}` → 204; the user's sessions end.
/// - `DELETE /api/v1/users/{id}` → 204, with the user's sessions and tokens. The last admin cannot be removed or
///   demoted (409 `last_admin`).
struct UserRoutes {
    let accounts: Accounts

    func register(on router: some RouterMethods<RillRequestContext>) {
        let accounts = accounts
        let users = router.group("api/v1/users")
        users.get { _, _ -> UserList in
            UserList(users: await accounts.userList)
        }
        users.post { request, context -> EditedResponse<Accounts.User> in
            let body = try await request.decode(as: NewUser.self, context: context)
            let user = try await Self.account { try await accounts.createUser(body.username, password: body.password, role: try Self.role(body.role)) }
            return EditedResponse(status: .created, response: user)
        }
        users.put(":id") { request, context -> HTTPResponse.Status in
            let id = try Self.id(context)
            let body = try await request.decode(as: UserChange.self, context: context)
            if let password = body.password { try await Self.account { try await accounts.setPassword(of: id, to: password) } }
            if let role = body.role {
                let role = try Self.role(role)
                try await Self.account { try await accounts.setRole(of: id, to: role) }
            }
            return .noContent
        }
        users.delete(":id") { _, context -> HTTPResponse.Status in
            let id = try Self.id(context)
            try await Self.account { try await accounts.deleteUser(id) }
            return .noContent
        }
    }

    static func role(_ text: String?) throws -> Role {
        guard let role = Role(rawValue: text ?? "user") else { throw APIError.badRequest("role must be admin or user") }
        return role
    }

    static func id(_ context: RillRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw APIError.badRequest("the id must be a number") }
        return id
    }

    /// Runs an account change, turning its refusal into the API's error shape.
    static func account<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AccountError {
            switch error {
            case .noSuchUser: throw APIError.notFound(error.description)
            case .lastAdmin: throw APIError(.conflict, code: "last_admin", message: error.description)
            case .usernameTaken: throw APIError(.conflict, code: "username_taken", message: error.description)
            default: throw APIError.badRequest(error.description)
            }
        } catch is PasswordHasherBusy {
            throw LoginRefused.busy
        }
    }
}

struct NewUser: Decodable {
    let username: String
    let password: String
    let role: String?
}

struct UserChange: Decodable {
    let password: String?
    let role: String?
}

struct UserList: ResponseEncodable {
    let users: [Accounts.User]
}
