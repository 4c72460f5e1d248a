/**
 * Every plugin over the mock transport: the mock replaces only the transport, so each
 * plugin's observable behaviour (what is sent, what comes back, when) is the same as over
 * the live one. Requests are seen through `Mock.calls`; time is TestClock's (a mock's
 * `delay` sleeps on Effect's Clock).
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, SpecLoader, type Transport } from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import {
  Auth,
  Elapsed,
  Headers,
  Metrics,
  PathTokens,
  Pool,
  QueryParams,
  RateLimit,
  Retry,
  Timeout,
  Tracing,
  TrackingToken
} from "@service-client/plugins"
import { Effect, Exit, Fiber, Metric, Option, Redacted, Schema, type Scope, TestClock } from "effect"
import * as MemoryTracer from "./support/memoryTracer.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })

const Api = Spec.make({
  getUser: Endpoint.get("/user/{id}", { success: User, mock: { type: "json", data: { id: 12, username: "mocked" } } }),
  search: Endpoint.get("/search", {
    headers: { "X-Endpoint": "endpoint", Accept: "text/plain" },
    query: { sort: "name", page: 1 },
    mock: { type: "json", data: [] }
  }),
  slow: Endpoint.get("/slow", { mock: { type: "json", data: { ok: true }, delay: "2 seconds" } }),
  bare: Endpoint.get("/bare")
})

const baseUrl = "http://users.test"

/** Runs a test in its own scope over a fresh mock transport (fresh registry, no recorded calls). */
const mocked = <A, E>(effect: Effect.Effect<A, E, Mock.Registry | Transport.Transport | Scope.Scope>) =>
  effect.pipe(Effect.scoped, Effect.provide(NodeMockTransport.layer))

const urls = Effect.map(Mock.calls, (calls) => calls.map((c) => c.url))

describe("plugins over the mock transport", () => {
  it.effect("PathTokens: defaults < endpoint pathTokens < input, in the recorded URL", () =>
    mocked(Effect.gen(function*() {
      const spec = yield* SpecLoader.fromRecord({
        item: { path: "/{version}/items/{id}", mock: { type: "json", data: { ok: true } } },
        pinned: { path: "/{version}/items/{id}", pathTokens: { version: "v3" }, mock: { type: "json", data: {} } }
      })
      const client = yield* ServiceClient.make(spec, {
        name: "items",
        baseUrl,
        plugins: [PathTokens.make({ tokens: { version: "v1", id: "a/b c" } })]
      })
      const res = yield* client.call("item", {})
      assert.deepStrictEqual(res.data, { ok: true })
      yield* client.call("item", { id: 7 })
      yield* client.call("pinned", {})
      yield* client.call("pinned", { version: "v9", id: 1 })
      assert.deepStrictEqual(yield* urls, [
        `${baseUrl}/v1/items/a%2Fb%20c`,
        `${baseUrl}/v1/items/7`,
        `${baseUrl}/v3/items/a%2Fb%20c`,
        `${baseUrl}/v9/items/1`
      ])
      assert.strictEqual((yield* Mock.calls)[0]!.path, "/v1/items/a%2Fb%20c")
    })))

  it.effect("Headers and QueryParams: plugin < endpoint < input, null removes, in the recorded request", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [
          Headers.make({ headers: { "User-Agent": "tests/1.0", Accept: "application/json", "X-Endpoint": "plugin" } }),
          QueryParams.make({ query: { lang: "en", sort: "id", tag: ["a", "b"] } })
        ]
      })
      yield* client.search()
      yield* client.search({ headers: { ACCEPT: "image/png", "user-agent": null }, query: { lang: null, page: 3 } })
      yield* client.getUser({ id: 1 })
      const [plain, overridden, other] = yield* Mock.calls
      assert.deepStrictEqual(plain!.headers, {
        "x-endpoint": "endpoint",
        accept: "text/plain",
        "user-agent": "tests/1.0"
      })
      assert.strictEqual(plain!.url, `${baseUrl}/search?sort=name&page=1&lang=en&tag=a&tag=b`)
      assert.deepStrictEqual(overridden!.headers, { "x-endpoint": "endpoint", accept: "image/png" })
      assert.strictEqual(overridden!.url, `${baseUrl}/search?sort=name&page=3&tag=a&tag=b`)
      assert.deepStrictEqual(other!.headers, {
        "user-agent": "tests/1.0",
        accept: "application/json",
        "x-endpoint": "plugin"
      })
      assert.strictEqual(other!.url, `${baseUrl}/user/1?lang=en&sort=id&tag=a&tag=b`)
    })))

  it.effect("TrackingToken: on the response, in the recorded header; the call's own header wins", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [TrackingToken.make({ prefix: "t-", length: 6, header: "X-Tracking-Token" })]
      })
      const random = yield* client.call("getUser", { id: 1 })
      const given = yield* client.call("getUser", { id: 1, trackingToken: "ABC", trackingTokenPrefix: "job-" })
      const own = yield* client.call("getUser", { id: 1, headers: { "x-tracking-token": "mine" } })
      assert.match(random.attributes.trackingToken as string, /^t-[A-Z0-9]{6}$/)
      assert.strictEqual(given.attributes.trackingToken, "job-ABC")
      const calls = yield* Mock.calls
      assert.deepStrictEqual(calls.map((c) => c.headers["x-tracking-token"]), [
        random.attributes.trackingToken,
        "job-ABC",
        "mine"
      ])
      assert.match(own.attributes.trackingToken as string, /^t-[A-Z0-9]{6}$/)
    })))

  it.effect("Timeout fires on a delayed mock and on a handler that never answers, naming service and endpoint", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Timeout.make({ timeout: "1 second" })]
      })
      const slow = yield* Effect.fork(Effect.flip(client.slow()))
      yield* TestClock.adjust("999 millis")
      assert.isNull(slow.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(slow)
      assert.strictEqual(error._tag, "TimeoutError")
      if (error._tag !== "TimeoutError") return
      assert.strictEqual(error.service, "users")
      assert.strictEqual(error.endpoint, "slow")
      assert.strictEqual(error.url, `${baseUrl}/slow`)
      assert.include(error.message, "users.slow")

      yield* Mock.use(() => Effect.never, { endpoint: "getUser" })
      const hung = yield* Effect.fork(Effect.flip(client.getUser({ id: 1, timeout: "5 seconds" })))
      yield* TestClock.adjust("4999 millis")
      assert.isNull(hung.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const hungError = yield* Fiber.join(hung)
      assert.strictEqual(hungError._tag, "TimeoutError")
      assert.strictEqual(hungError.endpoint, "getUser")

      // a call that turns the timeout off gets the slow answer
      const patient = yield* Effect.fork(client.call("slow", { timeout: null }))
      yield* TestClock.adjust("2 seconds")
      const res = yield* Fiber.join(patient)
      assert.strictEqual(res.status, 200)
      assert.isNull(res.attributes.timeout)
      assert.strictEqual((yield* Mock.calls).length, 3)
    })))

  it.effect("Timeout before a Pool covers the wait: a hung mock and its waiter time out, the slot comes back", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Timeout.make({ timeout: "1 second" }), Pool.make({ limit: 1 })]
      })
      yield* Mock.use(() => Effect.never, { endpoint: "getUser" })
      const hung = yield* Effect.fork(Effect.flip(client.getUser({ id: 1 })))
      const waiter = yield* Effect.fork(Effect.flip(client.getUser({ id: 2 })))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual([(yield* Fiber.join(hung))._tag, (yield* Fiber.join(waiter))._tag], [
        "TimeoutError",
        "TimeoutError"
      ])
      assert.deepStrictEqual(yield* client.getUser({ id: 3 }), { id: 12, username: "mocked" })
      assert.deepStrictEqual((yield* Mock.calls).map((c) => c.path), ["/user/1", "/user/3"])
    })))

  it.effect("Elapsed: headers is the mock's delay on TestClock; switches per call", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Elapsed.make()] })
      yield* Mock.use(() => Mock.json({ id: 1, username: "x" }, { delay: "250 millis" }), { endpoint: "getUser" })
      const fiber = yield* Effect.fork(client.call("getUser", { id: 1 }))
      yield* TestClock.adjust("250 millis")
      const res = yield* Fiber.join(fiber)
      assert.deepStrictEqual(res.attributes.elapsed, { headers: 250, read: 0, parse: 0, total: 250 })
      const off = yield* client.call("getUser", { id: 1, elapsed: { read: false, parse: false } })
      assert.deepStrictEqual(off.attributes.elapsed, { headers: 0, total: 0 })
    })))

  it.effect("Pool: limit, hardLimit, timeout and blockedByPool with delayed mocks", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Elapsed.make(), Pool.make({ limit: 2, hardLimit: 2, timeout: "3 seconds" })]
      })
      // /slow answers after 2 s: two calls in flight, two waiting, the fifth is refused at once
      const fibers = yield* Effect.forEach(
        Array.from({ length: 4 }),
        () => Effect.fork(Effect.either(client.call("slow"))),
        { concurrency: 1 }
      )
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Mock.calls).length, 2)
      const refused = yield* Effect.flip(client.slow())
      assert.strictEqual(refused._tag, "TooManyRequestsPending")
      if (refused._tag === "TooManyRequestsPending") {
        assert.strictEqual(refused.limiter, "pool")
        assert.strictEqual(refused.endpoint, "slow")
      }
      yield* TestClock.adjust("1999 millis")
      const results = yield* Effect.forEach(fibers.slice(0, 2), Fiber.join)
      assert.deepStrictEqual(results.map((r) => r._tag === "Right" && r.right.attributes.blockedByPool), [0, 0])
      assert.strictEqual((yield* Mock.calls).length, 4)
      yield* TestClock.adjust("2 seconds")
      const waited = yield* Effect.forEach(fibers.slice(2), Fiber.join)
      assert.deepStrictEqual(waited.map((r) => r._tag === "Right" && r.right.attributes.blockedByPool), [2000, 2000])
      // Elapsed counts the exchange only, not the wait, though it is listed before the Pool
      assert.deepStrictEqual(
        waited.map((r) => r._tag === "Right" && (r.right.attributes.elapsed as Elapsed.Durations).headers),
        [2000, 2000]
      )

      // a waiter gives up after the Pool's timeout, with the time it waited
      yield* Mock.use(() => Mock.json({}, { delay: "5 seconds" }), { endpoint: "slow", limit: 2 })
      const blockers = yield* Effect.forEach([1, 2], () => Effect.fork(client.slow()))
      const late = yield* Effect.fork(Effect.flip(client.slow()))
      yield* TestClock.adjust("3 seconds")
      const timedOut = yield* Fiber.join(late)
      assert.strictEqual(timedOut._tag, "TooMuchTimePending")
      if (timedOut._tag === "TooMuchTimePending") assert.strictEqual(timedOut.limiter, "pool")
      yield* TestClock.adjust("2 seconds")
      yield* Effect.forEach(blockers, Fiber.join)
      assert.strictEqual((yield* Mock.calls).length, 6)
    })))

  it.effect("RateLimit: at most limit calls start per period, blockedByRateLimit", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [RateLimit.make({ limit: 2, period: "1 second", hardLimit: 10 })]
      })
      const fiber = yield* Effect.fork(
        Effect.forEach([1, 2, 3, 4, 5], (id) => client.call("getUser", { id }), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("999 millis")
      assert.strictEqual((yield* Mock.calls).length, 2)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Mock.calls).length, 4)
      yield* TestClock.adjust("1 second")
      const responses = yield* Fiber.join(fiber)
      assert.deepStrictEqual(responses.map((r) => r.attributes.blockedByRateLimit), [0, 0, 1000, 1000, 2000])
      assert.deepStrictEqual((yield* Mock.calls).map((c) => c.path), [1, 2, 3, 4, 5].map((id) => `/user/${id}`))

      // hardLimit and timeout, as in Pool, with limiter "rateLimit"
      const strict = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [RateLimit.make({ limit: 1, period: "1 second", hardLimit: 1, timeout: "500 millis" })]
      })
      yield* strict.getUser({ id: 6 })
      const waiting = yield* Effect.fork(Effect.flip(strict.getUser({ id: 7 })))
      yield* TestClock.adjust("1 millis")
      const refused = yield* Effect.flip(strict.getUser({ id: 8 }))
      yield* TestClock.adjust("499 millis")
      const gaveUp = yield* Fiber.join(waiting)
      assert.deepStrictEqual(
        [refused, gaveUp].map((e) => `${e._tag} ${"limiter" in e ? e.limiter : ""}`),
        ["TooManyRequestsPending rateLimit", "TooMuchTimePending rateLimit"]
      )
      assert.strictEqual((yield* Mock.calls).length, 6)
    })))

  it.effect("Retry: a mocked 503 then 200 (Mock.use limit), and Retry-After honoured", () =>
    mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Retry.make({ jitter: false })]
      })
      // newest first: the 500 lets one call through (offset 1), so the attempts get 503, 500, then the endpoint's 200
      yield* Mock.use(() => Mock.json({ error: "busy" }, { status: 503 }), { endpoint: "getUser", limit: 1 })
      yield* Mock.use(() => Mock.json({ error: "oops" }, { status: 500 }), { endpoint: "getUser", offset: 1 })
      const fiber = yield* Effect.fork(client.call("getUser", { id: 1 }))
      yield* TestClock.adjust("199 millis")
      assert.strictEqual((yield* Mock.calls).length, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Mock.calls).length, 2)
      yield* TestClock.adjust("400 millis")
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.data, { id: 12, username: "mocked" })
      assert.strictEqual(res.attributes.attempts, 3)
      assert.strictEqual((yield* Mock.calls).length, 3)

      // Retry-After: 3 s is longer than the 200 ms backoff
      yield* Mock.clearCalls
      yield* Mock.use(() => Mock.json({}, { status: 503, headers: { "Retry-After": "3" } }), { endpoint: "getUser" })
      const second = yield* Effect.fork(client.call("getUser", { id: 2 }))
      yield* TestClock.adjust("2999 millis")
      assert.strictEqual((yield* Mock.calls).length, 1)
      yield* TestClock.adjust("1 millis")
      const done = yield* Fiber.join(second)
      assert.strictEqual(done.status, 200)
      assert.strictEqual(done.attributes.attempts, 2)
      assert.strictEqual((yield* Mock.calls).length, 2)

      // a simulated transport failure, then a handler that never answers (the attempt timeout fires), then the mock
      yield* Mock.clearCalls
      const patient = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Retry.make({ jitter: false, attemptTimeout: "1 second" })]
      })
      yield* Mock.use(() => Effect.never, { endpoint: "getUser" })
      yield* Mock.use(() => Mock.fail(new Error("connection reset")), { endpoint: "getUser" })
      const third = yield* Effect.fork(patient.call("getUser", { id: 3 }))
      yield* TestClock.adjust("200 millis")
      assert.strictEqual((yield* Mock.calls).length, 2)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Mock.calls).length, 2)
      yield* TestClock.adjust("400 millis")
      const recovered = yield* Fiber.join(third)
      assert.strictEqual(recovered.status, 200)
      assert.strictEqual(recovered.attributes.attempts, 3)
      assert.strictEqual((yield* Mock.calls).length, 3)

      // out of attempts: the last 503 is the call's ResponseError
      yield* Mock.patch({ status: 503 }, { endpoint: "getUser", limit: 0 })
      const failing = yield* Effect.fork(Effect.flip(client.getUser({ id: 3 })))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(failing)
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag === "ResponseError") assert.strictEqual(error.status, 503)
    })))

  it.effect("Auth: a mocked 401 refreshes the token once and replays the call with the new one", () =>
    mocked(Effect.gen(function*() {
      let issued = 0
      const auth = yield* Auth.make({ token: Effect.sync(() => Redacted.make(`token-${++issued}`)) })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [auth] })
      yield* Mock.use(() => Mock.json({ error: "expired" }, { status: 401 }), { endpoint: "getUser" })
      const user = yield* client.getUser({ id: 1 })
      assert.deepStrictEqual(user, { id: 12, username: "mocked" })
      yield* client.getUser({ id: 2 })
      assert.strictEqual(issued, 2)
      assert.deepStrictEqual((yield* Mock.calls).map((c) => c.headers.authorization), [
        "Bearer token-1",
        "Bearer token-2",
        "Bearer token-2"
      ])
      // a second 401 is the call's ResponseError, after one refresh
      yield* Mock.use(() => Mock.json({}, { status: 401 }), { endpoint: "getUser", limit: 2 })
      const error = yield* Effect.flip(client.getUser({ id: 3 }))
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(issued, 3)
    })))

  it.effect("Auth: a token that is not a valid header value fails the call before the transport, and is not kept", () =>
    mocked(Effect.gen(function*() {
      const tokens = ["evil\r\nx-injected: 1", "good"]
      let runs = 0
      const auth = yield* Auth.make({ token: Effect.sync(() => tokens[runs++]!) })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [auth] })
      const error = yield* Effect.flip(client.getUser({ id: 1 }))
      assert.strictEqual(error._tag, "PluginError")
      if (error._tag === "PluginError") {
        assert.strictEqual(error.plugin, "Auth")
        assert.notInclude(error.message, "evil")
      }
      assert.strictEqual((yield* Mock.calls).length, 0)
      yield* client.getUser({ id: 1 })
      assert.deepStrictEqual((yield* Mock.calls).map((c) => c.headers.authorization), ["Bearer good"])
    })))

  it.effect("Tracing: a client span per call over a mocked call, traceparent in the recorded request", () => {
    const memory = MemoryTracer.make()
    return mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Tracing.make(), Retry.make({ jitter: false }), TrackingToken.make()]
      })
      yield* Mock.use(() => Mock.json({}, { status: 503 }), { endpoint: "getUser" })
      const fiber = yield* Effect.fork(client.call("getUser", { id: 12 }).pipe(Effect.withSpan("test")))
      yield* TestClock.adjust("200 millis")
      const res = yield* Fiber.join(fiber)
      const call = memory.spans.find((s) => s.name === "users.getUser")!
      const attempts = memory.spans.filter((s) => s.name === "users.getUser attempt")
      assert.strictEqual(call.kind, "client")
      assert.strictEqual(call.attributes.get("url.full"), `${baseUrl}/user/12`)
      assert.strictEqual(call.attributes.get("server.address"), "users.test")
      assert.strictEqual(call.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(call.attributes.get("service_client.attempts"), 2)
      assert.strictEqual(call.attributes.get(Tracing.trackingTokenAttribute), res.attributes.trackingToken)
      assert.isTrue(call.exit !== undefined && Exit.isSuccess(call.exit))
      assert.deepStrictEqual(attempts.map((s) => s.attributes.get("http.response.status_code")), [503, 200])
      assert.deepStrictEqual(attempts.map((s) => s.attributes.get("error.type")), ["503", undefined])
      assert.isTrue(attempts.every((s) => Option.getOrUndefined(s.parent)?.spanId === call.spanId))
      const calls = yield* Mock.calls
      assert.deepStrictEqual(
        calls.map((c) => c.headers.traceparent),
        attempts.map((s) => `00-${s.traceId}-${s.spanId}-01`)
      )
    })).pipe(Effect.withTracer(memory.tracer))
  })

  it.effect("Metrics: counters by status or error tag, durations on TestClock, over mocked answers", () =>
    mocked(Effect.gen(function*() {
      const prefix = "over_mock"
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Metrics.make({ prefix })] })
      const m = Metrics.metrics({ prefix })
      const tagged = <M extends Metric.Metric<any, any, any>>(metric: M, endpoint: string, status?: string) => {
        const base = metric.pipe(Metric.tagged("service", "users"), Metric.tagged("endpoint", endpoint))
        return status === undefined ? base : base.pipe(Metric.tagged("status", status))
      }
      const count = (endpoint: string, status: string) =>
        Effect.map(Metric.value(tagged(m.calls, endpoint, status)), (s) => s.count)
      yield* client.getUser({ id: 1 })
      yield* Mock.use(() => Mock.json({}, { status: 503 }), { endpoint: "getUser" })
      yield* Effect.flip(client.getUser({ id: 1 }))
      yield* Mock.use(() => Mock.fail(new Error("connection reset")), { endpoint: "getUser" })
      yield* Effect.flip(client.getUser({ id: 1 }))
      assert.strictEqual((yield* Effect.flip(client.bare()))._tag, "NoMock")
      const slow = yield* Effect.fork(client.slow())
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(slow)
      assert.strictEqual(yield* count("getUser", "200"), 1)
      assert.strictEqual(yield* count("getUser", "503"), 1)
      assert.strictEqual(yield* count("getUser", "RequestError"), 1)
      assert.strictEqual(yield* count("bare", "NoMock"), 1)
      assert.strictEqual(yield* count("slow", "200"), 1)
      const duration = yield* Metric.value(tagged(m.duration, "slow"))
      assert.strictEqual(duration.count, 1)
      assert.strictEqual(duration.max, 2000)
      assert.strictEqual((yield* Metric.value(tagged(m.pending, "getUser"))).value, 0)
    })))
})
