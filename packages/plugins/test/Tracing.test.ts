import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec } from "@service-client/core"
import { InnerLogger, OuterLogger, Retry, Tracing } from "@service-client/plugins"
import { Effect, Exit, Fiber, Logger, Option, TestClock } from "effect"
import * as MemoryTracer from "./support/memoryTracer.js"
import { type Answer, scripted } from "./support/scriptedTransport.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{id}"),
  createUser: Endpoint.post("/user")
})

const token = Plugin.make("Token", {
  prepareSession: (session) => Effect.sync(() => void (session.attributes.trackingToken = "ABC123"))
})

const setup = (answers: ReadonlyArray<Answer>, plugins: ReadonlyArray<Plugin.Plugin>) => {
  const transport = scripted(answers)
  const memory = MemoryTracer.make()
  const client = ServiceClient.make(Api, { name: "users", baseUrl: "http://127.0.0.1:8080/api", plugins })
    .pipe(Effect.provide(transport.layer))
  return { seen: transport.seen, spans: memory.spans, tracer: memory.tracer, client }
}

const parentId = (span: MemoryTracer.Recorded) => Option.getOrUndefined(Option.map(span.parent, (p) => p.spanId))

describe("Tracing", () => {
  it.scoped("a client span per call with HTTP semantic-convention attributes, under the caller's span", () => {
    const { client, seen, spans, tracer } = setup([{ status: 200, body: "{}" }], [token, Tracing.make()])
    return Effect.gen(function*() {
      const users = yield* client
      yield* users.getUser({ id: 12 }).pipe(Effect.withSpan("outer"))
      const outer = spans.find((s) => s.name === "outer")!
      const call = spans.find((s) => s.name === "users.getUser")!
      assert.isDefined(call)
      assert.strictEqual(call.kind, "client")
      assert.strictEqual(parentId(call), outer.spanId)
      assert.strictEqual(call.traceId, outer.traceId)
      assert.deepStrictEqual(Object.fromEntries(call.attributes), {
        "http.request.method": "GET",
        "url.template": "/user/{id}",
        "url.full": "http://127.0.0.1:8080/api/user/12",
        "server.address": "127.0.0.1",
        "server.port": 8080,
        [Tracing.trackingTokenAttribute]: "ABC123",
        "http.response.status_code": 200
      })
      assert.isTrue(call.exit !== undefined && Exit.isSuccess(call.exit))
      assert.strictEqual(seen[0]!.headers.traceparent, `00-${call.traceId}-${call.spanId}-01`)
    }).pipe(Effect.withTracer(tracer))
  })

  it.scoped("error.type: the status for >= 400, the error's tag for a failure", () => {
    const { client, spans, tracer } = setup([{ status: 404 }, { error: "transport" }], [Tracing.make()])
    return Effect.gen(function*() {
      const users = yield* client
      assert.strictEqual((yield* Effect.flip(users.getUser({ id: 1 })))._tag, "ResponseError")
      assert.strictEqual((yield* Effect.flip(users.getUser({ id: 1 })))._tag, "RequestError")
      assert.strictEqual(spans[0]!.attributes.get("error.type"), "404")
      assert.strictEqual(spans[0]!.attributes.get("http.response.status_code"), 404)
      assert.strictEqual(spans[1]!.attributes.get("error.type"), "RequestError")
      assert.isTrue(spans[1]!.exit !== undefined && Exit.isFailure(spans[1]!.exit))
      assert.isFalse(spans[0]!.attributes.has(Tracing.trackingTokenAttribute))
    }).pipe(Effect.withTracer(tracer))
  })

  it.scoped("with Retry after it: a child span per attempt, traceparent from each attempt", () => {
    const { client, seen, spans, tracer } = setup(
      [{ status: 503 }, { status: 200, body: "{}" }],
      [Tracing.make(), Retry.make({ jitter: false })]
    )
    return Effect.gen(function*() {
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      const call = spans.find((s) => s.name === "users.getUser")!
      const attempts = spans.filter((s) => s.name === "users.getUser attempt")
      assert.strictEqual(attempts.length, 2)
      for (const a of attempts) assert.strictEqual(parentId(a), call.spanId)
      assert.strictEqual(attempts[0]!.attributes.get("error.type"), "503")
      assert.isFalse(attempts[0]!.attributes.has("http.request.resend_count"))
      assert.strictEqual(attempts[1]!.attributes.get("http.request.resend_count"), 1)
      assert.strictEqual(attempts[1]!.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(call.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(call.attributes.get("service_client.attempts"), 2)
      assert.strictEqual(seen[0]!.headers.traceparent, `00-${call.traceId}-${attempts[0]!.spanId}-01`)
      assert.strictEqual(seen[1]!.headers.traceparent, `00-${call.traceId}-${attempts[1]!.spanId}-01`)
    }).pipe(Effect.withTracer(tracer))
  })

  it.scoped("propagation is opt-out: for the plugin, or by the call's own traceparent (or null)", () => {
    const off = setup([{ status: 200 }], [Tracing.make({ propagate: false })])
    const on = setup([{ status: 200 }], [Tracing.make()])
    return Effect.gen(function*() {
      yield* (yield* off.client).getUser({ id: 1 })
      assert.isFalse("traceparent" in off.seen[0]!.headers)
      const users = yield* on.client
      yield* users.getUser({ id: 1, headers: { traceparent: null } })
      assert.isFalse("traceparent" in on.seen[0]!.headers)
      const own = "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"
      yield* users.getUser({ id: 1, headers: { TraceParent: own } })
      assert.strictEqual(on.seen[1]!.headers.traceparent, own)
      assert.strictEqual(on.spans.length, 3)
    }).pipe(Effect.withTracer(on.tracer))
  })

  it.scoped("listed after Retry: one span per attempt, each with its attempt number", () => {
    const { client, seen, spans, tracer } = setup(
      [{ status: 503 }, { status: 503 }, { status: 200, body: "{}" }],
      [Retry.make({ jitter: false }), Tracing.make()]
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork((yield* client).getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(spans.map((s) => s.name), ["users.getUser", "users.getUser", "users.getUser"])
      assert.deepStrictEqual(spans.map((s) => s.attributes.get("service_client.attempt")), [1, 2, 3])
      assert.deepStrictEqual(spans.map((s) => s.attributes.get("http.response.status_code")), [503, 503, 200])
      assert.strictEqual(new Set(seen.map((s) => s.headers.traceparent)).size, 3)
    }).pipe(Effect.withTracer(tracer))
  })

  it.scoped("an interrupted call ends its spans as interrupted; after a call, the caller's span is current again", () => {
    const { client, spans, tracer } = setup(
      [{ status: 200, body: "{}" }, { hang: true }],
      [Tracing.make(), Retry.make({ jitter: false })]
    )
    return Effect.gen(function*() {
      const users = yield* client
      yield* Effect.gen(function*() {
        yield* users.getUser({ id: 1 })
        // a span made after the call is the caller's child again, not the call's
        yield* Effect.void.pipe(Effect.withSpan("after"))
        const fiber = yield* Effect.fork(users.getUser({ id: 2 }))
        yield* TestClock.adjust("10 millis")
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.withSpan("outer"), Effect.annotateSpans("tenant", "t1"))
      const outer = spans.find((s) => s.name === "outer")!
      const after = spans.find((s) => s.name === "after")!
      assert.strictEqual(parentId(after), outer.spanId)
      const calls = spans.filter((s) => s.name === "users.getUser")
      assert.strictEqual(calls.length, 2)
      // the fiber's span annotations go on the call span, as Effect.makeSpan puts them
      assert.strictEqual(calls[0]!.attributes.get("tenant"), "t1")
      const interrupted = spans.filter((s) =>
        s.name.startsWith("users.getUser") && s.exit !== undefined && Exit.isInterrupted(s.exit)
      )
      // the call span and its attempt span of the second call
      assert.strictEqual(interrupted.length, 2)
      for (const s of spans) assert.strictEqual(s.status._tag, "Ended", s.name)
    }).pipe(Effect.withTracer(tracer))
  })

  it.scoped("a log record written during the send is an event of the call span; one written after it is not", () => {
    const { client, spans, tracer } = setup([{ status: 200, body: "{}" }], [
      Tracing.make(),
      InnerLogger.make({ level: "Info" }),
      OuterLogger.make({ level: "Info" })
    ])
    return Effect.gen(function*() {
      yield* (yield* client).getUser({ id: 1 })
      const call = spans.find((s) => s.name === "users.getUser")!
      // InnerLogger's response record is written inside the send (the request record before it)
      assert.deepStrictEqual(call.events.map((e) => e.attributes?.["logger"] + " " + e.attributes?.["record"]), [
        "InnerLogger response"
      ])
      assert.strictEqual(call.events[0]!.attributes?.["status"], 200)
    }).pipe(Effect.withTracer(tracer), Effect.provide(Logger.replace(Logger.defaultLogger, Logger.none)))
  })
})
