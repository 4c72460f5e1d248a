/**
 * The loggers over the mock transport (the seed fixed "Mock and Loggers plugins work
 * together" in 0.7.2): InnerLogger sees the mock's raw body, OuterLogger the parsed data,
 * hidden and streamed bodies print as markers, failures and parse failures are logged. And
 * the full plugin stack, in the recommended order, answering 100 concurrent mocked calls.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, type Transport } from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import {
  Auth,
  Elapsed,
  Headers,
  InnerLogger,
  LogFormat,
  Metrics,
  OuterLogger,
  PathTokens,
  Pool,
  QueryParams,
  RateLimit,
  Retry,
  Timeout,
  Tracing,
  TrackingToken
} from "@service-client/plugins"
import { Chunk, Clock, Effect, Fiber, HashMap, Logger, Metric, Schema, type Scope, Stream, TestClock } from "effect"
import * as MemoryTracer from "./support/memoryTracer.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })

const Api = Spec.make({
  createUser: Endpoint.post("/user", {
    payload: Schema.Struct({ username: Schema.String }),
    success: User,
    mock: { type: "json", data: { id: 2, username: "bar" }, status: 201, headers: { "X-Request-Id": "r1" } }
  }),
  login: Endpoint.post("/login", {
    logger: { hiddenRequestBody: true, hiddenResponseBody: true },
    mock: { type: "json", data: { session: "s3cret-session" }, headers: { "set-cookie": "sid=s3cret-cookie" } }
  }),
  getUser: Endpoint.get("/{version}/user/{id}", {
    pathTokens: { version: "v1" },
    success: User,
    mock: { type: "json", data: { id: 12, username: "mocked" } }
  }),
  download: Endpoint.get("/download", {
    streamResponse: true,
    mock: { type: "raw", data: "streamed bytes", headers: { "content-type": "application/octet-stream" } }
  }),
  upload: Endpoint.put("/upload", { streamRequest: true, mock: { type: "json", data: { stored: true } } }),
  // no mock: the full-stack test answers it with Mock.use; {version} is the PathTokens plugin's
  profile: Endpoint.get("/{version}/profile/{id}", { success: User })
})

const baseUrl = "http://users.test"

type LogEntry = { readonly level: string; readonly message: string; readonly annotations: Record<string, any> }

/** A Logger keeping every entry written by the loggers (those with a `record` annotation). */
const capture = () => {
  const records: Array<LogEntry> = []
  const logger = Logger.make((o) => {
    const annotations = Object.fromEntries(HashMap.toEntries(o.annotations))
    if ("record" in annotations) {
      const m = o.message
      records.push({ level: o.logLevel.label, message: Array.isArray(m) ? m.join(" ") : String(m), annotations })
    }
  })
  return { records, layer: Logger.replace(Logger.defaultLogger, logger) }
}

const mocked = <A, E>(effect: Effect.Effect<A, E, Mock.Registry | Transport.Transport | Scope.Scope>) =>
  effect.pipe(Effect.scoped, Effect.provide(NodeMockTransport.layer))

const kinds = (records: ReadonlyArray<LogEntry>) =>
  records.map((r) => `${r.annotations.logger} ${r.annotations.record} ${r.annotations.endpoint}`)

describe("loggers over the mock transport", () => {
  it.effect("InnerLogger logs the mock's raw body, OuterLogger the parsed data, with the session's attributes", () => {
    const { layer, records } = capture()
    return mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [TrackingToken.make(), Elapsed.make(), OuterLogger.make(), InnerLogger.make()]
      })
      const raw = "{ \"id\": 2,\n  \"username\": \"bar\" }"
      yield* Mock.use(
        () => Mock.raw(raw, { status: 201, headers: { "content-type": "application/json" }, delay: "12 millis" }),
        { endpoint: "createUser" }
      )
      const fiber = yield* Effect.fork(
        client.call("createUser", { payload: { username: "bar" }, trackingToken: "ABC", headers: { cookie: "c=1" } })
      )
      yield* TestClock.adjust("12 millis")
      const res = yield* Fiber.join(fiber)
      assert.deepStrictEqual(res.data, { id: 2, username: "bar" })
      assert.deepStrictEqual(kinds(records), [
        "OuterLogger request createUser",
        "InnerLogger request createUser",
        "InnerLogger response createUser",
        "OuterLogger response createUser"
      ])
      const [outerRequest, innerRequest, innerResponse, outerResponse] = records.map((r) => r.annotations)
      assert.strictEqual(outerRequest!.body, "{\"username\":\"bar\"}")
      assert.strictEqual(innerRequest!.body, (yield* Mock.calls)[0]!.text)
      assert.strictEqual(innerRequest!.headers["content-type"], "application/json")
      assert.strictEqual(innerRequest!.headers.cookie, "<REDACTED>")
      // the newline is escaped: one record, one line
      assert.strictEqual(innerResponse!.body, raw.replace("\n", "\\n"))
      assert.strictEqual(innerResponse!.status, 201)
      assert.deepStrictEqual(innerResponse!.headers, {
        "content-type": "application/json",
        "content-length": String(raw.length)
      })
      assert.deepStrictEqual(innerResponse!.elapsed, { headers: 12, read: 0 })
      assert.strictEqual(outerResponse!.body, "{\"id\":2,\"username\":\"bar\"}")
      assert.deepStrictEqual(outerResponse!.elapsed, { headers: 12, read: 0, parse: 0, total: 12 })
      for (const r of records) {
        assert.strictEqual(r.annotations.trackingToken, "ABC")
        assert.strictEqual(r.annotations.url, `${baseUrl}/user`)
        assert.strictEqual(r.level, "INFO")
      }
      assert.strictEqual(records[2]!.message, `users.createUser response 201 POST ${baseUrl}/user`)
    })).pipe(Effect.provide(layer))
  })

  it.effect("hidden bodies print <HIDDEN> and redacted headers <REDACTED>; the mock still gets the real body", () => {
    const { layer, records } = capture()
    return mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [OuterLogger.make(), InnerLogger.make()]
      })
      yield* client.login({ payload: { password: "s3cret-password" } })
      assert.deepStrictEqual(records.map((r) => r.annotations.body), ["<HIDDEN>", "<HIDDEN>", "<HIDDEN>", "<HIDDEN>"])
      assert.strictEqual(records[2]!.annotations.headers["set-cookie"], "<REDACTED>")
      assert.notInclude(JSON.stringify(records), "s3cret")
      assert.strictEqual((yield* Mock.calls)[0]!.text, "{\"password\":\"s3cret-password\"}")

      // a parse exception of a hidden response hides the body and the parser's message (which quotes it)
      records.length = 0
      const json = { "content-type": "application/json" }
      yield* Mock.use(() => Mock.raw("{s3cret", { headers: json }), { endpoint: "login" })
      assert.strictEqual((yield* Effect.flip(client.login({ payload: {} })))._tag, "ParseError")
      const parseExceptions = records.filter((r) => r.annotations.record === "parseException")
      assert.strictEqual(parseExceptions.length, 2)
      for (const r of parseExceptions) {
        assert.strictEqual(r.annotations.body, "<HIDDEN>")
        assert.strictEqual(r.annotations.error, "ParseError: <HIDDEN>")
      }
      assert.notInclude(JSON.stringify(records), "s3cret")
    })).pipe(Effect.provide(layer))
  })

  it.effect("a Mock.fail is an exception record, invalid JSON a parse-exception record, in both loggers", () => {
    const { layer, records } = capture()
    return mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [OuterLogger.make(), InnerLogger.make({ maxBodyLength: 8 })]
      })
      yield* Mock.use(() => Mock.fail(new Error("connection reset")), { endpoint: "getUser" })
      const failed = yield* Effect.flip(client.getUser({ id: 1 }))
      assert.strictEqual(failed._tag, "RequestError")
      const exceptions = records.filter((r) => r.annotations.record === "exception")
      assert.deepStrictEqual(exceptions.map((r) => r.annotations.logger), ["OuterLogger", "InnerLogger"])
      assert.strictEqual(exceptions[0]!.level, "ERROR")
      assert.strictEqual(exceptions[0]!.message, `users.getUser exception RequestError GET ${baseUrl}/v1/user/1`)
      assert.match(exceptions[0]!.annotations.error, /^RequestError: .*connection reset/)
      assert.match(exceptions[1]!.annotations.error, /^RequestE…<CUT \d+ chars>$/)

      // a never-answering mock and a Timeout: an exception record with the timeout in use
      records.length = 0
      const timed = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Timeout.make({ timeout: "2 seconds" }), InnerLogger.make()]
      })
      yield* Mock.use(() => Effect.never, { endpoint: "getUser" })
      const fiber = yield* Effect.fork(Effect.flip(timed.getUser({ id: 1 })))
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "TimeoutError")
      const timeout = records.find((r) => r.annotations.record === "exception")!
      assert.strictEqual(timeout.message, `users.getUser exception TimeoutError GET ${baseUrl}/v1/user/1`)
      assert.strictEqual(timeout.annotations.timeout, 2000)
      assert.match(timeout.annotations.error, /^TimeoutError: .*no response after 2s/)

      records.length = 0
      yield* Mock.use(() => Mock.raw("{not json at all", { headers: { "content-type": "application/json" } }), {
        endpoint: "getUser"
      })
      const parseError = yield* Effect.flip(client.getUser({ id: 1 }))
      assert.strictEqual(parseError._tag, "ParseError")
      assert.deepStrictEqual(kinds(records), [
        "OuterLogger request getUser",
        "InnerLogger request getUser",
        "InnerLogger response getUser",
        "OuterLogger parseException getUser",
        "InnerLogger parseException getUser"
      ])
      assert.strictEqual(records[2]!.annotations.body, "{not jso…<CUT 16 bytes>")
      const [outer, inner] = records.slice(3).map((r) => r.annotations)
      assert.strictEqual(outer!.status, 200)
      assert.strictEqual(outer!.body, "{not json at all")
      assert.match(outer!.error, /^ParseError: the body is not valid json/)
      assert.strictEqual(inner!.body, "{not jso…<CUT 16 chars>")
    })).pipe(Effect.provide(layer))
  })

  it.effect("a streamResponse endpoint logs <STREAM>, and the caller still reads the mock's bytes", () => {
    const { layer, records } = capture()
    return mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [OuterLogger.make(), InnerLogger.make()]
      })
      const res = yield* client.call("download")
      assert.deepStrictEqual(records.map((r) => r.annotations.body), ["<NO BODY>", "<NO BODY>", "<STREAM>", "<STREAM>"])
      const bytes = yield* Stream.runCollect(res.stream!)
      assert.strictEqual(new TextDecoder().decode(Chunk.toReadonlyArray(bytes)[0]!), "streamed bytes")

      // a non-2xx answer to a stream endpoint is read, logged and fails the call
      records.length = 0
      yield* Mock.patch({ type: "json", status: 500, data: { error: "broken" }, headers: {} })
      assert.strictEqual((yield* Effect.flip(client.download()))._tag, "ResponseError")
      assert.deepStrictEqual(records.slice(2).map((r) => r.annotations.body), [
        "{\"error\":\"broken\"}",
        "{\"error\":\"broken\"}"
      ])

      // a streamed request body prints <STREAM>; the mock records the bytes it read
      records.length = 0
      const encoder = new TextEncoder()
      yield* client.upload({ payload: Stream.make(encoder.encode("part1-"), encoder.encode("part2")) })
      assert.deepStrictEqual(records.slice(0, 2).map((r) => r.annotations.body), ["<STREAM>", "<STREAM>"])
      const upload = (yield* Mock.calls).at(-1)!
      assert.isTrue(upload.streamed)
      assert.strictEqual(upload.text, "part1-part2")
    })).pipe(Effect.provide(layer))
  })

  it.effect("LogFormat renders a mocked call as the seed's lines", () => {
    const lines: Array<string> = []
    const format = Logger.replace(Logger.defaultLogger, Logger.map(LogFormat.make(), (line) => void lines.push(line)))
    return mocked(Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [TrackingToken.make(), Elapsed.make(), InnerLogger.make()]
      })
      yield* Mock.patch({ delay: "12 millis" }, { endpoint: "createUser" })
      const fiber = yield* Effect.fork(client.createUser({ payload: { username: "bar" }, trackingToken: "K3J9" }))
      yield* TestClock.adjust("12 millis")
      yield* Fiber.join(fiber)
      yield* Mock.use(() => Mock.fail(new Error("connection reset")), { endpoint: "getUser" })
      yield* Effect.flip(client.getUser({ id: 1, trackingToken: "K3J9" }))
      const at = (ms: number) => new Date(ms).toISOString()
      const defaults = `user-agent: ${ServiceClient.userAgent}, accept: application/json`
      assert.deepStrictEqual(lines, [
        `${at(0)} INFO users.createUser K3J9 SENT POST ${baseUrl}/user | ${defaults}, content-type: application/json` +
        ` | {"username":"bar"}`,
        `${at(12)} INFO users.createUser K3J9 RECEIVED 201 Created POST ${baseUrl}/user (headers=12ms read=0ms)` +
        ` | x-request-id: r1, content-type: application/json, content-length: 25 | {"id":2,"username":"bar"}`,
        `${at(12)} INFO users.getUser K3J9 SENT GET ${baseUrl}/v1/user/1 | ${defaults} | <NO BODY>`,
        `${at(12)} ERROR users.getUser K3J9 EXCEPTION GET ${baseUrl}/v1/user/1` +
        ` | RequestError: users.getUser: GET ${baseUrl}/v1/user/1 failed (Transport): connection reset`
      ])
    })).pipe(Effect.provide(format))
  })
})

describe("the full plugin stack over the mock transport", () => {
  it.effect("100 concurrent mocked calls through every plugin, in order: every call accounted for", () => {
    const { layer, records } = capture()
    const memory = MemoryTracer.make()
    return mocked(Effect.gen(function*() {
      let issued = 0
      const gauge = { inFlight: 0, max: 0 }
      const prefix = "full_stack"
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [
          Tracing.make(),
          Metrics.make({ prefix }),
          Timeout.make({ timeout: "30 seconds" }),
          Retry.make({ jitter: false }),
          Auth.make({ token: Effect.sync(() => `token-${++issued}`) }),
          Pool.make({ limit: 10, hardLimit: 200 }),
          RateLimit.make({ limit: 50, period: "1 second" }),
          Elapsed.make(),
          TrackingToken.make({ header: "X-Tracking-Token" }),
          Headers.make({ headers: { "User-Agent": "tests/1.0" } }),
          QueryParams.make({ query: { lang: "en" } }),
          PathTokens.make({ tokens: { version: "v2" } }),
          InnerLogger.make(),
          OuterLogger.make()
        ]
      })
      // oldest first: an echo for every call, 5 busy answers, one expired token
      yield* Mock.use((request) =>
        Effect.acquireUseRelease(
          Effect.sync(() => {
            gauge.inFlight++
            gauge.max = Math.max(gauge.max, gauge.inFlight)
          }),
          () =>
            Effect.zipRight(
              Effect.sleep("10 millis"),
              Mock.json({ id: Number(request.path.split("/").at(-1)), username: request.headers["x-tracking-token"] })
            ),
          () => Effect.sync(() => void gauge.inFlight--)
        ), { endpoint: "profile", limit: 0 })
      yield* Mock.use(() => Mock.json({ error: "busy" }, { status: 503 }), { endpoint: "profile", limit: 5 })
      yield* Mock.use(() => Mock.json({ error: "expired" }, { status: 401 }), { endpoint: "profile" })

      const ids = Array.from({ length: 100 }, (_, i) => i + 1)
      const start = yield* Clock.currentTimeMillis
      const fiber = yield* Effect.fork(
        Effect.forEach(ids, (id) => client.call("profile", { id } as never), {
          concurrency: "unbounded"
        })
      )
      for (let i = 0; i < 100 && fiber.unsafePoll() === null; i++) yield* TestClock.adjust("100 millis")
      const responses = yield* Fiber.join(fiber)

      assert.deepStrictEqual(responses.map((r) => r.data.id), ids)
      const tokens = new Set(responses.map((r) => r.attributes.trackingToken))
      assert.strictEqual(tokens.size, 100)
      for (const r of responses) {
        assert.strictEqual(r.data.username, r.attributes.trackingToken)
        assert.strictEqual(r.status, 200)
        assert.isNumber(r.attributes.blockedByPool)
        assert.isNumber(r.attributes.blockedByRateLimit)
        assert.isAtLeast((r.attributes.elapsed as Elapsed.Durations).headers!, 10)
      }
      // 100 calls + 5 retried 503s + 1 replayed 401
      const calls = yield* Mock.calls
      assert.strictEqual(calls.length, 106)
      assert.strictEqual(responses.reduce((n, r) => n + (r.attributes.attempts as number), 0), 105)
      for (const c of calls) {
        assert.match(c.url, /^http:\/\/users\.test\/v2\/profile\/\d+\?lang=en$/)
        assert.strictEqual(c.headers["user-agent"], "tests/1.0")
        assert.match(c.headers.authorization!, /^Bearer token-[12]$/)
        assert.match(c.headers.traceparent!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      }
      assert.strictEqual(issued, 2)
      assert.isAtMost(gauge.max, 10)
      // 106 attempts at 50 per second need three windows
      assert.isAtLeast((yield* Clock.currentTimeMillis) - start, 2000)

      const count = (status: string) =>
        Metric.value(
          Metrics.metrics({ prefix }).calls.pipe(
            Metric.tagged("service", "users"),
            Metric.tagged("endpoint", "profile"),
            Metric.tagged("status", status)
          )
        ).pipe(Effect.map((s) => s.count))
      assert.strictEqual(yield* count("200"), 100)
      assert.strictEqual(yield* count("503"), 0)
      const blocked = (limiter: string) =>
        Metric.value(
          Metrics.metrics({ prefix }).blocked.pipe(
            Metric.tagged("service", "users"),
            Metric.tagged("endpoint", "profile"),
            Metric.tagged("limiter", limiter)
          )
        ).pipe(Effect.map((h) => h.count))
      assert.deepStrictEqual([yield* blocked("pool"), yield* blocked("rateLimit")], [100, 100])

      assert.strictEqual(memory.spans.filter((s) => s.name === "users.profile").length, 100)
      assert.strictEqual(memory.spans.filter((s) => s.name === "users.profile attempt").length, 105)

      const byKind = (logger: string, record: string) =>
        records.filter((r) => r.annotations.logger === logger && r.annotations.record === record).length
      assert.strictEqual(byKind("OuterLogger", "request"), 100)
      assert.strictEqual(byKind("InnerLogger", "request"), 100)
      assert.strictEqual(byKind("InnerLogger", "response"), 106)
      assert.strictEqual(byKind("OuterLogger", "response"), 100)
      const innerStatuses = records
        .filter((r) => r.annotations.logger === "InnerLogger" && r.annotations.record === "response")
        .map((r) => r.annotations.status)
      assert.deepStrictEqual(
        [401, 503, 200].map((status) => innerStatuses.filter((s) => s === status).length),
        [1, 5, 100]
      )
      // loggers print the attempt in progress: the 503s were first or second attempts, no call needed a fourth
      const attempts = records.filter((r) => r.annotations.status === 503).map((r) => r.annotations.attempts)
      assert.isTrue(attempts.every((a) => a === 1 || a === 2))
      assert.notInclude(JSON.stringify(records), "token-")
    })).pipe(Effect.provide(layer), Effect.withTracer(memory.tracer))
  })
})
