// Runs against the Redis at 127.0.0.1:6379 (`.ci/run` starts one); every run uses its own key prefix.
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Errors, Plugin, ServiceClient, Spec, Transport } from "@service-client/core"
import type { LimiterError } from "@service-client/plugins"
import { Hedge, LimiterStore, Pool, RateLimit } from "@service-client/plugins"
import { RedisLimiter, RedisStore } from "@service-client/redis"
import { Cause, Config, ConfigProvider, Duration, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import * as Net from "node:net"

const prefix = `test-${process.pid}-${Date.now().toString(36)}`
const Store = RedisStore.layer({ prefix, commandTimeout: "2 seconds" })
const caller = { service: "svc", endpoint: "ep" }
let names = 0
const name = () => `unit-${++names}`

const now = () => Effect.sync(() => performance.now())

/** Polls `condition` until it holds (the machine may be busy: no fixed sleeps before checks). */
const waitFor = <E>(condition: Effect.Effect<boolean, E>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      if (yield* condition) return
      yield* Effect.sleep("10 millis")
    }
    assert.fail("condition never held")
  })

/** Maximum number of the `times` (ms) in any half-open window of `period`. */
const maxInWindow = (times: ReadonlyArray<number>, period: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= period) j++
    max = Math.max(max, i - j + 1)
  }
  return max
}

describe("RedisLimiter.semaphore", () => {
  it.live("never lets more than `limit` run, and gives every permit back", () =>
    Effect.gen(function*() {
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 2 })
      let running = 0
      let max = 0
      const task = sem.withPermit(caller)(
        Effect.gen(function*() {
          max = Math.max(max, ++running)
          yield* Effect.sleep("30 millis")
          running--
        })
      )
      yield* Effect.all(Array.from({ length: 8 }, () => task), { concurrency: "unbounded" })
      assert.strictEqual(max, 2)
      assert.deepStrictEqual(yield* sem.stats, { taken: 0, waiting: 0 })
    }).pipe(Effect.scoped, Effect.provide(Store)))

  it.live("releases on failure and on interruption, and an interrupted waiter leaves the queue", () =>
    Effect.gen(function*() {
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1 })
      const failed = yield* sem.withPermit(caller)(Effect.fail("boom")).pipe(Effect.flip)
      assert.strictEqual(failed, "boom")
      assert.strictEqual((yield* sem.stats).taken, 0)
      const holder = yield* Effect.fork(sem.withPermit(caller)(Effect.never))
      yield* waitFor(Effect.map(sem.stats, (s) => s.taken === 1))
      const waiter = yield* Effect.fork(sem.withPermit(caller)(Effect.void))
      yield* waitFor(Effect.map(sem.stats, (s) => s.waiting === 1))
      assert.deepStrictEqual(yield* sem.stats, { taken: 1, waiting: 1 })
      assert.strictEqual(yield* sem.pending, 1)
      yield* Fiber.interrupt(waiter)
      yield* waitFor(Effect.map(sem.stats, (s) => s.waiting === 0))
      assert.deepStrictEqual(yield* sem.stats, { taken: 1, waiting: 0 })
      yield* Fiber.interrupt(holder)
      assert.deepStrictEqual(yield* sem.stats, { taken: 0, waiting: 0 })
    }).pipe(Effect.scoped, Effect.provide(Store)))

  it.live("renews the lease of a call that outlives the TTL", () =>
    Effect.gen(function*() {
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1, leaseTtl: "300 millis" })
      const holder = yield* Effect.fork(sem.withPermit(caller)(Effect.sleep("1200 millis")))
      yield* Effect.sleep("800 millis")
      assert.strictEqual((yield* sem.stats).taken, 1)
      yield* Fiber.join(holder)
      assert.strictEqual((yield* sem.stats).taken, 0)
    }).pipe(Effect.scoped, Effect.provide(Store)))

  it.live("hardLimit and timeout fail with the core errors; blocked time is measured", () =>
    Effect.gen(function*() {
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1, hardLimit: 1, timeout: "150 millis" })
      const holder = yield* Effect.fork(sem.withPermit(caller)(Effect.never))
      yield* waitFor(Effect.map(sem.stats, (s) => s.taken === 1))
      const waiter = yield* Effect.fork(Effect.scoped(sem.acquire(caller)))
      yield* waitFor(sem.pending.pipe(Effect.map((n) => n === 1)))
      const tooMany = yield* Effect.flip(Effect.scoped(sem.acquire(caller)))
      assert.strictEqual(tooMany._tag, "TooManyRequestsPending")
      assert.include(tooMany.message, "svc.ep")
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(holder)
      const blocked = yield* Fiber.join(waiter)
      assert.isAtLeast(blocked, 50)
      const hog = yield* Effect.fork(sem.withPermit(caller)(Effect.never))
      yield* waitFor(Effect.map(sem.stats, (s) => s.taken === 1))
      const t0 = yield* now()
      const tooLong = yield* Effect.flip(Effect.scoped(sem.acquire(caller)))
      assert.strictEqual(tooLong._tag, "TooMuchTimePending")
      assert.isAtLeast((yield* now()) - t0, 140)
      yield* Fiber.interrupt(hog)
      yield* waitFor(Effect.map(sem.stats, (s) => s.waiting === 0))
      assert.deepStrictEqual(yield* sem.stats, { taken: 0, waiting: 0 })
    }).pipe(Effect.scoped, Effect.provide(Store)))

  it.live("closing the limiter fails its waiters and later calls with ClientClosed", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1 }).pipe(Scope.extend(scope))
      const holder = yield* Effect.fork(sem.withPermit(caller)(Effect.never))
      yield* waitFor(Effect.map(sem.stats, (s) => s.taken === 1))
      const waiter = yield* Effect.fork(Effect.flip(Effect.scoped(sem.acquire(caller))))
      yield* waitFor(sem.pending.pipe(Effect.map((n) => n === 1)))
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* Fiber.join(waiter))._tag, "ClientClosed")
      assert.strictEqual((yield* Effect.flip(Effect.scoped(sem.acquire(caller))))._tag, "ClientClosed")
      yield* Fiber.interrupt(holder)
      yield* waitFor(Effect.map(sem.stats, (s) => s.waiting === 0))
      assert.deepStrictEqual(yield* sem.stats, { taken: 0, waiting: 0 })
    }).pipe(Effect.scoped, Effect.provide(Store)))

  it.live("serves waiters in arrival order", () =>
    Effect.gen(function*() {
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1 })
      const order: Array<number> = []
      const holder = yield* Effect.fork(sem.withPermit(caller)(Effect.never))
      yield* waitFor(Effect.map(sem.stats, (s) => s.taken === 1))
      const waiters: Array<Fiber.RuntimeFiber<void, unknown>> = []
      for (let i = 0; i < 5; i++) {
        waiters.push(yield* Effect.fork(sem.withPermit(caller)(Effect.sync(() => void order.push(i)))))
        yield* waitFor(Effect.map(sem.stats, (s) => s.waiting === i + 1))
      }
      yield* Fiber.interrupt(holder)
      yield* Fiber.joinAll(waiters)
      assert.deepStrictEqual(order, [0, 1, 2, 3, 4])
    }).pipe(Effect.scoped, Effect.provide(Store)))
})

describe("RedisLimiter.window", () => {
  const run = (hold: "afterResponse" | "fromStart") =>
    Effect.gen(function*() {
      const period = 300
      const win = yield* RedisLimiter.window({ name: name(), limit: 3, period: Duration.millis(period), hold })
      const starts: Array<number> = []
      const task = win.withPermit(caller)(Effect.andThen(now(), (t) => void starts.push(t)))
      const t0 = yield* now()
      yield* Effect.all(Array.from({ length: 7 }, () => task), { concurrency: "unbounded" })
      const took = (yield* now()) - t0
      // the window holds on the clock of Redis; a start is recorded here a little after its grant
      // (event-loop delays on a busy machine), so the check allows 30 ms of such jitter
      assert.isAtMost(maxInWindow(starts, period - 30), 3)
      assert.isAtLeast(took, 2 * period - 10)
      assert.isBelow(took, 2 * period + 3000)
    }).pipe(Effect.scoped, Effect.provide(Store))

  it.live("at most `limit` starts in any period (permit returns `period` after the response)", () =>
    run("afterResponse"))
  it.live("at most `limit` starts in any period (sliding window log from the start)", () => run("fromStart"))

  it.live("afterResponse keeps a permit while the call runs", () =>
    Effect.gen(function*() {
      const win = yield* RedisLimiter.window({ name: name(), limit: 1, period: "100 millis" })
      let started = 0
      const slow = yield* Effect.fork(
        win.withPermit(caller)(
          Effect.andThen(now(), (t) => (started = t)).pipe(Effect.zipRight(Effect.sleep("300 millis")))
        )
      )
      yield* waitFor(Effect.map(win.stats, (s) => s.taken === 1))
      const blocked = yield* Effect.scoped(win.acquire(caller))
      assert.isAbove(blocked, 0)
      assert.isAtLeast((yield* now()) - started, 390)
      yield* Fiber.join(slow)
    }).pipe(Effect.scoped, Effect.provide(Store)))
})

/** A port nothing listens on: taken from the OS, then closed. */
const closedPort = await new Promise<number>((resolve) => {
  const server = Net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resolve(port))
  })
})

describe("RedisStore unavailable", () => {
  const Down = (onUnavailable: "fail" | "allow") =>
    RedisStore.layer({
      url: `redis://127.0.0.1:${closedPort}`,
      prefix,
      connectTimeout: "200 millis",
      commandTimeout: "300 millis",
      onUnavailable
    })

  it.live("fails fast with LimiterUnavailable (closed by default)", () =>
    Effect.gen(function*() {
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1 })
      const t0 = yield* now()
      const error = yield* Effect.flip(Effect.scoped(sem.acquire(caller)))
      assert.strictEqual(error._tag, "LimiterUnavailable")
      assert.include(error.message, "svc.ep")
      assert.isBelow((yield* now()) - t0, 1500)
    }).pipe(Effect.scoped, Effect.provide(Down("fail"))))

  it.live("lets calls through with onUnavailable: allow", () =>
    Effect.gen(function*() {
      const win = yield* RedisLimiter.window({ name: name(), limit: 1, period: "1 second" })
      assert.strictEqual(yield* win.withPermit(caller)(Effect.succeed(1)), 1)
      assert.strictEqual(yield* win.withPermit(caller)(Effect.succeed(2)), 2)
    }).pipe(Effect.scoped, Effect.provide(Down("allow"))))
})

describe("Pool and RateLimit on RedisStore.layerLimiters", () => {
  const Api = Spec.make({ ping: Endpoint.get("/ping") })
  const Stub = Layer.succeed(Transport.Transport, {
    send: () =>
      Effect.succeed({
        status: 200,
        headers: {},
        read: () => Effect.succeed(new Uint8Array()),
        stream: Stream.empty
      }).pipe(Effect.delay("50 millis"))
  })
  const Limiters = RedisStore.layerLimiters({ prefix, commandTimeout: "2 seconds" })
  const client = (
    service: string,
    plugins: ReadonlyArray<Effect.Effect<Plugin.Plugin<LimiterError.LimiterError>, never, Scope.Scope>>
  ) => ServiceClient.make(Api, { name: service, baseUrl: "http://127.0.0.1:1", plugins })

  it.effect("the in-memory store is the default", () =>
    Effect.map(LimiterStore.LimiterStore, (store) => assert.strictEqual(store.kind, "memory")))

  it.live("record blocked time on the same attributes as in memory", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* LimiterStore.LimiterStore).kind, "redis")
      const users = yield* client(name(), [Pool.make({ limit: 1 }), RateLimit.make({ limit: 10, period: "1 second" })])
      const [a, b] = yield* Effect.all([users.call("ping"), users.call("ping")], { concurrency: 2 })
      const blocked = [a.attributes.blockedByPool, b.attributes.blockedByPool] as Array<number>
      assert.isAtLeast(Math.max(...blocked), 40)
      assert.strictEqual(typeof a.attributes.blockedByRateLimit, "number")
    }).pipe(Effect.scoped, Effect.provide(Stub), Effect.provide(Limiters)))

  it.live("the limit is named `<service or key>:pool`, so every holder of that name shares it", () =>
    Effect.gen(function*() {
      const service = name()
      const outside = yield* RedisLimiter.semaphore({ name: `${service}:pool`, limit: 1 })
      const holder = yield* Effect.fork(outside.withPermit(caller)(Effect.never))
      yield* waitFor(Effect.map(outside.stats, (s) => s.taken === 1))
      let blocked: unknown
      const spy = Plugin.make("Spy", {
        onException: (session) => Effect.sync(() => void (blocked = session.attributes.blockedByPool))
      })
      const users = yield* ServiceClient.make(Api, {
        name: service,
        baseUrl: "http://127.0.0.1:1",
        plugins: [spy, Pool.make({ limit: 1, timeout: "200 millis" })]
      })
      const error = yield* Effect.flip(users.call("ping"))
      assert.strictEqual(error._tag, "TooMuchTimePending")
      // as in memory, the time spent waiting is on the session also when the call fails
      assert.isAtLeast(blocked as number, 190)
      const other = yield* client(name(), [Pool.make({ limit: 1, key: service, timeout: "200 millis" })])
      assert.strictEqual((yield* Effect.flip(other.call("ping")))._tag, "TooMuchTimePending")
      yield* Fiber.interrupt(holder)
      const res = yield* users.call("ping")
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(yield* outside.stats, { taken: 0, waiting: 0 })
    }).pipe(Effect.scoped, Effect.provide(Stub), Effect.provide(Limiters)))

  it.live("LimiterStore.layer(memory) keeps one client in memory under the Redis layer", () =>
    Effect.gen(function*() {
      const service = name()
      const outside = yield* RedisLimiter.semaphore({ name: `${service}:pool`, limit: 1 })
      const holder = yield* Effect.fork(outside.withPermit(caller)(Effect.never))
      yield* waitFor(Effect.map(outside.stats, (s) => s.taken === 1))
      const local = yield* client(service, [Pool.make({ limit: 1, timeout: "200 millis" })]).pipe(
        Effect.provide(LimiterStore.layer(LimiterStore.memory))
      )
      assert.strictEqual((yield* local.call("ping")).status, 200)
      yield* Fiber.interrupt(holder)
    }).pipe(Effect.scoped, Effect.provide(Stub), Effect.provide(Limiters)))

  it.live("a hedge takes a Redis permit only when one is free at once", () =>
    Effect.gen(function*() {
      // the first request of a call answers after 300 ms, a hedge at once
      let sends = 0
      const Slow = Layer.succeed(Transport.Transport, {
        send: () =>
          Effect.suspend(() =>
            Effect.delay(
              Effect.succeed({
                status: 200,
                headers: {},
                read: () => Effect.succeed(new Uint8Array()),
                stream: Stream.empty
              }),
              ++sends % 2 === 1 ? "300 millis" : "0 millis"
            )
          )
      })
      const hedged = (limit: number) =>
        Effect.gen(function*() {
          const service = name()
          const users = yield* ServiceClient.make(Api, {
            name: service,
            baseUrl: "http://127.0.0.1:1",
            plugins: [Pool.make({ limit }), Hedge.make({ delay: "30 millis" })]
          }).pipe(Effect.provide(Slow))
          sends = 0
          const response = yield* users.call("ping")
          const outside = yield* RedisLimiter.semaphore({ name: `${service}:pool`, limit })
          yield* waitFor(Effect.map(outside.stats, (s) => s.taken === 0))
          return [response.attributes.hedge, sends] as const
        })
      // the call holds the only permit: no hedge
      assert.deepStrictEqual(yield* hedged(1), [undefined, 1])
      // a second permit is free: the hedge takes it (and gives it back)
      assert.deepStrictEqual(yield* hedged(2), ["won", 2])
    }).pipe(Effect.scoped, Effect.provide(Limiters)))

  it.live("refuses an adaptive RateLimit when the client is built (its pause would hold in one process only)", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(client(name(), [RateLimit.make({ limit: 5, adaptive: true })]))
      assert.isTrue(Exit.isFailure(exit))
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(defect, Errors.SpecError)
      assert.strictEqual((defect as Errors.SpecError).key, "RateLimit.adaptive")
      // the same RateLimit without adaptive is accepted, and in memory adaptive stays available
      assert.strictEqual((yield* (yield* client(name(), [RateLimit.make({ limit: 5 })])).call("ping")).status, 200)
      const local = yield* client(name(), [RateLimit.make({ limit: 5, adaptive: true })]).pipe(
        Effect.provide(LimiterStore.layer(LimiterStore.memory))
      )
      assert.strictEqual((yield* local.call("ping")).status, 200)
    }).pipe(Effect.scoped, Effect.provide(Stub), Effect.provide(Limiters)))

  it.live("Redis unreachable: the call fails fast with the core's LimiterUnavailable; fail open lets it through", () =>
    Effect.gen(function*() {
      const Down = (onUnavailable: "fail" | "allow") =>
        RedisStore.layerLimiters({
          url: `redis://127.0.0.1:${closedPort}`,
          prefix,
          connectTimeout: "200 millis",
          commandTimeout: "300 millis",
          onUnavailable
        })
      // built in the test's scope: a layer provided to `make` alone would close its connection once the client is built
      const closed = yield* client(name(), [Pool.make({ limit: 1 }), RateLimit.make({ limit: 5 })]).pipe(
        Effect.provide(yield* Layer.build(Down("fail")))
      )
      const t0 = yield* now()
      const error = yield* Effect.flip(closed.call("ping"))
      assert.isBelow((yield* now()) - t0, 1500)
      assert.isTrue(Errors.isCallError(error))
      assert.strictEqual(error._tag, "LimiterUnavailable")
      if (error._tag === "LimiterUnavailable") {
        assert.strictEqual(error.limiter, "pool")
        assert.include(error.message, ".ping")
      }
      const open = yield* client(name(), [Pool.make({ limit: 1 })]).pipe(
        Effect.provide(yield* Layer.build(Down("allow")))
      )
      assert.strictEqual((yield* open.call("ping")).status, 200)
    }).pipe(Effect.scoped, Effect.provide(Stub)))
})

describe("RedisStore.layerLimitersConfig", () => {
  it.live("reads REDIS_URL and REDIS_PREFIX by default", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* LimiterStore.LimiterStore).kind, "redis")
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1 })
      yield* sem.withPermit(caller)(Effect.void)
      const store = yield* RedisStore.RedisStore
      assert.strictEqual(store.prefix, `${prefix}-env`)
    }).pipe(
      Effect.scoped,
      Effect.provide(RedisStore.layerLimitersConfig()),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(new Map([["REDIS_URL", "redis://127.0.0.1:6379"], ["REDIS_PREFIX", `${prefix}-env`]]))
      )
    ))
})

describe("RedisStore.layerConfig", () => {
  it.live("reads the URL and prefix from Config", () =>
    Effect.gen(function*() {
      const sem = yield* RedisLimiter.semaphore({ name: name(), limit: 1 })
      yield* sem.withPermit(caller)(Effect.void)
      const store = yield* RedisStore.RedisStore
      assert.strictEqual(store.prefix, `${prefix}-cfg`)
    }).pipe(
      Effect.scoped,
      Effect.provide(
        RedisStore.layerConfig({
          url: Config.redacted("REDIS_URL"),
          prefix: Config.string("REDIS_PREFIX")
        })
      ),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(new Map([["REDIS_URL", "redis://127.0.0.1:6379"], ["REDIS_PREFIX", `${prefix}-cfg`]]))
      )
    ))
})
