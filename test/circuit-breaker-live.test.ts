import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { CircuitBreaker, Pool, Retry, Timeout } from "@service-client/plugins"
import { Duration, Effect, Exit, Fiber, Layer, TestClock } from "effect"
import * as Clock from "./support/clock.js"
import * as Server from "./support/server.js"

const { waitFor } = Clock

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}"),
  listUsers: Endpoint.get("/users")
})

const transports = [
  ["NodeTransport", NodeTransport.layer],
  ["Transport.layer", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))]
] as const

/** A server answering with the status `next()` gives (0: reset the connection, -1: never answer). */
const serve = (next: () => number) =>
  Server.start((_req, res, raw) => {
    const status = next()
    if (status === 0) return void raw.socket.destroy()
    if (status === -1) return
    Server.json(res, status, {})
  })

const circuitOpen = (u: unknown): CircuitBreaker.CircuitOpen => {
  assert.isTrue(CircuitBreaker.isCircuitOpen(u), `expected CircuitOpen, got ${String((u as any)?._tag)}`)
  return u as CircuitBreaker.CircuitOpen
}

describe("CircuitBreaker against a real server", () => {
  for (const [name, transport] of transports) {
    it.scoped(`${name}: opens on the failure rate, refuses without I/O, probes after openFor, closes`, () =>
      Effect.gen(function*() {
        let status = 500
        const server = yield* serve(() => status)
        const breaker = CircuitBreaker.make({
          window: { calls: 4 },
          minimumCalls: 4,
          failureRate: 0.5,
          openFor: "10 seconds"
        })
        const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [breaker] })
        // 2 successes, 2 failures: 50% of 4 calls opens it on the 4th
        status = 200
        yield* client.getUser({ user_id: 1 })
        yield* client.getUser({ user_id: 1 })
        status = 500
        const first = yield* Effect.flip(client.call("getUser", { user_id: 1 }))
        assert.strictEqual(first._tag, "ResponseError")
        assert.strictEqual(breaker.state("users"), "closed")
        const fourth = yield* Effect.flip(client.call("getUser", { user_id: 1 }))
        assert.strictEqual(fourth._tag, "ResponseError")
        assert.strictEqual(breaker.state("users"), "open")
        assert.strictEqual(server.received.length, 4)

        // refused at once, with the time until the probe, whatever the endpoint (scope "service")
        yield* TestClock.adjust("4 seconds")
        // typed: the client's error union has CircuitOpen, catchTag narrows to it
        const refused = yield* client.listUsers().pipe(
          Effect.as(undefined),
          Effect.catchTag("CircuitOpen", (e) => Effect.succeed(e))
        )
        assert.isDefined(refused)
        if (refused === undefined) return
        assert.strictEqual(refused.state, "open")
        assert.strictEqual(refused.circuit, "users")
        assert.strictEqual(Duration.toMillis(refused.retryIn), 6000)
        assert.strictEqual(refused.message, "users.listUsers: the circuit \"users\" is open; next probe in 6s")
        assert.strictEqual(server.received.length, 4)

        // the probe after openFor: a success closes the circuit
        yield* TestClock.adjust("6 seconds")
        status = 200
        const probe = yield* client.call("getUser", { user_id: 2 })
        assert.strictEqual(probe.attributes.circuit, "closed")
        assert.strictEqual(breaker.state("users"), "closed")
        assert.strictEqual(server.received.length, 5)
        // closed again with a fresh window: one failure does not open it
        status = 500
        yield* Effect.flip(client.getUser({ user_id: 3 }))
        assert.strictEqual(breaker.state("users"), "closed")
      }).pipe(Effect.provide(transport)))
  }

  it.scoped("a failed probe opens it again; calls during the probe are refused (half-open)", () =>
    Effect.gen(function*() {
      let release: (status: number) => void = () => {}
      const server = yield* Server.start((_req, res) => {
        release = (status) => Server.json(res, status, {})
      })
      const breaker = CircuitBreaker.make({
        window: { calls: 2 },
        minimumCalls: 1,
        failureRate: 1,
        openFor: "1 second"
      })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [breaker] })
      const failing = yield* Effect.fork(client.getUser({ user_id: 1 }))
      yield* waitFor(() => server.received.length === 1)
      release(503)
      yield* Fiber.await(failing)
      assert.strictEqual(breaker.state("users"), "open")

      yield* TestClock.adjust("1 second")
      const probe = yield* Effect.fork(client.call("getUser", { user_id: 1 }))
      yield* waitFor(() => server.received.length === 2)
      const during = circuitOpen(yield* Effect.flip(client.getUser({ user_id: 1 })))
      assert.strictEqual(during.state, "half-open")
      assert.strictEqual(Duration.toMillis(during.retryIn), 0)
      release(502)
      const probed = yield* Fiber.await(probe)
      assert.isTrue(Exit.isFailure(probed))
      assert.strictEqual(breaker.state("users"), "open")
      const after = circuitOpen(yield* Effect.flip(client.getUser({ user_id: 1 })))
      assert.strictEqual(Duration.toMillis(after.retryIn), 1000)
      assert.strictEqual(server.received.length, 2)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("an interrupted probe frees its place", () =>
    Effect.gen(function*() {
      let status = 500
      const server = yield* serve(() => status)
      const breaker = CircuitBreaker.make({ window: { calls: 1 }, minimumCalls: 1, openFor: "1 second" })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [breaker] })
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      yield* TestClock.adjust("1 second")
      status = -1
      const probe = yield* Effect.fork(client.getUser({ user_id: 1 }))
      yield* waitFor(() => server.received.length === 2)
      yield* Fiber.interrupt(probe)
      assert.strictEqual(breaker.state("users"), "half-open")
      status = 200
      yield* client.getUser({ user_id: 1 })
      assert.strictEqual(breaker.state("users"), "closed")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("which failures count: transport errors, timeouts, 5xx by default; 429 only when asked; 404 never", () =>
    Effect.gen(function*() {
      let status = 404
      const server = yield* serve(() => status)
      const options = { window: { calls: 1 }, minimumCalls: 1, openFor: "1 second" } as const
      const byDefault = CircuitBreaker.make(options)
      const with429 = CircuitBreaker.make({ ...options, failOn: ["429"] })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Timeout.make({ timeout: "2 seconds" }), byDefault, with429]
      })
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      assert.strictEqual(byDefault.state("users"), "closed")
      status = 429
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      assert.strictEqual(byDefault.state("users"), "closed")
      assert.strictEqual(with429.state("users"), "open")

      const reset = CircuitBreaker.make(options)
      const resetClient = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [reset] })
      status = 0
      const error = yield* Effect.flip(resetClient.getUser({ user_id: 1 }))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(reset.state("users"), "open")

      const slow = CircuitBreaker.make(options)
      const slowClient = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Timeout.make({ timeout: "2 seconds" }), slow]
      })
      status = -1
      const call = yield* Effect.fork(slowClient.getUser({ user_id: 1 }))
      yield* waitFor(() => server.received.length === 4)
      yield* Clock.advance("2 seconds")
      const timedOut = yield* Effect.flip(Fiber.join(call))
      assert.strictEqual(timedOut._tag, "TimeoutError")
      assert.strictEqual(slow.state("users"), "open")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a time window forgets old failures", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => 500)
      const breaker = CircuitBreaker.make({ window: { duration: "10 seconds" }, minimumCalls: 3, failureRate: 1 })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [breaker] })
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      yield* TestClock.adjust("11 seconds")
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      assert.strictEqual(breaker.state("users"), "closed")
      yield* TestClock.adjust("5 seconds")
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      assert.strictEqual(breaker.state("users"), "open")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("Retry never retries into an open circuit; refused calls take no Pool permit", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => 503)
      const breaker = CircuitBreaker.make({
        window: { calls: 2 },
        minimumCalls: 2,
        failureRate: 1,
        openFor: "1 minute"
      })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [
          Retry.make({ maxAttempts: 5, baseDelay: "100 millis", jitter: false }),
          breaker,
          Pool.make({ limit: 1 })
        ]
      })
      const call = yield* Effect.fork(client.getUser({ user_id: 1 }))
      yield* Clock.advance("100 millis")
      const error = yield* Effect.flip(Fiber.join(call))
      // the second attempt opened the circuit: no third attempt, the last answer is the call's
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag === "ResponseError") {
        assert.strictEqual(error.attributes.attempts, 2)
        assert.strictEqual(error.attributes.circuit, "open")
      }
      assert.strictEqual(server.received.length, 2)
      const refused = circuitOpen(yield* Effect.flip(client.getUser({ user_id: 1 })))
      assert.strictEqual(Duration.toMillis(refused.retryIn), 60_000)
      assert.strictEqual(server.received.length, 2)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("scope: endpoints apart, or one origin shared by two clients", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => 500)
      const options = { window: { calls: 1 }, minimumCalls: 1 } as const
      const perEndpoint = CircuitBreaker.make({ ...options, scope: "endpoint" })
      const a = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [perEndpoint] })
      yield* Effect.flip(a.getUser({ user_id: 1 }))
      assert.strictEqual(perEndpoint.state("users.getUser"), "open")
      assert.strictEqual(perEndpoint.state("users.listUsers"), "closed")
      const listed = yield* Effect.flip(a.listUsers())
      assert.strictEqual(listed._tag, "ResponseError")

      const perOrigin = CircuitBreaker.make({ ...options, scope: "origin" })
      const b = yield* ServiceClient.make(Api, { name: "b", baseUrl: `${server.url}/v1`, plugins: [perOrigin] })
      const c = yield* ServiceClient.make(Api, { name: "c", baseUrl: server.url, plugins: [perOrigin] })
      yield* Effect.flip(b.getUser({ user_id: 1 }))
      const refused = circuitOpen(yield* Effect.flip(c.getUser({ user_id: 1 })))
      assert.strictEqual(refused.circuit, server.url)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it("bad options are a SpecError naming the option", () => {
    assert.throws(() => CircuitBreaker.make({ failureRate: 0 }), /CircuitBreaker\.failureRate/)
    assert.throws(() => CircuitBreaker.make({ window: { calls: 5 }, minimumCalls: 6 }), /CircuitBreaker\.minimumCalls/)
    assert.throws(() => CircuitBreaker.make({ failOn: ["4xx" as never] }), /CircuitBreaker\.failOn/)
    assert.throws(() => CircuitBreaker.make({ window: { duration: 0 } }), /CircuitBreaker\.window\.duration/)
    assert.throws(() => CircuitBreaker.make({ scope: "host" as never }), /CircuitBreaker\.scope/)
  })
})
