/**
 * Interruption over the live transport with Pool and RateLimit: an interrupted waiter
 * gives its place back (the next waiter proceeds, the hardLimit counts it out), an
 * interrupted call in flight aborts its socket and gives its permit back, and closing the
 * client fails every waiter with `ClientClosed` and leaves no fiber running.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Pool, RateLimit, Timeout } from "@service-client/plugins"
import { Effect, Exit, Fiber, Scope, Supervisor, TestClock } from "effect"
import * as Fault from "./faultServer.js"
import { expectFailure, expectInterrupted, transports } from "./support.js"

const Api = Spec.make({ item: Endpoint.get("/item/{id}") })
const where = { service: "interrupt", endpoint: "item" }

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [], "an unhandled rejection or uncaught exception fired")
})

const idOf = (request: Fault.Request) => decodeURIComponent(request.target.slice("/item/".length))

/** Ids starting with `hold` are held until `answer(id)`; the others are answered at once. */
const startServer = Effect.gen(function*() {
  const held = new Map<string, Fault.Connection>()
  const server = yield* Fault.start((request, c) => {
    const id = idOf(request)
    if (id.startsWith("hold")) held.set(id, c)
    else Fault.json(c, 200, { id })
  })
  return {
    server,
    /** The ids the server received, in order. */
    ids: () => server.requests.map(idOf),
    arrived: (id: string) => server.waitUntil(`request ${id}`, () => server.requests.some((r) => idOf(r) === id)),
    answer: (id: string) => {
      const c = held.get(id)!
      held.delete(id)
      Fault.json(c, 200, { id })
    },
    connectionOf: (id: string) => server.requests.find((r) => idOf(r) === id)!.connection
  }
})

/** Lets forked fibers run up to their next wait (wall clock: the TestClock does not move). */
const settle = Effect.promise(() => new Promise<void>((r) => setTimeout(r, 50)))

for (const [transportName, Live] of transports) {
  describe(`interruption (${transportName})`, () => {
    it.scoped("Pool: an interrupted waiter gives its place back; the next waiter proceeds", () =>
      Effect.gen(function*() {
        const s = yield* startServer
        const client = yield* ServiceClient.make(Api, {
          name: "interrupt",
          baseUrl: s.server.url,
          plugins: [Pool.make({ limit: 1, hardLimit: 2 })]
        })
        const a = yield* Effect.fork(client.item({ id: "hold-a" }))
        yield* s.arrived("hold-a")
        const b = yield* Effect.fork(client.item({ id: "hold-b" }))
        const c = yield* Effect.fork(client.item({ id: "hold-c" }))
        yield* settle
        // two wait: the hardLimit is reached
        expectFailure(yield* Effect.exit(client.item({ id: "d" })), "TooManyRequestsPending", where)
        yield* Fiber.interrupt(b)
        expectInterrupted(yield* Fiber.await(b))
        // b's place is free again: e may wait
        const e = yield* Effect.fork(client.item({ id: "hold-e" }))
        yield* settle
        assert.deepStrictEqual(s.ids(), ["hold-a"])
        s.answer("hold-a")
        yield* s.arrived("hold-c")
        s.answer("hold-c")
        yield* s.arrived("hold-e")
        s.answer("hold-e")
        assert.deepStrictEqual(yield* Fiber.join(a), { id: "hold-a" })
        assert.deepStrictEqual(yield* Fiber.join(c), { id: "hold-c" })
        assert.deepStrictEqual(yield* Fiber.join(e), { id: "hold-e" })
        // b never reached the server
        assert.deepStrictEqual(s.ids(), ["hold-a", "hold-c", "hold-e"])
      }).pipe(Effect.provide(Live)))

    it.scoped("RateLimit: an interrupted waiter gives its place back; the next waiter proceeds", () =>
      Effect.gen(function*() {
        const s = yield* startServer
        const client = yield* ServiceClient.make(Api, {
          name: "interrupt",
          baseUrl: s.server.url,
          plugins: [RateLimit.make({ limit: 1, period: "1 second", hardLimit: 2 })]
        })
        assert.deepStrictEqual(yield* client.item({ id: "a" }), { id: "a" })
        const b = yield* Effect.fork(client.item({ id: "b" }))
        const c = yield* Effect.fork(client.item({ id: "c" }))
        yield* settle
        expectFailure(yield* Effect.exit(client.item({ id: "d" })), "TooManyRequestsPending", where)
        yield* Fiber.interrupt(b)
        expectInterrupted(yield* Fiber.await(b))
        const e = yield* Effect.fork(client.item({ id: "e" }))
        yield* settle
        assert.deepStrictEqual(s.ids(), ["a"])
        // a's permit comes back a period after its send: c gets it, not the interrupted b
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.join(c), { id: "c" })
        assert.deepStrictEqual(s.ids(), ["a", "c"])
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.join(e), { id: "e" })
        assert.deepStrictEqual(s.ids(), ["a", "c", "e"])
      }).pipe(Effect.provide(Live)))

    it.scoped("Pool: interrupting a call in flight closes its socket and gives its permit back", () =>
      Effect.gen(function*() {
        const s = yield* startServer
        const client = yield* ServiceClient.make(Api, {
          name: "interrupt",
          baseUrl: s.server.url,
          plugins: [Pool.make({ limit: 1 })]
        })
        const a = yield* Effect.fork(client.item({ id: "hold-a" }))
        yield* s.arrived("hold-a")
        const b = yield* Effect.fork(client.item({ id: "b" }))
        yield* settle
        assert.deepStrictEqual(s.ids(), ["hold-a"])
        yield* Fiber.interrupt(a)
        expectInterrupted(yield* Fiber.await(a))
        const connection = yield* s.server.closed(1)
        assert.isTrue(connection.closedByClient, "the server did not see the client close the socket")
        assert.deepStrictEqual(yield* Fiber.join(b), { id: "b" })
        assert.deepStrictEqual(s.ids(), ["hold-a", "b"])
      }).pipe(Effect.provide(Live)))

    it.scoped("RateLimit: interrupting a call in flight closes its socket; its permit comes back a period later", () =>
      Effect.gen(function*() {
        const s = yield* startServer
        const client = yield* ServiceClient.make(Api, {
          name: "interrupt",
          baseUrl: s.server.url,
          plugins: [RateLimit.make({ limit: 1, period: "1 second" })]
        })
        const a = yield* Effect.fork(client.item({ id: "hold-a" }))
        yield* s.arrived("hold-a")
        const b = yield* Effect.fork(client.item({ id: "b" }))
        yield* Fiber.interrupt(a)
        expectInterrupted(yield* Fiber.await(a))
        assert.isTrue((yield* s.server.closed(1)).closedByClient)
        yield* settle
        assert.deepStrictEqual(s.ids(), ["hold-a"])
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.join(b), { id: "b" })
        assert.deepStrictEqual(s.ids(), ["hold-a", "b"])
      }).pipe(Effect.provide(Live)))

    const stacks = {
      // behind a RateLimit with permits to spare, inside a Timeout
      Pool: () => [
        RateLimit.make({ limit: 1_000, period: "1 second" }),
        Pool.make({ limit: 1 }),
        Timeout.make({ timeout: "1 minute" })
      ],
      RateLimit: () => [RateLimit.make({ limit: 1, period: "1 second" }), Timeout.make({ timeout: "1 minute" })]
    }
    for (const [limiter, plugins] of Object.entries(stacks)) {
      it.scoped(`closing the client with 100 calls waiting in a ${limiter}: all get ClientClosed, no fiber left`, () =>
        Effect.gen(function*() {
          const s = yield* startServer
          const supervisor = yield* Supervisor.track
          const scope = yield* Scope.make()
          const client = yield* ServiceClient.make(Api, {
            name: "interrupt",
            baseUrl: s.server.url,
            plugins: plugins()
          }).pipe(Scope.extend(scope))
          const [inFlight, waiters] = yield* Effect.gen(function*() {
            const inFlight = yield* Effect.fork(client.item({ id: "hold-a" }))
            yield* s.arrived("hold-a")
            const waiters = yield* Effect.forEach(
              Array.from({ length: 100 }, (_, i) => `w${i}`),
              (id) => Effect.fork(client.item({ id })),
              { concurrency: "unbounded" }
            )
            return [inFlight, waiters] as const
          }).pipe(Effect.supervised(supervisor))
          yield* settle
          // the 101 calls, and what runs for the one in flight (its Timeout's timer, the transport's fibers)
          const running = (yield* supervisor.value).length
          assert.isAtLeast(running, 101)
          yield* Scope.close(scope, Exit.void)
          for (const fiber of waiters) expectFailure(yield* Fiber.await(fiber), "ClientClosed", where)
          assert.isTrue(waiters.every((fiber) => fiber.unsafePoll() !== null))
          // the call in flight is not cut by the close: it ends with its response
          s.answer("hold-a")
          assert.deepStrictEqual(yield* Fiber.join(inFlight), { id: "hold-a" })
          assert.deepStrictEqual(s.ids(), ["hold-a"], "a waiter reached the server")
          // no fiber left: neither a call, nor a Timeout's timer, nor a RateLimit release (interrupted with the client)
          let left = -1
          for (let i = 0; i < 100 && left !== 0; i++) {
            left = (yield* supervisor.value).length
            if (left !== 0) yield* settle
          }
          assert.strictEqual(left, 0, "fibers still running after the close")
          expectFailure(yield* Effect.exit(client.item({ id: "late" })), "ClientClosed", where)
        }).pipe(Effect.provide(Live)))
    }
  })
}
