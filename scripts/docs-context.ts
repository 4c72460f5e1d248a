// The context the code blocks of README.md and docs/*.md share (see scripts/docs-check.mjs):
// each `// @entry names` starts the code that declares those names; a block that uses a
// name it does not declare gets that entry (and the entries it uses). Not compiled alone.
// @entry User
class User extends Schema.Class<User>("User")({ id: Schema.Number, username: Schema.String }) {}
// @entry UserApi
const UserApi = Spec.make({
  listUsers: Endpoint.get("/users", { success: Schema.Array(User) }),
  getUser: Endpoint.get("/users/{user_id}", { success: User, error: Schema.Struct({ error: Schema.String }) }),
  createUser: Endpoint.post("/users", { payload: Schema.Struct({ username: Schema.String }), success: User }),
  deleteUser: Endpoint.del("/users/{user_id}")
})
// @entry DocsApi
const DocsUser = Schema.Struct({ id: Schema.Number, username: Schema.String })
const DocsApi = Spec.make({
  listUsers: Endpoint.get("/users", { success: Schema.Array(DocsUser) }),
  getUser: Endpoint.get("/users/{user_id}", { success: DocsUser, error: Schema.Struct({ error: Schema.String }) }),
  createUser: Endpoint.post("/users", { payload: Schema.Struct({ username: Schema.String }), success: DocsUser }),
  deleteUser: Endpoint.del("/users/{user_id}"),
  search: Endpoint.get("/search", {
    success: Schema.Struct({ data: Schema.Array(DocsUser), meta: Schema.Struct({ next: Schema.NullOr(Schema.String) }) })
  }),
  listOrders: Endpoint.get("/orders", { success: Schema.Array(Schema.Unknown) }),
  listRepos: Endpoint.get("/repos", { success: Schema.Array(Schema.Unknown) }),
  export: Endpoint.get("/export")
})
// @entry Api
const Api = DocsApi
// @entry UserService
class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}
// @entry Users
class Users extends Context.Tag("Users")<Users, ServiceClient.Client<typeof UserApi, LimiterError.LimiterError>>() {}
// @entry users client
declare const users: ServiceClient.Client<typeof DocsApi, LimiterError.LimiterError> // with Pool or RateLimit
declare const client: ServiceClient.Client<typeof DocsApi>
// @entry UserServiceLive
const UserServiceLive = ServiceClient.layer(UserService, UserApi, { name: "users", baseUrl: "http://127.0.0.1:8080" })
// @entry program
declare const program: Effect.Effect<void, unknown, UserService>
// @entry baseUrl
declare const baseUrl: string
// @entry fetchToken
declare const fetchToken: Effect.Effect<string>
// @entry fetchAccessToken
declare const fetchAccessToken: Effect.Effect<{ readonly access_token: string }>
// @entry res
declare const res: ServiceResponse.ServiceResponse<unknown>
// @entry fallback
declare const fallback: typeof DocsUser.Type
// @entry greet
declare const greet: (user: User) => Effect.Effect<string>
// @entry myPool
declare const myPool: import("undici").Dispatcher
// @entry OTLPTraceExporter
declare class OTLPTraceExporter extends InMemorySpanExporter {}
// @entry TestLayer
declare const TestLayer: Layer.Layer<UserService | Mock.Registry>
