import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec } from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Elapsed, LogFormat, OuterLogger, Pool, RateLimit, Retry } from "@service-client/plugins"
import { Effect, Fiber, HashMap, Layer, Logger, Schema, TestClock } from "effect"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", {
    success: Schema.Struct({ id: Schema.Number }),
    mock: { type: "json", data: { id: 1 }, delay: "100 millis" }
  })
})

/** Sleeps in onRead, after Elapsed's mark: counted as parse time. */
const slowParse = Plugin.make("SlowParse", { onRead: () => Effect.sleep("30 millis") })

const capture = () => {
  const records: Array<Record<string, unknown>> = []
  const lines: Array<string> = []
  const layer = Layer.merge(
    Logger.replace(
      Logger.defaultLogger,
      Logger.make((o) => void records.push(Object.fromEntries(HashMap.toEntries(o.annotations))))
    ),
    Logger.add(Logger.map(LogFormat.make(), (line) => void lines.push(line)))
  )
  return { records, lines, layer }
}

describe("Elapsed phase timing", () => {
  it.scoped("blocked (Pool + RateLimit), headers, read, parse, total per call; in the log records", () => {
    const log = capture()
    return Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://users.test",
        plugins: [
          Elapsed.make(),
          OuterLogger.make({ levels: { request: "None" } }),
          RateLimit.make({ limit: 2, period: "1 second" }),
          Pool.make({ limit: 1 }),
          slowParse
        ]
      })
      const fiber = yield* Effect.fork(
        Effect.forEach([1, 2, 3], (user_id) => client.call("getUser", { user_id }), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("5 seconds")
      const [a, b, c] = yield* Fiber.join(fiber)
      // A goes first; B waits 130 ms for the pool (SlowParse sleeps in onRead, inside the send); C waits for a
      // RateLimit permit, back 1 s after A's send ended
      assert.deepStrictEqual(a!.attributes.elapsed, { blocked: 0, headers: 100, read: 0, parse: 30, total: 130 })
      assert.deepStrictEqual(b!.attributes.elapsed, { blocked: 130, headers: 100, read: 0, parse: 30, total: 260 })
      assert.deepStrictEqual(c!.attributes.elapsed, { blocked: 1130, headers: 100, read: 0, parse: 30, total: 1260 })
      assert.deepStrictEqual([c!.attributes.blockedByRateLimit, c!.attributes.blockedByPool], [1130, 0])
      // the loggers print the breakdown: the records carry it, LogFormat's {elapsed} renders every key
      const responses = log.records.filter((r) => r.record === "response")
      assert.deepStrictEqual(responses.map((r) => (r.elapsed as Elapsed.Durations).blocked), [0, 130, 1130])
      assert.include(log.lines[2]!, "(blocked=1130ms headers=100ms read=0ms parse=30ms total=1260ms)")
    }).pipe(Effect.provide(Layer.merge(NodeMockTransport.layer, log.layer)))
  })

  it.scoped("a call that gives up in the Pool has blocked and total; the exception record shows them", () => {
    const log = capture()
    return Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://users.test",
        plugins: [
          Elapsed.make(),
          OuterLogger.make({ levels: { request: "None" } }),
          Pool.make({ limit: 1, timeout: "50 millis" })
        ]
      })
      const fiber = yield* Effect.fork(
        Effect.all([client.call("getUser", { user_id: 1 }), Effect.flip(client.call("getUser", { user_id: 2 }))], {
          concurrency: "unbounded"
        })
      )
      yield* TestClock.adjust("1 second")
      const [ok, error] = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TooMuchTimePending")
      assert.deepStrictEqual(ok.attributes.elapsed, { blocked: 0, headers: 100, read: 0, parse: 0, total: 100 })
      const exception = log.records.find((r) => r.record === "exception")!
      assert.deepStrictEqual(exception.elapsed, { blocked: 50, total: 50 })
    }).pipe(Effect.provide(Layer.merge(NodeMockTransport.layer, log.layer)))
  })

  it.scoped("with Retry: phases of the last attempt, total over every attempt and the wait between", () =>
    Effect.gen(function*() {
      yield* Mock.patch({ status: 503, headers: { "retry-after": "1" } }, { endpoint: "getUser", limit: 1 })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://users.test",
        plugins: [Elapsed.make(), Retry.make({ jitter: false }), Pool.make({ limit: 1 })]
      })
      const fiber = yield* Effect.fork(client.call("getUser", { user_id: 1 }))
      yield* TestClock.adjust("5 seconds")
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.attributes.attempts, 2)
      // 100 ms (503) + 1 s (Retry-After) + 100 ms
      assert.deepStrictEqual(res.attributes.elapsed, { blocked: 0, headers: 100, read: 0, parse: 0, total: 1200 })
    }).pipe(Effect.provide(NodeMockTransport.layer)))
})
