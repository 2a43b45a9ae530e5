import Hummingbird
import HTTPTypes

/// `/api/v1/tokens` (admin): API tokens for scripts. The token is in the answer to its creation only.
///
/// - `POST /api/v1/tokens` `{"name":"sonarr"}` → 201 `{"id","name","username","created_at","token":"rill_…"}`;
///   the token acts as the admin who created it.
/// - `GET /api/v1/tokens` → `{"tokens":[{"id","name","username","created_at"}]}`.
/// - `DELETE /api/v1/tokens/{id}` → 204; the token stops working at once.
struct TokenRoutes {
    let accounts: Accounts

    func register(on router: some RouterMethods<RillRequestContext>) {
        let accounts = accounts
        let tokens = router.group("api/v1/tokens")
        tokens.post { request, context -> EditedResponse<CreatedToken> in
            guard let identity = context.identity else {
                throw APIError(.forbidden, code: "forbidden", message: "API tokens can be made once an admin exists")
            }
            let body = try await request.decode(as: NewToken.self, context: context)
            do {
                let (token, secret) = try await accounts.createToken(named: body.name, for: identity.userID)
                return EditedResponse(status: .created, response: CreatedToken(
                    id: token.id, name: token.name, username: token.username, createdAt: token.createdAt, token: secret
                ))
            } catch let error as AccountError {
                throw APIError.badRequest(error.description)
            }
        }
        tokens.get { _, _ -> TokenList in
            TokenList(tokens: await accounts.tokenList)
        }
        tokens.delete(":id") { _, context -> HTTPResponse.Status in
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw APIError.badRequest("the id must be a number") }
            do {
                try await accounts.revokeToken(id)
            } catch {
                throw APIError.notFound("no API token with that id")
            }
            return .noContent
        }
    }
}

struct NewToken: Decodable {
    let name: String
}

struct CreatedToken: ResponseEncodable {
    let id: Int64
    let name: String
    let username: String
    let createdAt: Int64
    let token: String
}

struct TokenList: ResponseEncodable {
    let tokens: [Accounts.Token]
}

extension Accounts.Token: ResponseEncodable {}
extension Accounts.User: ResponseEncodable {}
