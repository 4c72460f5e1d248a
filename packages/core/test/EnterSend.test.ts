import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec, Transport } from "@service-client/core"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"

const Api = Spec.make({ get: Endpoint.get("/x") })

/** A transport that records the log when it is called, then answers, fails, or waits for `gate`. */
const transport = (log: Array<string>, mode: { fail?: boolean; gate?: Deferred.Deferred<void> } = {}) =>
  Layer.succeed(
    Transport.Transport,
    Transport.make((session) => {
      log.push("send")
      const answer = Effect.succeed({ json: {} })
      if (mode.fail === true) {
        return Effect.fail(Transport.requestError(session, new Error("down"), "Transport", "down"))
      }
      return mode.gate === undefined ? answer : Effect.zipRight(Deferred.await(mode.gate), answer)
    })
  )

/** A plugin that takes at once and logs its enter and leave. */
const taking = (name: string, log: Array<string>) =>
  Plugin.make(name, {
    enterSend: () => {
      log.push(`enter ${name}`)
      return () => {
        log.push(`leave ${name}`)
      }
    }
  })

const around = (name: string, log: Array<string>) =>
  Plugin.make(name, {
    aroundSend: (_, send) =>
      Effect.suspend(() => {
        log.push(`around ${name}`)
        return Effect.tap(send, () => Effect.sync(() => log.push(`after ${name}`)))
      })
  })

const client = (plugins: ReadonlyArray<Plugin.Plugin>) =>
  ServiceClient.make(Api, { name: "svc", baseUrl: "http://127.0.0.1:9", plugins })

describe("enterSend hooks", () => {
  it.scoped("enter in plugin order around the transport, leave in reverse order once the send is over", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const c = yield* client([taking("a", log), taking("b", log)]).pipe(Effect.provide(transport(log)))
      yield* c.get()
      assert.deepStrictEqual(log, ["enter a", "enter b", "send", "leave b", "leave a"])
    }))

  it.scoped("keep their place among aroundSend hooks: each run of enterSend hooks is its own region", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const c = yield* client([taking("a", log), around("r", log), taking("b", log)]).pipe(
        Effect.provide(transport(log))
      )
      yield* c.get()
      assert.deepStrictEqual(log, ["enter a", "around r", "enter b", "send", "leave b", "after r", "leave a"])
    }))

  it.scoped("leave when the send fails, and the error goes on unchanged", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const c = yield* client([taking("a", log), taking("b", log)]).pipe(
        Effect.provide(transport(log, { fail: true }))
      )
      const error = yield* Effect.flip(c.get())
      assert.strictEqual(error._tag, "RequestError")
      assert.deepStrictEqual(log, ["enter a", "enter b", "send", "leave b", "leave a"])
    }))

  it.scoped("a later hook that fails or throws: what the earlier ones took is given back, before any I/O", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const refusing = Plugin.make("no", {
        enterSend: (session) =>
          Effect.fail(Transport.requestError(session, new Error("no permit"), "Transport", "no permit"))
      })
      const throwing = Plugin.make("bug", {
        enterSend: () => {
          throw new Error("bug")
        }
      })
      const c1 = yield* client([taking("a", log), refusing]).pipe(Effect.provide(transport(log)))
      assert.strictEqual((yield* Effect.flip(c1.get()))._tag, "RequestError")
      assert.deepStrictEqual(log, ["enter a", "leave a"])
      log.length = 0
      const c2 = yield* client([taking("a", log), throwing]).pipe(Effect.provide(transport(log)))
      const exit = yield* Effect.exit(c2.get())
      assert.isTrue(Exit.isFailure(exit) && exit.cause._tag === "Die")
      assert.deepStrictEqual(log, ["enter a", "leave a"])
    }))

  it.scoped("an interrupted send gives back what was taken, once", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const gate = yield* Deferred.make<void>()
      const c = yield* client([taking("a", log), taking("b", log)]).pipe(Effect.provide(transport(log, { gate })))
      const fiber = yield* Effect.fork(c.get())
      yield* Effect.yieldNow()
      assert.deepStrictEqual(log, ["enter a", "enter b", "send"])
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(log, ["enter a", "enter b", "send", "leave b", "leave a"])
    }))

  it.scoped("a leave gets how the send ended: the response, the failure, or the interruption", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const observing = Plugin.make("Observing", {
        enterSend: () => (_session, exit) => {
          outcomes.push(
            Exit.isSuccess(exit)
              ? `status ${exit.value.status}`
              : Exit.isInterrupted(exit)
              ? "interrupted"
              : `failed ${Option.getOrThrow(Cause.failureOption(exit.cause))._tag}`
          )
        }
      })
      const log: Array<string> = []
      const ok = yield* client([observing]).pipe(Effect.provide(transport(log)))
      yield* ok.get()
      const failing = yield* client([observing]).pipe(Effect.provide(transport(log, { fail: true })))
      yield* Effect.flip(failing.get())
      const gate = yield* Deferred.make<void>()
      const waiting = yield* client([observing]).pipe(Effect.provide(transport(log, { gate })))
      const fiber = yield* Effect.fork(waiting.get())
      yield* TestClock.adjust("1 millis")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(outcomes, ["status 200", "failed RequestError", "interrupted"])
    }))

  it.scoped("a wait is interruptible; what it took at its end is given back with the rest", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const waiting = Plugin.make("w", {
        enterSend: () =>
          Effect.as(Effect.zipRight(Effect.sleep("1 second"), Effect.sync(() => log.push("enter w"))), () => {
            log.push("leave w")
          })
      })
      const c = yield* client([taking("a", log), waiting]).pipe(Effect.provide(transport(log)))
      // interrupted while waiting: only "a" had taken something
      const waiter = yield* Effect.fork(c.get())
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiter)
      assert.deepStrictEqual(log, ["enter a", "leave a"])
      log.length = 0
      // the wait ends: both are given back after the send
      const fiber = yield* Effect.fork(c.get())
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(log, ["enter a", "enter w", "send", "leave w", "leave a"])
    }))

  it.scoped("a leave that throws: the others are still called, and the call dies with its defect", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const broken = Plugin.make("x", {
        enterSend: () => () => {
          throw new Error("leave bug")
        }
      })
      const c = yield* client([taking("a", log), broken, taking("b", log)]).pipe(Effect.provide(transport(log)))
      const exit = yield* Effect.exit(c.get())
      assert.isTrue(Exit.isFailure(exit) && exit.cause._tag === "Die")
      assert.deepStrictEqual(log, ["enter a", "enter b", "send", "leave b", "leave a"])
    }))

  it.scoped("a leave's Effect runs after the send, before the call answers", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const slow = Plugin.make("s", {
        enterSend: () => () => Effect.zipRight(Effect.yieldNow(), Effect.sync(() => log.push("left s")))
      })
      const c = yield* client([slow]).pipe(Effect.provide(transport(log)))
      yield* c.get()
      log.push("answered")
      assert.deepStrictEqual(log, ["send", "left s", "answered"])
    }))
})
