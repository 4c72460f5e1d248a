/**
 * The Timeout plugin over the live transport: headers that never come and a body that
 * stalls end the call with a `TimeoutError` naming service, endpoint and request; the
 * send is interrupted, so the socket is closed (the server sees it) and a Pool permit
 * held by the call comes back.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Pool, Timeout } from "@service-client/plugins"
import { Duration, Effect, Fiber, TestClock } from "effect"
import * as Fault from "./faultServer.js"
import { expectFailure, transports } from "./support.js"

const Api = Spec.make({
  item: Endpoint.get("/item/{id}"),
  short: Endpoint.get("/item/{id}", { timeout: "200 millis" })
})
const where = (endpoint: string) => ({ service: "timeouts", endpoint })

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [], "an unhandled rejection or uncaught exception fired")
})

/** Lets the client take in what the server wrote (wall clock: the TestClock does not move). */
const settle = Effect.promise(() => new Promise<void>((r) => setTimeout(r, 50)))

/** `stall`: the head never comes; `body`: the head and part of the body, then nothing; other ids: answered. */
const handler: Fault.Handler = (request, c) => {
  const id = request.target.slice("/item/".length)
  if (id === "stall") return
  if (id === "body") {
    c.socket.write(Fault.head(200, { "content-type": "application/json", "content-length": 1000 }))
    c.socket.write("[" + "1,".repeat(49))
    c.bytesSent += 99
    return
  }
  Fault.json(c, 200, { id })
}

const client = (url: string) =>
  ServiceClient.make(Api, {
    name: "timeouts",
    baseUrl: url,
    plugins: [Pool.make({ limit: 1 }), Timeout.make({ timeout: "1 second" })]
  })

for (const [transportName, Live] of transports) {
  describe(`Timeout plugin over the wire (${transportName})`, () => {
    for (const [id, label] of [["stall", "headers that never come"], ["body", "a body that stalls"]] as const) {
      it.scoped(`${label}: TimeoutError naming service and endpoint, socket closed, Pool permit back`, () =>
        Effect.gen(function*() {
          const server = yield* Fault.start(handler)
          const faults = yield* client(server.url)
          const call = yield* Effect.fork(Effect.exit(faults.item({ id })))
          yield* server.request(1)
          yield* settle
          // a second call waits for the Pool's only permit
          const next = yield* Effect.fork(faults.item({ id: "next" }))
          yield* settle
          assert.strictEqual(server.requests.length, 1)
          yield* TestClock.adjust("1 second")
          const error = expectFailure(yield* Fiber.join(call), "TimeoutError", where("item"))
          assert.strictEqual(error.method, "GET")
          assert.strictEqual(error.url, `${server.url}/item/${id}`)
          assert.isTrue(Duration.equals(error.timeout, Duration.seconds(1)))
          assert.include(error.message, `${server.url}/item/${id}`)
          const connection = yield* server.closed(1)
          assert.isTrue(connection.closedByClient, "the server did not see the client close the socket")
          assert.strictEqual(connection.bytesSent, id === "body" ? 99 : 0)
          // the permit came back: the waiting call went through
          assert.deepStrictEqual(yield* Fiber.join(next), { id: "next" })
        }).pipe(Effect.provide(Live)))
    }

    it.scoped("the endpoint's and the call's timeouts are used over the wire (call < endpoint < default)", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(handler)
        const faults = yield* ServiceClient.make(Api, {
          name: "timeouts",
          baseUrl: server.url,
          plugins: [Timeout.make({ timeout: "1 second" })]
        })
        const endpoint = yield* Effect.fork(Effect.exit(faults.short({ id: "stall" })))
        const call = yield* Effect.fork(Effect.exit(faults.short({ id: "body", timeout: "100 millis" })))
        yield* server.request(2)
        yield* settle
        yield* TestClock.adjust("100 millis")
        const first = expectFailure(yield* Fiber.join(call), "TimeoutError", where("short"))
        assert.isTrue(Duration.equals(first.timeout, Duration.millis(100)))
        yield* TestClock.adjust("100 millis")
        const second = expectFailure(yield* Fiber.join(endpoint), "TimeoutError", where("short"))
        assert.isTrue(Duration.equals(second.timeout, Duration.millis(200)))
        // (undici may open a spare connection meanwhile, which stays idle: only the calls' own count)
        const used = server.requests.map((r) => r.connection)
        yield* server.waitUntil("both sockets closed", () => used.every((c) => c.closed))
        assert.isTrue(used.every((c) => c.closedByClient))
      }).pipe(Effect.provide(Live)))
  })
}
