import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec, SpecLoader } from "@service-client/core"
import * as Pool from "@service-client/plugins/Pool"
import * as Retry from "@service-client/plugins/Retry"
import * as Timeout from "@service-client/plugins/Timeout"
import { Duration, Effect, Fiber, Ref, TestClock } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({
  plain: Endpoint.get("/a"),
  slowEndpoint: Endpoint.get("/b", { timeout: "3 seconds" }),
  unlimited: Endpoint.get("/c", { timeout: null })
})

const make = (timeout: Timeout.Options["timeout"]) =>
  ServiceClient.make(Api, { name: "svc", baseUrl: "http://127.0.0.1:1", plugins: [Timeout.make({ timeout })] })

const slow = Support.layer(() => Effect.as(Effect.sleep("10 seconds"), {}))

describe("Timeout", () => {
  it.scoped("records the timeout in use: input < endpoint < default", () =>
    Effect.gen(function*() {
      const c = yield* make("1 second")
      assert.strictEqual((yield* c.call("plain")).attributes.timeout, 1000)
      assert.strictEqual((yield* c.call("slowEndpoint")).attributes.timeout, 3000)
      assert.strictEqual((yield* c.call("unlimited")).attributes.timeout, null)
      assert.strictEqual((yield* c.call("plain", { timeout: 250 })).attributes.timeout, 250)
      assert.strictEqual((yield* c.call("slowEndpoint", { timeout: "2 seconds" })).attributes.timeout, 2000)
      assert.strictEqual((yield* c.call("plain", { timeout: null })).attributes.timeout, null)
      assert.strictEqual((yield* c.call("unlimited", { timeout: Duration.millis(5) })).attributes.timeout, 5)
      const none = yield* make(null)
      assert.strictEqual((yield* none.call("plain")).attributes.timeout, null)
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("owns the `timeout` of a spec file: decoded when the client is built, a bad value names file and key", () =>
    Effect.gen(function*() {
      const build = (timeout: unknown) =>
        Effect.flatMap(
          SpecLoader.fromRecord({ a: { path: "/a", timeout } }, { file: "users.yaml" }),
          (spec) => ServiceClient.make(spec, { name: "svc", baseUrl: "http://127.0.0.1:1", plugins: [Timeout.make()] })
        )
      const c = yield* build("2 seconds")
      assert.strictEqual((yield* c.call("a")).attributes.timeout, 2000)
      assert.strictEqual((yield* c.call("a", { timeout: 10 })).attributes.timeout, 10)
      const error = yield* Effect.flip(build("soon"))
      assert.strictEqual(error._tag, "SpecError")
      if (error._tag === "SpecError") {
        assert.deepStrictEqual([error.file, error.endpoint, error.key], ["users.yaml", "a", "timeout"])
        assert.include(error.message, "expected milliseconds, a duration like \"5 seconds\", or null; got \"soon\"")
      }
      const negative = yield* Effect.flip(build(-5))
      assert.strictEqual(negative._tag, "SpecError")
      const call = yield* Effect.flip(c.call("a", { timeout: "soon" as never }))
      assert.deepStrictEqual([call._tag, (call as { key?: string }).key], ["InputError", "timeout"])
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("fails with TimeoutError after the default and interrupts the send", () =>
    Effect.gen(function*() {
      const interrupted = yield* Ref.make(false)
      const c = yield* make("1 second").pipe(
        Effect.provide(
          Support.layer(() =>
            Effect.as(Effect.sleep("10 seconds"), {}).pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
          )
        )
      )
      const fiber = yield* Effect.fork(Effect.flip(c.plain()))
      yield* TestClock.adjust("999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TimeoutError")
      if (error._tag !== "TimeoutError") return
      assert.strictEqual(error.service, "svc")
      assert.strictEqual(error.endpoint, "plain")
      assert.strictEqual(error.method, "GET")
      assert.strictEqual(error.url, "http://127.0.0.1:1/a")
      assert.isTrue(Duration.equals(error.timeout, Duration.seconds(1)))
      assert.isTrue(yield* Ref.get(interrupted))
    }))

  it.scoped("the input timeout wins over the endpoint and the default", () =>
    Effect.gen(function*() {
      const c = yield* make("1 second")
      const fiber = yield* Effect.fork(Effect.flip(c.slowEndpoint({ timeout: "5 seconds" })))
      yield* TestClock.adjust("4 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "TimeoutError")
    }).pipe(Effect.provide(slow)))

  it.scoped("null means no timeout at each level", () =>
    Effect.gen(function*() {
      const c = yield* make("1 second")
      const a = yield* Effect.fork(c.call("unlimited"))
      const b = yield* Effect.fork(c.call("plain", { timeout: null }))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* Fiber.join(a)).status, 200)
      assert.strictEqual((yield* Fiber.join(b)).status, 200)
    }).pipe(Effect.provide(slow)))

  it.scoped("the timeout covers the body read", () =>
    Effect.gen(function*() {
      const c = yield* make("1 second").pipe(
        Effect.provide(Support.layer(() => Effect.succeed({ read: Effect.sleep("2 seconds") })))
      )
      const fiber = yield* Effect.fork(Effect.flip(c.plain()))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "TimeoutError")
    }))

  it.scoped("an invalid input timeout is an InputError before any I/O", () =>
    Effect.gen(function*() {
      const c = yield* make("1 second")
      for (const timeout of ["soon", -1, Number.NaN, { a: 1 }]) {
        const error = yield* Effect.flip(c.plain({ timeout: timeout as never }))
        assert.strictEqual(error._tag, "InputError")
        assert.strictEqual((error as { key?: string }).key, "timeout")
      }
      assert.strictEqual((yield* Support.sessions).length, 0)
    }).pipe(Effect.provide(Support.layer())))

  it("rejects a bad default when made", () => {
    assert.throws(() => Timeout.make({ timeout: -5 }), /Timeout.timeout/)
    assert.throws(() => Timeout.make({ timeout: "later" as never }), /Timeout.timeout/)
  })

  it.scoped("waits of a plugin that does not honour deadlines are bounded by the core", () =>
    Effect.gen(function*() {
      const interrupted = yield* Ref.make<ReadonlyArray<string>>([])
      const waits = (name: string) =>
        Effect.sleep("10 seconds").pipe(
          Effect.onInterrupt(() => Ref.update(interrupted, (xs) => [...xs, name]))
        )
      // a user's plugin: waits before the send, and on the response
      const slowPlugin = Plugin.make("slow", {
        aroundSend: (session, send) => session.endpoint === "plain" ? Effect.zipRight(waits("aroundSend"), send) : send,
        onResponse: (session) => session.endpoint === "slowEndpoint" ? waits("onResponse") : Effect.void
      })
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [Timeout.make({ timeout: "1 second" }), slowPlugin]
      })
      const a = yield* Effect.fork(Effect.flip(c.plain()))
      const b = yield* Effect.fork(Effect.flip(c.slowEndpoint({ timeout: "2 seconds" })))
      yield* TestClock.adjust("1 second")
      const first = yield* Fiber.join(a)
      assert.strictEqual(first._tag, "TimeoutError")
      assert.isNull(b.unsafePoll())
      yield* TestClock.adjust("1 second")
      const second = yield* Fiber.join(b)
      assert.strictEqual(second._tag, "TimeoutError")
      if (second._tag === "TimeoutError") assert.isTrue(Duration.equals(second.timeout, Duration.seconds(2)))
      assert.deepStrictEqual(yield* Ref.get(interrupted), ["aroundSend", "onResponse"])
      // without a deadline the same plugin is not touched
      const c2 = yield* c.call("unlimited")
      assert.strictEqual(c2.status, 200)
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("the deadline bounds a Pool wait and Retry's pauses: no attempt after it", () =>
    Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [
          Timeout.make({ timeout: "1 second" }),
          Retry.make({ maxAttempts: 10, baseDelay: "300 millis", jitter: false }),
          Pool.make({ limit: 1 })
        ]
      })
      // the first call keeps the pool's only permit past the second call's deadline
      const holder = yield* Effect.fork(Effect.flip(c.unlimited()))
      yield* TestClock.adjust("1 millis")
      const waiter = yield* Effect.fork(Effect.flip(c.plain()))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(waiter))._tag, "TimeoutError")
      yield* Fiber.interrupt(holder)
      // 503 at once: attempts at 0, 300, 900 ms; the pause to 2,100 ms ends at the deadline
      const before = (yield* Support.sessions).length
      const retried = yield* Effect.fork(Effect.flip(c.plain()))
      yield* TestClock.adjust("999 millis")
      assert.isNull(retried.unsafePoll())
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(retried))._tag, "TimeoutError")
      assert.strictEqual((yield* Support.sessions).length - before, 3)
    }).pipe(
      Effect.provide(Support.layer((session) =>
        session.endpoint === "unlimited" ? Effect.as(Effect.sleep("1 hour"), {}) : Effect.succeed({ status: 503 })
      ))
    ))

  // the same over the live Clock (the mock transport does not honour deadlines: the core's bound)
  it.scopedLive("live Clock: TimeoutError once the send is interrupted; a fast send wins; interrupting too", () =>
    Effect.gen(function*() {
      const interrupted = yield* Ref.make(0)
      const c = yield* make("50 millis").pipe(
        Effect.provide(
          Support.layer((session) =>
            session.endpoint === "slowEndpoint"
              ? Effect.succeed({})
              : Effect.as(Effect.sleep("10 seconds"), {}).pipe(
                Effect.onInterrupt(() => Ref.update(interrupted, (n) => n + 1))
              )
          )
        )
      )
      const error = yield* Effect.flip(c.plain())
      assert.strictEqual(error._tag, "TimeoutError")
      if (error._tag !== "TimeoutError") return
      assert.strictEqual(error.endpoint, "plain")
      assert.strictEqual(error.url, "http://127.0.0.1:1/a")
      assert.isTrue(Duration.equals(error.timeout, Duration.millis(50)))
      assert.strictEqual(yield* Ref.get(interrupted), 1)
      assert.strictEqual((yield* c.call("slowEndpoint", { timeout: 1000 })).attributes.timeout, 1000)
      const fiber = yield* Effect.fork(c.plain({ timeout: "10 seconds" }))
      yield* Effect.sleep("20 millis")
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(exit._tag === "Failure")
      assert.strictEqual(yield* Ref.get(interrupted), 2)
    }))
})
