import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, type SpecError, SpecLoader } from "@service-client/core"
import { Retry } from "@service-client/plugins"
import { type Duration, Effect, Either, Fiber, Schedule, Stream, TestClock } from "effect"
import { type Answer, scripted } from "./support/scriptedTransport.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{id}"),
  createUser: Endpoint.post("/user"),
  upsertUser: Endpoint.post("/user/upsert", { retry: { idempotent: true } }),
  fragile: Endpoint.get("/fragile", { retry: false }),
  patient: Endpoint.get("/patient", { retry: { maxAttempts: 5, baseDelay: "1 second", jitter: false } }),
  upload: Endpoint.put("/upload", { streamRequest: true })
})

const ok: Answer = { status: 200, body: "{\"ok\":true}" }
const unavailable: Answer = { status: 503 }

const setup = (answers: ReadonlyArray<Answer>, options: Retry.Options = { jitter: false }) => {
  const transport = scripted(answers)
  const client = ServiceClient.make(Api, {
    name: "users",
    baseUrl: "http://127.0.0.1:1",
    plugins: [Retry.make(options)]
  })
    .pipe(Effect.provide(transport.layer))
  return { seen: transport.seen, client }
}

const times = (seen: ReadonlyArray<{ readonly at: number }>) => seen.map((s) => s.at)

describe("Retry", () => {
  it.scoped("retries 503 twice with exponential delays (200 ms, 400 ms), then succeeds", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable, unavailable, ok])
      const users = yield* client
      const fiber = yield* Effect.fork(users.call("getUser", { id: 1 }))
      yield* TestClock.adjust("199 millis")
      assert.strictEqual(seen.length, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(seen.length, 2)
      yield* TestClock.adjust("400 millis")
      const response = yield* Fiber.join(fiber)
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(times(seen), [0, 200, 600])
      assert.deepStrictEqual(seen.map((s) => s.attempts), [1, 2, 3])
      assert.strictEqual(response.attributes.attempts, 3)
    }))

  it.scoped("the default backoff is jittered within 0.8-1.2 of 200 ms", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable, ok, unavailable, ok, unavailable, ok, unavailable, ok], {})
      const users = yield* client
      const delays: Array<number> = []
      for (let i = 0; i < 4; i++) {
        const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
        yield* TestClock.adjust("159 millis")
        assert.strictEqual(seen.length, 2 * i + 1)
        yield* TestClock.adjust("81 millis")
        yield* Fiber.join(fiber)
        assert.strictEqual(seen.length, 2 * i + 2)
        delays.push(seen[2 * i + 1]!.at - seen[2 * i]!.at)
      }
      for (const d of delays) assert.isTrue(d >= 160 && d <= 240, `retried after ${d} ms`)
      assert.isTrue(new Set(delays).size > 1, `the same delay every time: ${delays}`)
    }))

  it.scoped("delays are capped by maxDelay", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable, unavailable, unavailable, ok], {
        jitter: false,
        maxAttempts: 4,
        baseDelay: "1 second",
        maxDelay: "1500 millis"
      })
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(seen), [0, 1000, 2500, 4000])
    }))

  it.scoped("a custom schedule replaces the backoff", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([{ error: "transport" }, { error: "transport" }, ok], {
        schedule: Schedule.spaced("1 second")
      })
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(seen), [0, 1000, 2000])
    }))

  it.scoped("endpoint settings override the plugin's (maxAttempts, baseDelay; maxDelay 5 s stays)", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable])
      const users = yield* client
      const fiber = yield* Effect.fork(Effect.flip(users.patient()))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ResponseError")
      assert.deepStrictEqual(times(seen), [0, 1000, 3000, 7000, 12000])
    }))

  it.scoped("honours Retry-After in delta-seconds", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([{ status: 429, headers: { "retry-after": "3" } }, ok])
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("2999 millis")
      assert.strictEqual(seen.length, 1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(seen), [0, 3000])
    }))

  it.scoped("honours Retry-After as an HTTP-date", () =>
    Effect.gen(function*() {
      // the TestClock starts at the epoch: this date is 5 s later
      const date = new Date(5000).toUTCString()
      const { client, seen } = setup([{ status: 503, headers: { "retry-after": date } }, ok])
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("4999 millis")
      assert.strictEqual(seen.length, 1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(seen), [0, 5000])
    }))

  it.scoped("a Retry-After shorter than the backoff does not shorten it; a malformed one is ignored", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([
        { status: 503, headers: { "retry-after": "0" } },
        { status: 503, headers: { "retry-after": "soon" } },
        ok
      ])
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(seen), [0, 200, 600])
    }))

  it.scoped("caps Retry-After at maxRetryAfter", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([{ status: 503, headers: { "retry-after": "3600" } }, ok], {
        jitter: false,
        maxRetryAfter: "2 seconds"
      })
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(seen.length, 1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(seen), [0, 2000])
    }))

  it.scoped("the default cap is 20 s; a wait past maxElapsed gives up with the last response", () =>
    Effect.gen(function*() {
      const capped = setup([{ status: 503, headers: { "retry-after": "3600" } }, ok])
      const fiber = yield* Effect.fork((yield* capped.client).getUser({ id: 1 }))
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(capped.seen), [0, 20000])

      const budget = setup([{ status: 503, headers: { "retry-after": "10" } }, ok], { maxElapsed: "5 seconds" })
      const error = yield* Effect.flip((yield* budget.client).getUser({ id: 1 }))
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(error._tag === "ResponseError" && error.status, 503)
      assert.strictEqual(budget.seen.length, 1)
    }))

  it.scoped("budget exhausted (maxAttempts): fails with the last error", () =>
    Effect.gen(function*() {
      const statuses = setup([unavailable, { status: 502 }, { status: 500, body: "{\"last\":true}" }])
      const fiber = yield* Effect.fork(Effect.flip((yield* statuses.client).getUser({ id: 1 })))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag === "ResponseError") {
        assert.strictEqual(error.status, 500)
        assert.strictEqual(error.text, "{\"last\":true}")
        assert.strictEqual(error.attributes.attempts, 3)
      }
      assert.strictEqual(statuses.seen.length, 3)

      const transport = setup([{ error: "transport" }])
      const fiber2 = yield* Effect.fork(Effect.flip((yield* transport.client).getUser({ id: 1 })))
      yield* TestClock.adjust("1 second")
      const error2 = yield* Fiber.join(fiber2)
      assert.strictEqual(error2._tag, "RequestError")
      assert.strictEqual(transport.seen.length, 3)
    }))

  it.scoped("budget exhausted (maxElapsed): no attempt starts past it", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable], { jitter: false, maxAttempts: 10, maxElapsed: "1 second" })
      const fiber = yield* Effect.fork(Effect.flip((yield* client).getUser({ id: 1 })))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "ResponseError")
      // 0, 200, 600; the next would start at 1400
      assert.deepStrictEqual(times(seen), [0, 200, 600])
    }))

  it.scoped("does not retry a status outside the list, nor a non-transient error", () =>
    Effect.gen(function*() {
      const notFound = setup([{ status: 404 }, ok])
      const error = yield* Effect.flip((yield* notFound.client).getUser({ id: 1 }))
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(notFound.seen.length, 1)

      const custom = setup([{ status: 404 }, ok], { jitter: false, statuses: [404] })
      const fiber = yield* Effect.fork((yield* custom.client).getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(custom.seen.length, 2)
    }))

  it.scoped("does not retry a non-idempotent method unless the endpoint or the call opts in", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable, ok, unavailable, ok, unavailable, ok])
      const users = yield* client
      const error = yield* Effect.flip(users.createUser({ payload: { name: "a" } }))
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.attempts, 1)

      // seen[1] answers 200: this call is not retried either way
      yield* users.createUser({ payload: { name: "b" } })
      assert.strictEqual(seen.length, 2)

      const upsert = yield* Effect.fork(users.upsertUser({ payload: { name: "c" } }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(upsert)
      assert.deepStrictEqual(seen.slice(2).map((s) => s.method), ["POST", "POST"])

      const optIn = yield* Effect.fork(users.createUser({ payload: { name: "d" }, retry: { idempotent: true } }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(optIn)
      assert.strictEqual(seen.length, 6)
    }))

  it.scoped("`retry: false` disables at the endpoint and the call; the call re-enables", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable, unavailable, unavailable, ok])
      const users = yield* client
      assert.strictEqual((yield* Effect.flip(users.fragile()))._tag, "ResponseError")
      assert.strictEqual(seen.length, 1)
      assert.strictEqual((yield* Effect.flip(users.getUser({ id: 1, retry: false })))._tag, "ResponseError")
      assert.strictEqual(seen.length, 2)
      const fiber = yield* Effect.fork(users.fragile({ retry: true }))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { ok: true })
      assert.strictEqual(seen.length, 4)
    }))

  it.scoped("a plugin with enabled: false retries only the endpoints and calls that ask", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable, ok, unavailable, ok], { jitter: false, enabled: false })
      const users = yield* client
      assert.strictEqual((yield* Effect.flip(users.getUser({ id: 1 })))._tag, "ResponseError")
      assert.strictEqual(seen.length, 1)
      yield* users.getUser({ id: 1 }) // seen[1] is 200
      const fiber = yield* Effect.fork(users.getUser({ id: 1, retry: { maxAttempts: 2 } }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 4)
    }))

  it.scoped("a per-attempt timeout fails the attempt with TimeoutError, and it is retried", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([{ hang: true }, ok], { jitter: false, attemptTimeout: "1 second" })
      const fiber = yield* Effect.fork((yield* client).call("getUser", { id: 1 }))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(seen.length, 1)
      yield* TestClock.adjust("200 millis")
      const response = yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(seen), [0, 1200])
      assert.strictEqual(response.attributes.attempts, 2)

      const always = setup([{ hang: true }], { jitter: false, attemptTimeout: "1 second", maxAttempts: 2 })
      const fiber2 = yield* Effect.fork(Effect.flip((yield* always.client).getUser({ id: 1 })))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber2)
      assert.strictEqual(error._tag, "TimeoutError")
      assert.strictEqual(always.seen.length, 2)
    }))

  it.scoped("a streamed request body is never sent twice", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([unavailable, unavailable, ok])
      const users = yield* client
      const error = yield* Effect.flip(users.upload({ payload: Stream.make(new Uint8Array([1, 2, 3])) }))
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(seen.length, 1)
      // the same endpoint with bytes in memory is retried
      const fiber = yield* Effect.fork(users.upload({ payload: new Uint8Array([1, 2, 3]) }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 3)
    }))

  it.scoped("bad call-level settings fail with InputError before any request", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([ok])
      const soon = "soon" as Duration.DurationInput
      const error = yield* Effect.flip((yield* client).getUser({ id: 1, retry: { baseDelay: soon } }))
      assert.strictEqual(error._tag, "InputError")
      assert.strictEqual(error._tag === "InputError" && error.key, "retry.baseDelay")
      assert.strictEqual(seen.length, 0)
    }))

  it.effect("spec files may set `retry`: the plugin decodes it; bad values name the key", () =>
    Effect.gen(function*() {
      const build = (data: unknown, plugins: ReadonlyArray<ReturnType<typeof Retry.make>>) =>
        Effect.flatMap(
          SpecLoader.fromRecord(data, { file: "users.yaml" }),
          (spec) => ServiceClient.make(spec, { name: "users", baseUrl: "http://127.0.0.1:1", plugins })
        ).pipe(Effect.scoped, Effect.provide(scripted([]).layer), Effect.flip, Effect.map((e) => e as SpecError))
      const good = yield* Effect.either(
        Effect.flatMap(
          SpecLoader.fromRecord({
            a: { path: "/a", retry: { maxAttempts: 5, baseDelay: "1 second", statuses: [503] } },
            b: { path: "/b", retry: false }
          }),
          (spec) => ServiceClient.make(spec, { name: "users", baseUrl: "http://127.0.0.1:1", plugins: [Retry.make()] })
        ).pipe(Effect.scoped, Effect.provide(scripted([]).layer))
      )
      assert.isTrue(Either.isRight(good))
      const bad = yield* build({ a: { path: "/a", retry: { maxAttempts: 0 } } }, [Retry.make()])
      assert.deepStrictEqual([bad._tag, bad.key, bad.endpoint], ["SpecError", "retry.maxAttempts", "a"])
      assert.include(bad.message, "at least 1")
      const unknown = yield* build({ a: { path: "/a", retry: { tries: 2 } } }, [Retry.make()])
      assert.strictEqual(unknown.key, "retry.tries")
      const notBoolean = yield* build({ a: { path: "/a", retry: "often" } }, [Retry.make()])
      assert.strictEqual(notBoolean.key, "retry")
      assert.include(notBoolean.message, "expected true, false or a mapping, got \"often\"")
      const badStatus = yield* build({ a: { path: "/a", retry: { statuses: [99] } } }, [Retry.make()])
      assert.deepStrictEqual([badStatus.key, badStatus.reason], [
        "retry.statuses[0]",
        "expected an HTTP status (100-599)"
      ])
      // without the plugin, the key is refused with the plugin to add
      const without = yield* build({ a: { path: "/a", retry: false } }, [])
      assert.strictEqual(without.key, "retry")
      assert.include(without.message, "`retry` is read by the Retry plugin; add Retry.make() to plugins")
    }))

  it.effect("a call's `retry` is decoded before any I/O: an InputError naming the key", () =>
    Effect.gen(function*() {
      const { client, seen } = setup([ok])
      const users = yield* client
      const error = yield* Effect.flip(users.getUser({ id: 1, retry: { maxAttempts: 0 } }))
      assert.deepStrictEqual([error._tag, (error as { key?: string }).key], ["InputError", "retry.maxAttempts"])
      assert.strictEqual(seen.length, 0)
    }).pipe(Effect.scoped))
})
