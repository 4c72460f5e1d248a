import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, RequestError, ServiceClient, Spec } from "@service-client/core"
import * as Pool from "@service-client/plugins/Pool"
import * as Timeout from "@service-client/plugins/Timeout"
import { Duration, Effect, Exit, Fiber, Queue, Scope, TestClock } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({ plain: Endpoint.get("/a/{n}"), failing: Endpoint.get("/fail") })

const make = (options: Pool.Options) =>
  ServiceClient.make(Api, { name: "svc", baseUrl: "http://127.0.0.1:1", plugins: [Pool.make(options)] })

/** Each call holds its slot 1 s; /fail fails after 1 s. */
const setup = () => {
  const g = Support.gauge((session) =>
    Effect.zipRight(
      Effect.sleep("1 second"),
      session.url.endsWith("/fail")
        ? Effect.fail(
          new RequestError({ ...session, reason: "Transport", cause: "boom", description: "boom" })
        )
        : Effect.succeed({})
    )
  )
  return { state: g.state, layer: Support.layer(g.handler) }
}

const flipTag = <A, E extends { _tag: string }>(e: Effect.Effect<A, E>) =>
  Effect.match(e, { onFailure: (error) => error._tag, onSuccess: () => "ok" })

describe("Pool", () => {
  it.scoped("regular work: sequential calls go through", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1 })
      const fiber = yield* Effect.fork(Effect.forEach([1, 2, 3], (n) => c.call("plain", { n })))
      yield* TestClock.adjust("3 seconds")
      const results = yield* Fiber.join(fiber)
      assert.deepStrictEqual(results.map((r) => r.attributes.blockedByPool), [0, 0, 0])
      assert.strictEqual(state.max, 1)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("at most limit calls inside the send; waiters go in FIFO order", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 2 })
      const fiber = yield* Effect.fork(
        Effect.forEach([1, 2, 3, 4, 5], (n) => c.call("plain", { n }), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("3 seconds")
      const results = yield* Fiber.join(fiber)
      assert.strictEqual(state.max, 2)
      assert.deepStrictEqual(results.map((r) => r.attributes.blockedByPool), [0, 0, 1000, 1000, 2000])
      assert.deepStrictEqual(state.starts.map((s) => s.url.slice(-1)), ["1", "2", "3", "4", "5"])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("a failed send gives its slot back", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1 })
      const fiber = yield* Effect.fork(
        Effect.all([flipTag(c.call("failing")), flipTag(c.call("plain", { n: 1 }))], { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["RequestError", "ok"])
      assert.strictEqual(state.max, 1)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("a waiter fails with TooMuchTimePending after timeout, with blockedByPool, and takes no slot", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1, timeout: "500 millis" })
      const first = yield* Effect.fork(c.call("plain", { n: 1 }))
      yield* TestClock.adjust("1 millis")
      const second = yield* Effect.fork(Effect.flip(c.call("plain", { n: 2 })))
      yield* TestClock.adjust("500 millis")
      const error = yield* Fiber.join(second)
      assert.strictEqual(error._tag, "TooMuchTimePending")
      if (error._tag === "TooMuchTimePending") {
        assert.strictEqual(error.limiter, "pool")
        assert.strictEqual(error.endpoint, "plain")
      }
      // the first call still holds the only slot: a new call waits
      const third = yield* Effect.fork(c.call("plain", { n: 3 }))
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(first)
      assert.strictEqual((yield* Fiber.join(third)).attributes.blockedByPool, 499)
      assert.strictEqual(state.max, 1)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("each waiter times out `timeout` after it arrived, not before; a granted one never", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      // calls hold the slot 1 s; waiters give up after 1.5 s
      const c = yield* make({ limit: 1, timeout: "1500 millis" })
      const call = (n: number) => Effect.fork(flipTag(c.call("plain", { n })))
      const first = yield* call(1)
      const second = yield* call(2) // waits from 0, granted at 1 s
      yield* TestClock.adjust("400 millis")
      const third = yield* call(3) // waits from 400 ms: expires at 1.9 s
      yield* TestClock.adjust("400 millis")
      const fourth = yield* call(4) // waits from 800 ms: expires at 2.3 s
      yield* TestClock.adjust("1099 millis") // 1.899 s: nobody has reached its timeout yet
      assert.isNull(third.unsafePoll())
      yield* TestClock.adjust("1 millis") // 1.9 s: the third gives up; the fourth takes the slot at 2 s
      assert.strictEqual(yield* Fiber.join(third), "TooMuchTimePending")
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Fiber.join(Fiber.zip(Fiber.zip(first, second), fourth)), [["ok", "ok"], "ok"])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("blockedByPool is set when the limiter fails the call", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      let attributes: Record<string, unknown> | undefined
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [
          Pool.make({ limit: 1, timeout: "200 millis" }),
          Plugin.make("Spy", { onException: (session) => Effect.sync(() => void (attributes = session.attributes)) })
        ]
      })
      yield* Effect.fork(c.call("plain", { n: 1 }))
      yield* TestClock.adjust("1 millis")
      const waiter = yield* Effect.fork(Effect.flip(c.call("plain", { n: 2 })))
      yield* TestClock.adjust("200 millis")
      assert.strictEqual((yield* Fiber.join(waiter))._tag, "TooMuchTimePending")
      assert.strictEqual(attributes?.blockedByPool, 200)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("hardLimit: at most hardLimit calls wait, the next fails at once", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1, hardLimit: 2 })
      const calls = yield* Effect.forEach([1, 2, 3], (n) => Effect.fork(c.call("plain", { n })))
      yield* TestClock.adjust("1 millis")
      const error = yield* Effect.flip(c.call("plain", { n: 4 }))
      assert.strictEqual(error._tag, "TooManyRequestsPending")
      if (error._tag === "TooManyRequestsPending") {
        assert.strictEqual(error.pending, 2)
        assert.strictEqual(error.limiter, "pool")
      }
      yield* TestClock.adjust("3 seconds")
      for (const f of calls) assert.strictEqual((yield* Fiber.join(f)).status, 200)
      assert.strictEqual(state.max, 1)
      const none = yield* make({ limit: 1, hardLimit: 0 })
      const held = yield* Effect.fork(none.call("plain", { n: 5 }))
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Effect.flip(none.call("plain", { n: 6 })))._tag, "TooManyRequestsPending")
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(held)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("an interrupted waiter gives its place back, an interrupted call its slot", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1, hardLimit: 1 })
      const a = yield* Effect.fork(c.call("plain", { n: 1 }))
      yield* TestClock.adjust("1 millis")
      const b = yield* Effect.fork(c.call("plain", { n: 2 }))
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Effect.flip(c.call("plain", { n: 9 })))._tag, "TooManyRequestsPending")
      yield* Fiber.interrupt(b)
      // b's place in the queue is free again
      const c3 = yield* Effect.fork(c.call("plain", { n: 3 }))
      yield* TestClock.adjust("1 millis")
      // interrupting the call in flight frees the slot for c3 at once
      yield* Fiber.interrupt(a)
      yield* TestClock.adjust("1 second")
      const res = yield* Fiber.join(c3)
      assert.strictEqual(res.attributes.blockedByPool, 1)
      assert.deepStrictEqual(state.starts.map((s) => s.url.slice(-1)), ["1", "3"])
      assert.strictEqual(state.max, 1)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("a Timeout listed before the Pool interrupts a waiter, which leaves the queue", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [Timeout.make({ timeout: "1500 millis" }), Pool.make({ limit: 1, hardLimit: 1 })]
      })
      const a = yield* Effect.fork(c.call("plain", { n: 1, timeout: null }))
      yield* TestClock.adjust("1 millis")
      const b = yield* Effect.fork(flipTag(c.call("plain", { n: 2, timeout: "100 millis" })))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(yield* Fiber.join(b), "TimeoutError")
      // its place is free again: a new call may wait
      const c3 = yield* Effect.fork(flipTag(c.call("plain", { n: 3, timeout: "5 seconds" })))
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* Fiber.join(c3), "ok")
      yield* Fiber.join(a)
      assert.deepStrictEqual(state.starts.map((s) => s.url.slice(-1)), ["1", "3"])
    }).pipe(Effect.provide(layer))
  })

  it.scopedLive(
    "under the live clock, a waiter's deadline ends its wait (a Node timer, no fiber): TimeoutError, its place freed",
    () => {
      const { layer, state } = setup()
      return Effect.gen(function*() {
        const c = yield* ServiceClient.make(Api, {
          name: "svc",
          baseUrl: "http://127.0.0.1:1",
          plugins: [Timeout.make({ timeout: "5 seconds" }), Pool.make({ limit: 1 })]
        })
        const a = yield* Effect.fork(c.call("plain", { n: 1, timeout: null }))
        yield* Effect.sleep("20 millis")
        const started = Date.now()
        const b = yield* Effect.fork(flipTag(c.call("plain", { n: 2, timeout: "100 millis" })))
        const c3 = yield* Effect.fork(flipTag(c.call("plain", { n: 3 })))
        assert.strictEqual(yield* Fiber.join(b), "TimeoutError")
        // well before the call holding the permit ends (1 s): the wait ended at its deadline
        assert.isBelow(Date.now() - started, 800)
        yield* Fiber.join(a)
        assert.strictEqual(yield* Fiber.join(c3), "ok")
        assert.deepStrictEqual(state.starts.map((s) => s.url.slice(-1)), ["1", "3"])
        assert.strictEqual(state.max, 1)
      }).pipe(Effect.provide(layer))
    },
    10_000
  )

  it.effect("closing the client fails every waiter with ClientClosed, and later calls", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const scope = yield* Scope.make()
      const c = yield* make({ limit: 1 }).pipe(Scope.extend(scope))
      const first = yield* Effect.fork(c.call("plain", { n: 1 }))
      yield* TestClock.adjust("1 millis")
      const waiters = yield* Effect.forEach([2, 3], (n) => Effect.fork(flipTag(c.call("plain", { n }))))
      yield* TestClock.adjust("1 millis")
      yield* Scope.close(scope, Exit.void)
      for (const w of waiters) assert.strictEqual(yield* Fiber.join(w), "ClientClosed")
      assert.strictEqual(yield* flipTag(c.call("plain", { n: 4 })), "ClientClosed")
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(first)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a call that reaches the pool after the close fails with ClientClosed", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const scope = yield* Scope.make()
      const delay = Plugin.make("Delay", { aroundSend: (_, send) => Effect.zipRight(Effect.sleep("1 second"), send) })
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [delay, Pool.make({ limit: 1 })]
      }).pipe(Scope.extend(scope))
      const late = yield* Effect.fork(flipTag(c.call("plain", { n: 1 })))
      yield* TestClock.adjust("1 millis")
      yield* Scope.close(scope, Exit.void)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(late), "ClientClosed")
      assert.strictEqual(state.starts.length, 0)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("1,000 concurrent calls through Pool(limit 4, hardLimit 50)", () =>
    Effect.gen(function*() {
      // Calls hold their slot until the test lets one through the gate: no clock involved.
      const gate = yield* Queue.unbounded<void>()
      const g = Support.gauge(() => Effect.as(Queue.take(gate), {}))
      const c = yield* make({ limit: 4, hardLimit: 50 }).pipe(Effect.provide(Support.layer(g.handler)))
      const counts = { ok: 0, TooManyRequestsPending: 0, other: 0 }
      const call = (n: number) =>
        Effect.tap(flipTag(c.call("plain", { n })), (tag) =>
          Effect.sync(() => {
            if (tag === "ok" || tag === "TooManyRequestsPending") counts[tag]++
            else counts.other++
          }))
      const until = (check: () => boolean) =>
        Effect.gen(function*() {
          for (let i = 0; i < 100_000 && !check(); i++) yield* Effect.yieldNow()
          return check()
        })
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), call, { concurrency: "unbounded" })
      )
      assert.isTrue(yield* until(() => counts.TooManyRequestsPending === 946 && g.state.inFlight === 4))
      assert.strictEqual(counts.ok, 0)
      yield* Queue.offerAll(gate, Array.from({ length: 54 }, () => undefined))
      const tags = yield* Fiber.join(fiber)
      assert.strictEqual(tags.filter((t) => t === "ok").length, 54)
      assert.strictEqual(tags.filter((t) => t === "TooManyRequestsPending").length, 946)
      assert.strictEqual(counts.other, 0)
      assert.strictEqual(g.state.max, 4)
      assert.strictEqual(g.state.inFlight, 0)
      // every permit is back: a batch of `limit` calls are all in flight at once
      const batch = yield* Effect.fork(
        Effect.forEach([1, 2, 3, 4], (n) => c.call("plain", { n }), { concurrency: "unbounded" })
      )
      assert.isTrue(yield* until(() => g.state.inFlight === 4))
      yield* Queue.offerAll(gate, [undefined, undefined, undefined, undefined])
      const results = yield* Fiber.join(batch)
      assert.deepStrictEqual(results.map((r) => r.attributes.blockedByPool), [0, 0, 0, 0])
      assert.strictEqual(g.state.max, 4)
    }))

  it("rejects bad options when made", () => {
    assert.throws(() => Pool.make({ limit: 0 }), /Pool.limit/)
    assert.throws(() => Pool.make({ limit: 1.5 }), /Pool.limit/)
    assert.throws(() => Pool.make({ hardLimit: -1 }), /Pool.hardLimit/)
    assert.throws(() => Pool.make({ timeout: -1 }), /Pool.timeout/)
  })
})

describe("Pool under churn", () => {
  it.scoped("random hold times, interruptions and timeouts never exceed the limit nor lose a permit", () => {
    const g = Support.gauge((session) => Effect.as(Effect.sleep(Number(session.url.split("/").pop()) % 7 * 10 + 5), {}))
    return Effect.gen(function*() {
      const c = yield* make({ limit: 3, hardLimit: 15, timeout: "150 millis" })
      const fibers = yield* Effect.forEach(Array.from({ length: 120 }, (_, i) => i), (n) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(flipTag(c.call("plain", { n })))
          if (n % 5 === 0) yield* Effect.fork(Effect.zipRight(Effect.sleep(n % 13 * 3), Fiber.interrupt(fiber)))
          if (n % 10 === 0) yield* TestClock.adjust("7 millis")
          return fiber
        }))
      yield* TestClock.adjust("5 seconds")
      const tags = yield* Effect.forEach(fibers, (f) => Effect.exit(Fiber.join(f)))
      assert.isTrue(tags.some((e) => Exit.isSuccess(e) && e.value === "ok"))
      assert.isTrue(tags.some((e) => Exit.isInterrupted(e)))
      assert.isTrue(tags.some((e) => Exit.isSuccess(e) && e.value === "TooMuchTimePending"))
      assert.isTrue(tags.some((e) => Exit.isSuccess(e) && e.value === "TooManyRequestsPending"))
      assert.isAtMost(g.state.max, 3)
      assert.strictEqual(g.state.inFlight, 0)
      g.state.max = 0
      const batch = yield* Effect.fork(
        Effect.forEach([1, 2, 3], (n) => c.call("plain", { n: n * 7 }), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(batch)
      assert.deepStrictEqual(results.map((r) => r.attributes.blockedByPool), [0, 0, 0])
      assert.strictEqual(g.state.max, 3)
    }).pipe(Effect.provide(Support.layer(g.handler)))
  })

  it.scopedLive(
    "under the live clock, deadlines (Node timers) and interruptions at random keep the permit count exact",
    () => {
      const g = Support.gauge((session) => Effect.as(Effect.sleep(Number(session.url.split("/").pop()) % 4 + 1), {}))
      return Effect.gen(function*() {
        const c = yield* ServiceClient.make(Api, {
          name: "svc",
          baseUrl: "http://127.0.0.1:1",
          plugins: [Timeout.make({ timeout: "5 seconds" }), Pool.make({ limit: 3, timeout: "40 millis" })]
        })
        // a fixed pseudo-random sequence: which calls get a short deadline, which are interrupted and when
        let seed = 7
        const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
        const fibers = yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (n) =>
          Effect.gen(function*() {
            const timeout = next() < 0.3 ? Duration.millis(Math.floor(next() * 15) + 1) : null
            const fiber = yield* Effect.fork(flipTag(c.call("plain", { n, timeout })))
            if (next() < 0.3) yield* Effect.fork(Effect.zipRight(Effect.sleep(next() * 20), Fiber.interrupt(fiber)))
            if (n % 20 === 0) yield* Effect.sleep("2 millis")
            return fiber
          }))
        const exits = yield* Effect.forEach(fibers, (f) => Effect.exit(Fiber.join(f)))
        const tags = exits.map((e) => Exit.isSuccess(e) ? e.value : "interrupted")
        for (const tag of ["ok", "interrupted", "TimeoutError"]) assert.include(tags, tag)
        assert.isAtMost(g.state.max, 3)
        assert.strictEqual(g.state.inFlight, 0)
        // every permit came back: three calls at once go through without waiting
        g.state.max = 0
        const results = yield* Effect.forEach([1, 2, 3], (n) => c.call("plain", { n: n * 4 }), {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual(results.map((r) => r.attributes.blockedByPool), [0, 0, 0])
        assert.strictEqual(g.state.max, 3)
      }).pipe(Effect.provide(Support.layer(g.handler)))
    },
    20_000
  )
})
