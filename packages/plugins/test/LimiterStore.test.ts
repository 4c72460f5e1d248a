import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import * as LimiterStore from "@service-client/plugins/LimiterStore"
import * as Pool from "@service-client/plugins/Pool"
import { Duration, Effect, Fiber, Layer, TestClock } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({ plain: Endpoint.get("/a/{n}") })

/**
 * A store written outside the plugins: data operations only (a count, a FIFO of tickets,
 * no fast path), logging each one. Waiting, hardLimit, timeout and the errors are the
 * limiter's.
 */
const countingStore = (log: Array<string>): LimiterStore.Service => ({
  kind: "test",
  make: (options) =>
    Effect.sync((): LimiterStore.Permits => {
      let free = options.limit
      const queue: Array<LimiterStore.Ticket> = []
      const give = () => {
        const next = queue.shift()
        if (next === undefined) free++
        else {
          log.push(`hand ${next.service}`)
          next.wake(true)
        }
      }
      return {
        take: (ticket) =>
          Effect.sync(() => {
            if (free > 0 && queue.length === 0) {
              free--
              log.push("take")
              return true
            }
            queue.push(ticket)
            log.push("queue")
            return false
          }),
        tryTake: () => Effect.succeed(false),
        cancel: (ticket) =>
          Effect.sync(() => {
            const at = queue.indexOf(ticket)
            log.push("cancel")
            if (at >= 0) queue.splice(at, 1)
            else give()
          }),
        release: () =>
          Effect.sync(() => {
            log.push("release")
            give()
          })
      }
    })
})

const setup = () => {
  const g = Support.gauge(() => Effect.as(Effect.sleep("1 second"), {}))
  return { state: g.state, layer: Support.layer(g.handler) }
}

describe("LimiterStore", () => {
  it.scoped("a store of data operations gets the limiter's policy: FIFO hand-off, hardLimit, timeout", () => {
    const { layer, state } = setup()
    const log: Array<string> = []
    return Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [Pool.make({ limit: 1, hardLimit: 2, timeout: "1500 millis" })]
      })
      const calls = yield* Effect.forEach(
        [1, 2, 3, 4],
        (n) => Effect.fork(Effect.either(c.call("plain", { n }))),
        { concurrency: 1 }
      )
      yield* TestClock.adjust("3 seconds")
      const results = yield* Effect.forEach(calls, Fiber.join)
      // 1 runs, 2 is handed its permit when 1 ends, 3 waits longer than the timeout, 4 is one waiter too many
      assert.deepStrictEqual(
        results.map((r) => (r._tag === "Right" ? r.right.attributes.blockedByPool : r.left._tag)),
        [0, 1000, "TooMuchTimePending", "TooManyRequestsPending"]
      )
      assert.deepStrictEqual(state.starts.map((s) => s.url.slice(-1)), ["1", "2"])
      assert.deepStrictEqual(log, [
        "take",
        "queue",
        "queue",
        "queue",
        "cancel",
        "release",
        "hand svc",
        "cancel",
        "release"
      ])
    }).pipe(Effect.provide(Layer.merge(layer, LimiterStore.layer(countingStore(log)))))
  })

  it.scoped("the memory window's timer is started by what is left to do when it runs, not when it is asked", () =>
    Effect.gen(function*() {
      const permits = yield* LimiterStore.memory.make({
        limiter: "rateLimit",
        key: undefined,
        limit: 1,
        period: Duration.seconds(1),
        hardLimit: undefined,
        timeout: undefined
      })
      const clock = yield* Effect.clock
      const woken: Array<boolean> = []
      const ticket = (id: string): LimiterStore.Ticket => ({ id, service: "svc", wake: (g) => woken.push(g) })
      // the one permit taken and back in a second
      assert.isTrue(permits.takeNow!(clock))
      yield* permits.releaseNow!(clock)
      assert.isFalse(permits.takeNow!(clock))
      // a waiter queued by a caller interrupted before it ran what was left to do
      permits.queueNow!(ticket("a"), clock)
      // the next one runs it: the window's timer starts and hands the permit back on time
      yield* permits.queueNow!(ticket("b"), clock)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(woken, [true])
    }))
})
