import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Config, ConfigProvider, Context, Effect, Fiber, Layer, Stream, TestClock } from "effect"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}"),
  raw: Endpoint.get("/raw")
})

const client = (handler: Parameters<typeof Transport.make>[0], maxResponseBytes?: number) =>
  ServiceClient.make(Api, { name: "users", baseUrl: "http://127.0.0.1:1", maxResponseBytes }).pipe(
    Effect.provide(Layer.succeed(Transport.Transport, Transport.make(handler)))
  )

describe("Transport.make", () => {
  it.scoped("answers from a function of the request: json, headers lower-cased, status", () =>
    Effect.gen(function*() {
      const users = yield* client((request) =>
        Effect.succeed({ status: 201, headers: { "X-Seen": request.url }, json: { id: 12, method: request.method } })
      )
      const res = yield* users.call("getUser", { user_id: 12 })
      assert.strictEqual(res.status, 201)
      assert.deepStrictEqual(res.data, { id: 12, method: "GET" })
      assert.strictEqual(res.headers["x-seen"], "http://127.0.0.1:1/user/12")
      assert.strictEqual(res.headers["content-type"], "application/json")
    }))

  it.scoped("a text body is handed over as it is; an empty one is undefined", () =>
    Effect.gen(function*() {
      const users = yield* client((request) =>
        Effect.succeed(
          request.url.endsWith("/raw") ? { headers: { "Content-Type": "application/json" }, body: "\"hello\"" } : {}
        )
      )
      assert.strictEqual(yield* users.raw(), "hello")
      assert.isUndefined(yield* users.getUser(1))
    }))

  it.scoped("the body read honours maxResponseBytes, from bytes and from a stream", () =>
    Effect.gen(function*() {
      const bytes = new TextEncoder().encode("\"0123456789\"")
      const users = yield* client(
        (request) =>
          Effect.succeed({
            headers: { "content-type": "application/json" },
            body: request.url.endsWith("/raw") ? Stream.make(bytes.slice(0, 6), bytes.slice(6)) : bytes
          }),
        8
      )
      const fromBytes = yield* Effect.flip(users.getUser(1))
      const fromStream = yield* Effect.flip(users.raw())
      for (const error of [fromBytes, fromStream]) {
        assert.strictEqual(error._tag, "RequestError")
        if (error._tag === "RequestError") assert.strictEqual(error.reason, "ResponseTooLarge")
      }
    }))

  it.scoped("a streamed body is read when the core reads it; the handler's error is the call's", () =>
    Effect.gen(function*() {
      const users = yield* client((request) =>
        request.url.endsWith("/raw")
          ? Effect.succeed({
            json: undefined,
            headers: { "content-type": "application/json" },
            body: Stream.fromEffect(Effect.as(Effect.sleep("1 second"), new TextEncoder().encode("[1]")))
          })
          : Effect.fail(Transport.requestError(request, new Error("ECONNREFUSED")))
      )
      const fiber = yield* Effect.fork(users.raw())
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [1])
      const error = yield* Effect.flip(users.getUser(1))
      assert.strictEqual(error._tag, "RequestError")
    }))
})

class Users extends Context.Tag("test/Users")<Users, ServiceClient.Client<typeof Api>>() {}

describe("ServiceClient.layerConfig", () => {
  const transport = Layer.succeed(
    Transport.Transport,
    Transport.make((request) => Effect.succeed({ json: { url: request.url, padding: "x".repeat(100) } }))
  )
  const layer = ServiceClient.layerConfig(Users, Api, {
    name: Config.string("USERS_NAME"),
    baseUrl: Config.string("USERS_URL"),
    maxResponseBytes: Config.integer("USERS_MAX_BYTES").pipe(Config.withDefault(1000))
  }).pipe(Layer.provide(transport))
  const withConfig = (entries: ReadonlyArray<readonly [string, string]>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries)))

  it.effect("reads the options from Config when the layer is built", () =>
    Effect.gen(function*() {
      const users = yield* Users
      assert.strictEqual(users.service, "orders")
      const res = (yield* users.getUser(7)) as { readonly url: string }
      assert.strictEqual(res.url, "http://127.0.0.1:2/v1/user/7")
    }).pipe(
      Effect.provide(layer),
      withConfig([["USERS_NAME", "orders"], ["USERS_URL", "http://127.0.0.1:2/v1"]])
    ))

  it.effect("a Config value is used like the plain option (maxResponseBytes)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip((yield* Users).getUser(7))
      assert.strictEqual(error._tag, "RequestError")
    }).pipe(
      Effect.provide(layer),
      withConfig([["USERS_NAME", "orders"], ["USERS_URL", "http://127.0.0.1:2"], ["USERS_MAX_BYTES", "10"]])
    ))

  it.effect("a missing value fails the layer with a ConfigError naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(layer).pipe(Effect.scoped))
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(String(error), "USERS_URL")
    }).pipe(withConfig([["USERS_NAME", "orders"]])))

  it.effect("plain values and plugins are given as they are", () =>
    Effect.gen(function*() {
      const users = yield* Users
      assert.strictEqual(users.service, "plain")
    }).pipe(
      Effect.provide(
        ServiceClient.layerConfig(Users, Api, { name: "plain", baseUrl: "http://127.0.0.1:2", plugins: [] }).pipe(
          Layer.provide(transport)
        )
      )
    ))
})
