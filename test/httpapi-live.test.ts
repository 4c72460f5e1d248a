/**
 * Spec.fromHttpApi against a real HttpApi server (@effect/platform-node on 127.0.0.1,
 * random port), over both live transports.
 */
import type { HttpApiError } from "@effect/platform"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, HttpServer } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import type { Endpoint } from "@service-client/core"
import { ServiceClient, Spec, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Effect, Layer, Schema } from "effect"
import * as Http from "node:http"

class User extends Schema.Class<User>("User")({ id: Schema.Number, name: Schema.String }) {}
class UserNotFound extends Schema.TaggedError<UserNotFound>()(
  "UserNotFound",
  { id: Schema.Number },
  HttpApiSchema.annotations({ status: 404 })
) {}
class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  {},
  HttpApiSchema.annotations({ status: 401 })
) {}

const IdPath = Schema.Struct({ id: Schema.NumberFromString })

class Users extends HttpApiGroup.make("users")
  .add(HttpApiEndpoint.get("getUser", "/users/:id").setPath(IdPath).addSuccess(User).addError(UserNotFound))
  .add(
    HttpApiEndpoint.post("createUser", "/users").setPayload(Schema.Struct({ name: Schema.String })).addSuccess(User, {
      status: 201
    })
  )
  .add(
    HttpApiEndpoint.get("listUsers", "/users")
      .setUrlParams(Schema.Struct({ limit: Schema.NumberFromString, q: Schema.optional(Schema.String) }))
      .addSuccess(Schema.Array(User))
  )
  .add(HttpApiEndpoint.del("deleteUser", "/users/:id").setPath(IdPath))
  .add(HttpApiEndpoint.get("whoami", "/me").setHeaders(Schema.Struct({ "x-user": Schema.String })).addSuccess(User))
  .addError(Unauthorized)
{}
class Health extends HttpApiGroup.make("health", { topLevel: true })
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Schema.Struct({ ok: Schema.Boolean })))
{}
class Api extends HttpApi.make("api").add(Users).add(Health) {}

const UsersLive = HttpApiBuilder.group(Api, "users", (handlers) =>
  handlers
    .handle("getUser", ({ path }) =>
      path.id === 1 ? Effect.succeed(new User({ id: 1, name: "ada" })) : Effect.fail(new UserNotFound({ id: path.id })))
    .handle("createUser", ({ payload }) =>
      Effect.succeed(new User({ id: 2, name: payload.name })))
    .handle("listUsers", ({ urlParams }) =>
      Effect.succeed(Array.from({ length: Math.min(urlParams.limit, 3) }, (_, i) =>
        new User({ id: i, name: urlParams.q ?? "u" }))))
    .handle("deleteUser", () =>
      Effect.void)
    .handle("whoami", ({ headers }) =>
      headers["x-user"] === "root"
        ? Effect.fail(new Unauthorized())
        : Effect.succeed(new User({ id: 9, name: headers["x-user"] }))))
const HealthLive = HttpApiBuilder.group(
  Api,
  "health",
  (handlers) => handlers.handle("health", () => Effect.succeed({ ok: true }))
)

const ServerLive = HttpApiBuilder.serve().pipe(
  Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(UsersLive), Layer.provide(HealthLive))),
  Layer.provideMerge(NodeHttpServer.layer(Http.createServer, { port: 0, host: "127.0.0.1" }))
)

const ApiSpec = Spec.fromHttpApi(Api)

// compile-time: names, inputs, results and error bodies come from the HttpApi
const types = (client: ServiceClient.Client<typeof ApiSpec>) => {
  const user: Effect.Effect<User, unknown> = client.usersGetUser({ id: 1 }).pipe(Effect.mapError(() => "x"))
  // @ts-expect-error: the path parameter is required
  client.usersGetUser({})
  // @ts-expect-error: the payload's name is a string
  client.usersCreateUser({ payload: { name: 1 } })
  client.usersListUsers({ query: { limit: 2 } })
  const body: Endpoint.ErrorBody<typeof ApiSpec.endpoints.usersGetUser> | undefined = undefined
  const check: UserNotFound | Unauthorized | HttpApiError.HttpApiDecodeError | undefined = body
  return [user, check, client.health()]
}
void types

const transports = [
  ["Transport.layer", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))],
  ["NodeTransport", NodeTransport.layer]
] as const

describe("Spec.fromHttpApi", () => {
  it("derives one endpoint per HttpApi endpoint: names, paths, methods and Schemas", () => {
    assert.deepStrictEqual(Object.keys(ApiSpec.endpoints).sort(), [
      "health",
      "usersCreateUser",
      "usersDeleteUser",
      "usersGetUser",
      "usersListUsers",
      "usersWhoami"
    ])
    const get = ApiSpec.endpoints.usersGetUser
    assert.strictEqual(get.path, "/users/{id}")
    assert.strictEqual(get.method, "GET")
    assert.strictEqual(ApiSpec.endpoints.usersDeleteUser.method, "DELETE")
    assert.strictEqual(ApiSpec.endpoints.usersDeleteUser.success, undefined, "a void success decodes nothing")
    const errors = get.error as Record<number, unknown>
    assert.deepStrictEqual(Object.keys(errors).sort(), ["400", "401", "404"])
  })

  for (const [name, transport] of transports) {
    it.scoped(`calls a real HttpApi server (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* Layer.build(ServerLive)
        const address = (yield* HttpServer.HttpServer.pipe(Effect.provide(server))).address
        assert.strictEqual(address._tag, "TcpAddress")
        const baseUrl = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""
        const client = yield* ServiceClient.make(ApiSpec, { name: "api", baseUrl })
        const ada = yield* client.usersGetUser({ id: 1 })
        assert.instanceOf(ada, User)
        assert.deepStrictEqual({ ...ada }, { id: 1, name: "ada" })
        const missing = yield* Effect.flip(client.usersGetUser({ id: 7 }))
        assert.strictEqual(missing._tag, "ResponseError")
        if (missing._tag === "ResponseError") {
          assert.strictEqual(missing.status, 404)
          assert.instanceOf(missing.error, UserNotFound)
          assert.strictEqual((missing.error as UserNotFound).id, 7)
        }
        const created = yield* client.usersCreateUser({ payload: { name: "bob" } })
        assert.deepStrictEqual({ ...created }, { id: 2, name: "bob" })
        const listed = yield* client.usersListUsers({ query: { limit: 2, q: "z" } })
        assert.deepStrictEqual(listed.map((u) => u.name), ["z", "z"])
        yield* client.usersDeleteUser({ id: 1 })
        const me = yield* client.usersWhoami({ headers: { "x-user": "eve" } })
        assert.strictEqual(me.name, "eve")
        const denied = yield* Effect.flip(client.usersWhoami({ headers: { "x-user": "root" } }))
        assert.isTrue(denied._tag === "ResponseError" && denied.status === 401 && denied.error instanceof Unauthorized)
        assert.deepStrictEqual(yield* client.health(), { ok: true })
        const bad = yield* Effect.flip(client.usersCreateUser({ payload: { name: 1 as unknown as string } }))
        assert.strictEqual(bad._tag, "InputError")
      }).pipe(Effect.provide(transport)))
  }

  it("an HttpApi path a client cannot express is a SpecError", () => {
    class Wild extends HttpApiGroup.make("files").add(HttpApiEndpoint.get("any", "/files/*")) {}
    assert.throws(() => Spec.fromHttpApi(HttpApi.make("w").add(Wild)), /wildcard/)
    class Reserved extends HttpApiGroup.make("top", { topLevel: true }).add(HttpApiEndpoint.get("call", "/call")) {}
    assert.throws(() => Spec.fromHttpApi(HttpApi.make("r").add(Reserved)), /reserved/)
  })
})
