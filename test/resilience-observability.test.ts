// The resilience plugins' own metrics (read back with Metric.snapshot) and what they put on the
// call's span (an in-memory tracer), against a real server on 127.0.0.1. Every test uses its own
// service name: metrics are global.
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import {
  CircuitBreaker,
  Coalesce,
  Hedge,
  HttpCache,
  IdempotencyKey,
  Pool,
  Timeout,
  Tracing
} from "@service-client/plugins"
import { Effect, Fiber, Metric, type MetricState } from "effect"
import type * as Http from "node:http"
import * as Clock from "./support/clock.js"
import * as MemoryTracer from "./support/memoryTracer.js"
import * as Server from "./support/server.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}"),
  createUser: Endpoint.post("/users")
})

let services = 0
const unique = (name: string) => `${name}${process.pid}x${++services}`

/** The count of a counter with these tags in the snapshot of every metric (0 when it was never updated). */
const count = (name: string, tags: Record<string, string>) =>
  Effect.map(Metric.snapshot, (pairs) => {
    for (const pair of pairs) {
      if (pair.metricKey.name !== name) continue
      const labels = new Map(pair.metricKey.tags.map((t) => [t.key, t.value]))
      if (Object.entries(tags).every(([k, v]) => labels.get(k) === v)) {
        return (pair.metricState as MetricState.MetricState.Counter<number>).count
      }
    }
    return 0
  })

describe("resilience plugins: metrics and spans", () => {
  it.scoped("CircuitBreaker: transitions and rejections counted; rejection and transition events on the span", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 500, {}))
      const memory = MemoryTracer.make()
      const name = unique("breaker")
      const client = yield* ServiceClient.make(Api, {
        name,
        baseUrl: server.url,
        plugins: [Tracing.make(), CircuitBreaker.make({ window: { calls: 2 }, minimumCalls: 2 })]
      })
      const call = client.getUser({ user_id: 1 }).pipe(Effect.flip, Effect.withTracer(memory.tracer))
      yield* call
      yield* call
      assert.strictEqual((yield* call)._tag, "CircuitOpen")
      assert.strictEqual((yield* call)._tag, "CircuitOpen")
      assert.strictEqual(
        yield* count("service_client.circuit.transitions", { circuit: name, from: "closed", to: "open" }),
        1
      )
      assert.strictEqual(yield* count("service_client.circuit.transitions", { circuit: name, to: "closed" }), 0)
      assert.strictEqual(
        yield* count("service_client.circuit.rejections", { service: name, endpoint: "getUser", state: "open" }),
        2
      )
      const [, opened, refused] = memory.spans
      // (Effect also puts each log line on the span as an event: the breaker logs the transition)
      const own = (span: MemoryTracer.Recorded) => span.events.filter((e) => e.name.startsWith("circuit_breaker."))
      assert.deepStrictEqual(own(opened!).map((e) => e.name), ["circuit_breaker.transition"])
      assert.deepStrictEqual(own(opened!)[0]!.attributes, {
        "service_client.circuit": name,
        "service_client.circuit.from": "closed",
        "service_client.circuit.to": "open"
      })
      assert.deepStrictEqual(refused!.events.map((e) => e.name), ["circuit_breaker.rejected"])
      assert.isAbove(refused!.events[0]!.attributes!["service_client.circuit.retry_in_ms"] as number, 0)
      assert.strictEqual(refused!.attributes.get("service_client.circuit.state"), "open")
      assert.strictEqual(server.received.length, 2)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("HttpCache: lookups by outcome and stores counted; the outcome on the span", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 200, {}, { "cache-control": "max-age=60" }))
      const memory = MemoryTracer.make()
      const name = unique("cache")
      const client = yield* ServiceClient.make(Api, {
        name,
        baseUrl: server.url,
        plugins: [Tracing.make(), yield* HttpCache.make()]
      })
      const call = (id: number) => client.getUser({ user_id: id }).pipe(Effect.withTracer(memory.tracer))
      yield* call(1)
      yield* call(1)
      yield* call(1)
      yield* call(2)
      const tags = { service: name, endpoint: "getUser" }
      assert.strictEqual(yield* count("service_client.cache.lookups", { ...tags, outcome: "miss" }), 2)
      assert.strictEqual(yield* count("service_client.cache.lookups", { ...tags, outcome: "hit" }), 2)
      assert.strictEqual(yield* count("service_client.cache.stores", tags), 2)
      assert.deepStrictEqual(memory.spans.map((s) => s.attributes.get("service_client.cache")), [
        "miss",
        "hit",
        "hit",
        "miss"
      ])
      assert.deepStrictEqual(memory.spans[0]!.events.map((e) => e.name), ["http_cache.stored"])
      assert.strictEqual(server.received.length, 2)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("Coalesce: joins counted and marked on the joining call's span", () =>
    Effect.gen(function*() {
      let release: () => void = () => {}
      const gate = new Promise<void>((resolve) => (release = resolve))
      const server = yield* Server.start(async (_req, res) => {
        await gate
        Server.json(res, 200, {})
      })
      const memory = MemoryTracer.make()
      const name = unique("coalesce")
      const client = yield* ServiceClient.make(Api, {
        name,
        baseUrl: server.url,
        plugins: [Tracing.make(), yield* Coalesce.make()]
      })
      const call = client.call("getUser", { user_id: 1 }).pipe(Effect.withTracer(memory.tracer))
      const first = yield* Effect.fork(call)
      while (server.received.length === 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 2)))
      const second = yield* Effect.fork(call)
      while (memory.spans.length < 2) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 2)))
      release()
      yield* Fiber.join(first)
      assert.strictEqual((yield* Fiber.join(second)).attributes.coalesced, true)
      assert.strictEqual(yield* count("service_client.coalesce.joins", { service: name, endpoint: "getUser" }), 1)
      assert.deepStrictEqual(memory.spans.map((s) => s.attributes.get("service_client.coalesced")), [undefined, true])
      assert.strictEqual(server.received.length, 1)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("IdempotencyKey: keys counted by source; the key on the call's span", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 201, {}))
      const memory = MemoryTracer.make()
      const name = unique("idem")
      const client = yield* ServiceClient.make(Api, {
        name,
        baseUrl: server.url,
        plugins: [Tracing.make(), IdempotencyKey.make()]
      })
      const call = (input: object) => client.createUser(input).pipe(Effect.withTracer(memory.tracer))
      yield* call({})
      yield* call({ headers: { "idempotency-key": "k-1" } })
      const tags = { service: name, endpoint: "createUser" }
      const name_ = "service_client.idempotency.keys"
      assert.strictEqual(yield* count(name_, { ...tags, source: "generated" }), 1)
      assert.strictEqual(yield* count(name_, { ...tags, source: "given" }), 1)
      assert.strictEqual(
        memory.spans[0]!.attributes.get("service_client.idempotency_key"),
        server.received[0]!.headers["idempotency-key"]
      )
      assert.strictEqual(memory.spans[1]!.attributes.get("service_client.idempotency_key"), "k-1")
    }).pipe(Effect.provide(NodeTransport.layer)))
  it.scoped("Hedge: hedges sent and won counted, skips by reason; the hedge event and outcome on the span", () =>
    Effect.gen(function*() {
      const held: Array<Http.ServerResponse> = []
      const server = yield* Server.start((_req, res) => void held.push(res))
      const release = (n: number) => Server.json(held[n - 1]!, 200, { n })
      const memory = MemoryTracer.make()
      const name = unique("hedge")
      const client = yield* ServiceClient.make(Api, {
        name,
        baseUrl: server.url,
        plugins: [Tracing.make(), Timeout.make(), Pool.make({ limit: 1 }), Hedge.make({ delay: "100 millis" })]
      })
      const tags = { service: name, endpoint: "getUser" }
      const traced = <A, E>(effect: Effect.Effect<A, E>) => Effect.withTracer(effect, memory.tracer)
      // the only Pool permit is the first attempt's: no hedge ("busy")
      const busy = yield* Effect.fork(traced(client.call("getUser", { user_id: 1 })))
      yield* Clock.waitFor(() => server.received.length === 1)
      yield* Clock.advance("100 millis")
      release(1)
      assert.strictEqual((yield* Fiber.join(busy)).attributes.hedge, undefined)
      assert.strictEqual(yield* count("service_client.hedge.skipped", { ...tags, reason: "busy" }), 1)
      // a deadline that leaves no more than the delay: no hedge ("deadline")
      const short = yield* Effect.fork(Effect.flip(client.getUser({ user_id: 2, timeout: "150 millis" })))
      yield* Clock.waitFor(() => server.received.length === 2)
      yield* Clock.advance("100 millis")
      yield* Clock.advance("50 millis")
      assert.strictEqual((yield* Fiber.join(short))._tag, "TimeoutError")
      assert.strictEqual(yield* count("service_client.hedge.skipped", { ...tags, reason: "deadline" }), 1)
      assert.strictEqual(yield* count("service_client.hedge.sent", tags), 0)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("Hedge: a hedge that answers first counts as sent and won; its event on the call's span", () =>
    Effect.gen(function*() {
      const held: Array<Http.ServerResponse> = []
      const server = yield* Server.start((_req, res) => void held.push(res))
      const memory = MemoryTracer.make()
      const name = unique("hedge")
      const client = yield* ServiceClient.make(Api, {
        name,
        baseUrl: server.url,
        plugins: [Tracing.make(), Hedge.make({ delay: "100 millis" })]
      })
      const tags = { service: name, endpoint: "getUser" }
      const call = yield* Effect.fork(client.call("getUser", { user_id: 1 }).pipe(Effect.withTracer(memory.tracer)))
      yield* Clock.waitFor(() => server.received.length === 1)
      yield* Clock.advance("100 millis")
      yield* Clock.waitFor(() => server.received.length === 2)
      Server.json(held[1]!, 200, { n: 2 })
      assert.strictEqual((yield* Fiber.join(call)).attributes.hedge, "won")
      assert.strictEqual(yield* count("service_client.hedge.sent", tags), 1)
      assert.strictEqual(yield* count("service_client.hedge.won", tags), 1)
      assert.strictEqual(yield* count("service_client.hedge.skipped", { ...tags, reason: "busy" }), 0)
      const span = memory.spans[0]!
      assert.deepStrictEqual(span.events.filter((e) => e.name.startsWith("hedge.")).map((e) => e.attributes), [
        { "service_client.hedge.delay_ms": 100 }
      ])
      assert.strictEqual(span.attributes.get("service_client.hedge"), "won")
    }).pipe(Effect.provide(NodeTransport.layer)))
})
