import { assert, describe, it } from "@effect/vitest"
import { Endpoint, NoMock, Plugin, ServiceClient, Spec, TimeoutError } from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Context, Duration, Effect, Fiber, Schema, TestClock } from "effect"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", {
    success: User,
    mock: { type: "json", data: { id: 0, username: "spec" } }
  }),
  listUsers: Endpoint.get("/users", { mock: { type: "json", data: [] } }),
  createUser: Endpoint.post("/user", { mock: { type: "json", data: { id: 1, username: "spec" }, status: 201 } }),
  unmocked: Endpoint.get("/unmocked")
})

const client = (name = "users", plugins: ReadonlyArray<Plugin.Plugin> = []) =>
  ServiceClient.make(Api, { name, baseUrl: `http://${name}.test`, plugins })

const user = (id: number, username = `user${id}`) => Mock.json({ id, username })

/** The usernames of `n` getUser calls. */
const names = (users: Effect.Effect.Success<ReturnType<typeof client>>, n: number) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => i),
    (i) => Effect.map(users.getUser({ user_id: i }), (u) => u.username)
  )

describe("Mock", () => {
  it.scoped("use answers the matching endpoint once by default, then the endpoint's mock", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.use(() => user(12, "override"), { endpoint: "getUser" })
      assert.deepStrictEqual(yield* users.listUsers(), [])
      assert.deepStrictEqual(yield* names(users, 2), ["override", "spec"])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("use with service answers only that service's calls", () =>
    Effect.gen(function*() {
      const users = yield* client("users")
      const others = yield* client("others")
      yield* Mock.use(() => user(1, "others-override"), { service: "others" })
      assert.deepStrictEqual(yield* names(users, 1), ["spec"])
      assert.deepStrictEqual(yield* names(others, 2), ["others-override", "spec"])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("offset lets that many matching calls through first; limit counts the uses", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.use(() => user(1, "override"), { endpoint: "getUser", offset: 2, limit: 2 })
      assert.deepStrictEqual(yield* names(users, 5), ["spec", "spec", "override", "override", "spec"])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("limit 0 never runs out until the scope closes", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Mock.use(() => user(1, "always"), { limit: 0 })
        assert.deepStrictEqual(yield* names(users, 4), ["always", "always", "always", "always"])
        assert.deepStrictEqual(yield* users.listUsers(), { id: 1, username: "always" })
      }))
      assert.deepStrictEqual(yield* names(users, 1), ["spec"])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("the newest override answers first; older ones answer once it is used up", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.use(() => user(1, "older"), { limit: 2 })
      yield* Mock.use(() => user(2, "newer"))
      assert.deepStrictEqual(yield* names(users, 4), ["newer", "older", "older", "spec"])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("a newer override with an offset lets older overrides answer the skipped calls", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.use(() => user(1, "older"), { limit: 0 })
      yield* Mock.use(() => user(2, "newer"), { offset: 1 })
      assert.deepStrictEqual(yield* names(users, 3), ["older", "newer", "older"])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("patch merges into the endpoint's mock description for matching calls", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.patch({ data: { id: 5, username: "patched" } }, { endpoint: "getUser" })
      yield* Mock.patch({ status: 503, headers: { "retry-after": "1" } }, { endpoint: "createUser", limit: 0 })
      assert.deepStrictEqual(yield* names(users, 2), ["patched", "spec"])
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(users.createUser())
        assert.strictEqual(error._tag, "ResponseError")
        if (error._tag !== "ResponseError") return
        assert.strictEqual(error.status, 503)
        assert.strictEqual(error.headers["retry-after"], "1")
        assert.deepStrictEqual(JSON.parse(error.text), { id: 1, username: "spec" })
      }
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("patch can give an endpoint without a mock one; an incomplete one is a NoMock", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.patch({ type: "raw", data: "{\"ok\":true}" }, { endpoint: "unmocked" })
      assert.deepStrictEqual(yield* users.unmocked(), { ok: true })
      yield* Mock.patch({ status: 500 }, { endpoint: "unmocked" })
      const error = yield* Effect.flip(users.unmocked())
      assert.strictEqual(error._tag, "NoMock")
      assert.include(error.message, "users.unmocked")
      assert.include(error.message, "Mock.patch")
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("the handler sees the request as sent, after the plugins ran", () =>
    Effect.gen(function*() {
      const auth = Plugin.make("Auth", {
        prepareRequest: (session) => Effect.sync(() => void (session.headers.authorization = "Bearer t"))
      })
      const users = yield* client("users", [auth])
      const seen: Array<Mock.Request> = []
      yield* Mock.use((request) => {
        seen.push(request)
        return Mock.json({ id: 3, username: JSON.parse(request.text).username }, { status: 201 })
      })
      const created = yield* users.call("createUser", { payload: { username: "zed" }, query: { dry: true } })
      assert.strictEqual(created.status, 201)
      assert.deepStrictEqual(created.data, { id: 3, username: "zed" })
      const request = seen[0]!
      assert.deepInclude(request, {
        service: "users",
        endpoint: "createUser",
        method: "POST",
        url: "http://users.test/user?dry=true",
        path: "/user",
        body: `{"username":"zed"}`,
        streamed: false
      })
      assert.strictEqual(request.headers.authorization, "Bearer t")
      assert.deepStrictEqual(yield* Mock.calls, [request])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("the handler may use services from where Mock.use ran", () =>
    Effect.gen(function*() {
      class Fixtures extends Context.Tag("Fixtures")<Fixtures, { readonly name: string }>() {}
      const users = yield* client()
      yield* Mock.use(() => Effect.flatMap(Fixtures, (f) => user(9, f.name))).pipe(
        Effect.provideService(Fixtures, { name: "fixture" })
      )
      assert.deepStrictEqual(yield* names(users, 1), ["fixture"])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("Mock.fail is a transport failure: RequestError carrying the cause", () =>
    Effect.gen(function*() {
      const users = yield* client()
      const cause = new Error("connection reset")
      yield* Mock.use(() => Mock.fail(cause))
      const error = yield* Effect.flip(users.getUser({ user_id: 1 }))
      assert.strictEqual(error._tag, "RequestError")
      if (error._tag !== "RequestError") return
      assert.strictEqual(error.reason, "Transport")
      assert.strictEqual(error.cause, cause)
      assert.include(error.message, "users.getUser: GET http://users.test/user/1 failed (Transport): connection reset")
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("a handler may fail with a call error as it is", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.use((r) =>
        Effect.fail(new NoMock({ service: r.service, endpoint: r.endpoint, reason: "on purpose" }))
      )
      const error = yield* Effect.flip(users.getUser({ user_id: 1 }))
      assert.strictEqual(error._tag, "NoMock")
      assert.include(error.message, "on purpose")
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("a handler that never answers lets a timeout fire on the TestClock", () =>
    Effect.gen(function*() {
      const timeout = Plugin.make("Timeout", {
        aroundSend: (session, send) =>
          Effect.timeoutFail(send, {
            duration: Duration.seconds(5),
            onTimeout: () =>
              new TimeoutError({
                service: session.service,
                endpoint: session.endpoint,
                method: session.method,
                url: session.url,
                timeout: Duration.seconds(5)
              })
          })
      })
      const users = yield* client("users", [timeout])
      yield* Mock.use(() => Effect.never, { endpoint: "getUser" })
      const fiber = yield* Effect.fork(Effect.flip(users.getUser({ user_id: 1 })))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "TimeoutError")
      assert.strictEqual((yield* Mock.calls).length, 1)
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("a handler's response may carry a delay", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.use(() => Mock.json({ id: 4, username: "late" }, { delay: "3 seconds" }))
      const fiber = yield* Effect.fork(users.getUser({ user_id: 4 }))
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Fiber.poll(fiber))._tag, "None")
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).username, "late")
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("a bad handler response is a NoMock naming the handler", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* Mock.use(() => Mock.raw(42 as unknown as string))
      const error = yield* Effect.flip(users.getUser({ user_id: 1 }))
      assert.strictEqual(error._tag, "NoMock")
      assert.include(error.message, "Mock.use handler")
      assert.include(error.message, "got a number")
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("calls records every request, clearCalls forgets them", () =>
    Effect.gen(function*() {
      const users = yield* client()
      yield* users.getUser({ user_id: 1 })
      yield* Effect.flip(users.unmocked())
      assert.deepStrictEqual((yield* Mock.calls).map((c) => c.url), [
        "http://users.test/user/1",
        "http://users.test/unmocked"
      ])
      yield* Mock.clearCalls
      assert.deepStrictEqual(yield* Mock.calls, [])
    }).pipe(Effect.provide(NodeMockTransport.layer)))

  it.scoped("bad options fail with MockOptionsError", () =>
    Effect.gen(function*() {
      const cases: Array<[Mock.Options, string]> = [
        [{ limit: -1 }, "limit"],
        [{ offset: 1.5 }, "offset"],
        [{ endpoint: "" }, "endpoint"],
        [{ service: 3 as unknown as string }, "service"]
      ]
      for (const [options, key] of cases) {
        const error = yield* Effect.flip(Mock.use(() => user(1), options))
        assert.strictEqual(error._tag, "MockOptionsError")
        assert.strictEqual(error.key, key)
      }
      const error = yield* Effect.flip(Mock.patch({}, { limit: Number.NaN }))
      assert.strictEqual(error.key, "limit")
    }).pipe(Effect.provide(NodeMockTransport.layer)))
})
