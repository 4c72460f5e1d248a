/**
 * A wait that is over lets go of its call: once a burst of calls that waited in a Pool or
 * a RateLimit has ended, nothing of the limiter (its list of waiters, the store's queue of
 * tickets) keeps their sessions alive until some later call waits; nor once waits given up
 * out of order (interrupted behind a call that still waits) have ended.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec, Transport } from "@service-client/core"
import * as Pool from "@service-client/plugins/Pool"
import * as RateLimit from "@service-client/plugins/RateLimit"
import { Deferred, Effect, Fiber, Layer } from "effect"
import * as V8 from "node:v8"
import { runInNewContext } from "node:vm"

const Api = Spec.make({ item: Endpoint.get("/items/{id}") })

const getGc = (): () => void => {
  if (typeof globalThis.gc === "function") return globalThis.gc as () => void
  V8.setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
}

/** Answers `{}` once `wait` is over, holding nothing of the call. */
const answering = (wait: Effect.Effect<unknown>) =>
  Layer.succeed(
    Transport.Transport,
    Transport.make(() => Effect.as(wait, { status: 200, headers: { "content-type": "application/json" }, body: "{}" }))
  )

/** Answers on a later turn of the event loop. */
const transport = answering(Effect.promise(() => new Promise((resolve) => setImmediate(resolve))))

/** How many of `refs` still point at something after a few collections (each in a later job). */
const alive = (refs: ReadonlyArray<WeakRef<object>>) =>
  Effect.promise(async () => {
    const gc = getGc()
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      gc()
    }
    await new Promise((resolve) => setImmediate(resolve))
    return refs.filter((ref) => ref.deref() !== undefined).length
  })

/** A plugin that keeps a WeakRef to every call's session, and those refs. */
const watched = () => {
  const refs: Array<WeakRef<object>> = []
  const plugin = Plugin.make("Watch", {
    prepareSession: (session) => {
      refs.push(new WeakRef(session))
      return Effect.void
    }
  })
  return { refs, plugin }
}

const limiters = [
  ["Pool", () => Pool.make({ limit: 2, timeout: "10 seconds" })],
  ["RateLimit", () => RateLimit.make({ limit: 2, period: "1 millis", timeout: "10 seconds" })]
] as const

describe("a finished wait lets go of its call", () => {
  for (const [name, limiter] of limiters) {
    it.live(`${name}: 300 calls that waited hold nothing once they are over`, () =>
      Effect.gen(function*() {
        const { plugin: watch, refs } = watched()
        const client = yield* ServiceClient.make(Api, {
          name: "svc",
          baseUrl: "http://127.0.0.1:1",
          plugins: [watch, limiter()]
        })
        const responses = yield* Effect.forEach(
          Array.from({ length: 300 }, (_, i) => i),
          (id) => client.item({ id }),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(responses.length, 300)
        assert.strictEqual(refs.length, 300)
        // `responses` is dropped here; every session may go
        responses.length = 0
        assert.isAtMost(yield* alive(refs), 2)
      }).pipe(Effect.scoped, Effect.provide(transport)))
  }
})

describe("a wait given up lets go of its call", () => {
  it.live("Pool: 100 waits interrupted behind one that still waits hold nothing of their calls", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const held = answering(Deferred.await(gate))
      const { plugin: watch, refs } = watched()
      yield* Effect.gen(function*() {
        const client = yield* ServiceClient.make(Api, {
          name: "svc",
          baseUrl: "http://127.0.0.1:1",
          plugins: [watch, Pool.make({ limit: 1 })]
        })
        // one call holds the permit, one waits at the head of the queue, 100 wait behind it
        const first = yield* Effect.fork(client.item({ id: 1 }))
        const head = yield* Effect.fork(client.item({ id: 2 }))
        const behind = yield* Effect.forEach(
          Array.from({ length: 100 }),
          () => Effect.fork(client.item({ id: 9 })),
          { concurrency: "unbounded" }
        )
        yield* Effect.sleep("20 millis")
        assert.strictEqual(refs.length, 102)
        yield* Fiber.interruptAll(behind)
        behind.length = 0
        // the head still waits: the lists are not empty, and their slots must not keep the calls
        assert.isAtMost(yield* alive(refs.slice(2)), 2)
        yield* Deferred.succeed(gate, void 0)
        yield* Fiber.join(first)
        yield* Fiber.join(head)
      }).pipe(Effect.scoped, Effect.provide(held))
    }))
})
