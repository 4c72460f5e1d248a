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
// @entry UserService
class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}
// @entry Users
class Users extends Context.Tag("Users")<Users, ServiceClient.Client<typeof UserApi>>() {}
// @entry users client
declare const users: ServiceClient.Client<typeof UserApi>
declare const client: ServiceClient.Client<typeof UserApi>
// @entry UserServiceLive
const UserServiceLive = ServiceClient.layer(UserService, UserApi, { name: "users", baseUrl: "http://127.0.0.1:8080" })
// @entry program
declare const program: Effect.Effect<void, unknown, UserService>
