/**
 * Load through the full plugin stack over the live transport: rounds of calls at
 * concurrency 200 against the fault server (mostly healthy answers, plus resets, FIN
 * without a response, resets mid-body, 503s, invalid JSON and stalls ended by Timeout;
 * some calls cut by the caller wherever they are). Every call is accounted for (its own
 * expected outcome, counts adding up, no defect), the Pool never lets more than its
 * limit reach the server, its permits and the RateLimit's are all back at the end, the
 * heap does not grow from round to round, and no socket stays open once the client and
 * its transport are closed.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import {
  Elapsed,
  Headers,
  InnerLogger,
  OuterLogger,
  PathTokens,
  Pool,
  QueryParams,
  RateLimit,
  Timeout,
  TrackingToken
} from "@service-client/plugins"
import { Cause, Effect, Exit, Logger, Option, Schema } from "effect"
import * as V8 from "node:v8"
import { runInNewContext } from "node:vm"
import * as Fault from "./faultServer.js"
import { transports } from "./support.js"

const Api = Spec.make({
  item: Endpoint.get("/{version}/item/{id}", { success: Schema.Struct({ id: Schema.Number }) })
})
const service = "load"

/** Sizes: one warm-up round, then the measured rounds. */
const warmUp = 1_000
/** One round of 10,000 calls, then two smaller ones to see the heap stay flat; `LOAD_ROUNDS=10000,10000,10000` for more. */
const rounds = (process.env.LOAD_ROUNDS ?? "10000,2000,2000").split(",").map(Number)
const concurrency = 200
const poolLimit = 64
const rateLimit = 1_000
const ratePeriod = 50
/** Ids from here are held by the server until released (the follow-up batch). */
const heldFrom = 10_000_000

type Outcome = "success" | "RequestError" | "ResponseError" | "ParseError" | "TimeoutError"

/**
 * Healthy calls that the caller cuts after 0-500 ms (`Effect.timeoutOption`, an
 * interruption), wherever they are: in the RateLimit's or the Pool's queue, in flight,
 * reading the body. They end as a success or as "cut".
 */
const isCut = (n: number) => n % 50 === 7
const cutAfter = (n: number) => (Math.floor(n / 50) * 37) % 500

/** The fault of id `n` (by `n % 100`), and the outcome the call must end with. */
const fault = (n: number): { readonly kind: string; readonly outcome: Outcome } => {
  const k = n % 100
  if (k < 88) return { kind: "ok", outcome: "success" }
  if (k === 88 || k === 89) return { kind: "slow", outcome: "success" }
  if (k === 90 || k === 91) return { kind: "reset", outcome: "RequestError" }
  if (k === 92) return { kind: "fin", outcome: "RequestError" }
  if (k === 93) return { kind: "resetMidBody", outcome: "RequestError" }
  if (k === 94 || k === 95) return { kind: "503", outcome: "ResponseError" }
  if (k === 96 || k === 97) return { kind: "invalidJson", outcome: "ParseError" }
  return { kind: "stall", outcome: "TimeoutError" }
}

/**
 * The gc of V8 without `--expose-gc` on the command line: the flag can be set at run time
 * and `gc` read from a fresh context. `undefined` if that does not work (then the heap
 * figures are skipped).
 */
const getGc = (): (() => void) | undefined => {
  if (typeof globalThis.gc === "function") return globalThis.gc as () => void
  try {
    V8.setFlagsFromString("--expose-gc")
    const gc = runInNewContext("gc")
    return typeof gc === "function" ? gc : undefined
  } catch {
    return undefined
  }
}

const heapMb = (gc: () => void) =>
  Effect.promise(async () => {
    for (let i = 0; i < 3; i++) {
      gc()
      await new Promise((r) => setImmediate(r))
    }
    return process.memoryUsage().heapUsed / 1e6
  })

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [], "an unhandled rejection or uncaught exception fired")
})

/** The fault server with its in-flight count (stalled requests apart: their end is the client's abort). */
const startServer = Effect.gen(function*() {
  const stats = {
    inFlight: 0,
    maxInFlight: 0,
    /** Requests carrying every plugin's mark. */
    marked: 0,
    stalled: 0,
    /** Healthy requests whose socket the client closed before the answer (cut in flight). */
    aborted: 0,
    held: [] as Array<{ readonly c: Fault.Connection; readonly id: number }>,
    hold: true
  }
  const server = yield* Fault.start((request, c) => {
    if (
      request.target.startsWith("/v1/item/") && request.target.endsWith("?lang=en") &&
      request.headers["x-client"] === "load" && /^[A-Z0-9]{10}$/.test(request.headers["x-tracking-token"] ?? "")
    ) stats.marked++
    const id = Number(/\/item\/(\d+)/.exec(request.target)?.[1] ?? -1)
    if (id >= heldFrom) {
      if (stats.hold) stats.held.push({ c, id })
      else Fault.json(c, 200, { id })
      return
    }
    const kind = isCut(id) ? "cut" : fault(id).kind
    if (kind === "stall") return void stats.stalled++ // ended by the client's Timeout
    stats.inFlight++
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
    const done = () => void stats.inFlight--
    switch (kind) {
      case "ok": // after a tick, so that the server sees the calls the Pool lets through at once
        return void setTimeout(() => {
          done()
          if (!c.closed) Fault.json(c, 200, { id })
        }, 1)
      case "cut": // answered late, so that some are cut in flight
        return void setTimeout(() => {
          done()
          if (c.closed) stats.aborted++
          else Fault.json(c, 200, { id })
        }, 50)
      case "slow":
        return void setTimeout(() => {
          done()
          if (!c.closed) Fault.json(c, 200, { id })
        }, 20)
      case "reset":
        done()
        return Fault.reset(c)
      case "fin":
        done()
        return Fault.hangUp(c)
      case "resetMidBody":
        c.socket.write(Fault.head(200, { "content-type": "application/json", "content-length": 100 }))
        c.socket.write(`{"id":${id},`)
        return void setTimeout(() => {
          done()
          Fault.reset(c)
        }, 5)
      case "503":
        Fault.respond(c, 503, "overloaded", { "content-type": "text/plain" })
        return done()
      case "invalidJson":
        Fault.respond(c, 200, `{"id":${id},`, { "content-type": "application/json" })
        return done()
    }
  }, { record: false })
  return { server, stats }
})

const makeClient = (baseUrl: string) =>
  ServiceClient.make(Api, {
    name: service,
    baseUrl,
    plugins: [
      PathTokens.make({ tokens: { version: "v1" } }),
      Headers.make({ headers: { "X-Client": "load" } }),
      QueryParams.make({ query: { lang: "en" } }),
      TrackingToken.make({ header: "X-Tracking-Token" }),
      // switched off: Debug is under the default minimum level (Info)
      OuterLogger.make({ level: "Debug", levels: { exception: "Debug", parseException: "Debug" } }),
      InnerLogger.make({ level: "Debug", levels: { exception: "Debug", parseException: "Debug" } }),
      RateLimit.make({ limit: rateLimit, period: `${ratePeriod} millis` }),
      Pool.make({ limit: poolLimit, hardLimit: 10_000 }),
      Timeout.make({ timeout: "10 seconds" }),
      Elapsed.make()
    ]
  })

type Client = Effect.Effect.Success<ReturnType<typeof makeClient>>

/** Runs `count` calls (ids `first`...) at concurrency 200; returns counts per outcome and mismatches. */
const round = (client: Client, first: number, count: number) =>
  Effect.gen(function*() {
    const counts: Record<string, number> = {}
    const mismatches: Array<string> = []
    let defects = 0
    yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => first + i),
      (id) => {
        const expected = fault(id)
        const timeout = expected.kind === "stall" ? "150 millis" : undefined
        // `version` comes from the PathTokens plugin, which the input's type does not know
        const call = client.item({ id, timeout } as never)
        const cut = isCut(id)
          ? Effect.map(Effect.timeoutOption(call, cutAfter(id)), Option.getOrElse(() => "cut" as const))
          : call
        return Effect.map(Effect.exit(cut), (exit) => {
          let got: string
          if (Exit.isSuccess(exit)) {
            got = exit.value === "cut" ? "cut" : exit.value.id === id ? "success" : "wrong data"
          } else {
            if ([...Cause.defects(exit.cause)].length > 0) defects++
            const error = Cause.failureOption(exit.cause)
            if (Option.isNone(error)) got = "no failure"
            else {
              const e = error.value as { _tag: string; service: string; endpoint: string }
              got = e.service === service && e.endpoint === "item" ? e._tag : `${e._tag} elsewhere`
            }
          }
          counts[got] = (counts[got] ?? 0) + 1
          if (got !== expected.outcome && !(got === "cut" && isCut(id)) && mismatches.length < 10) {
            const detail = Exit.isFailure(exit) ? ` ${Cause.pretty(exit.cause)}` : ""
            mismatches.push(`#${id} (${expected.kind}): ${got}${detail}`)
          }
        })
      },
      { concurrency, discard: true }
    )
    return { counts, mismatches, defects }
  })

const expectedCounts = (first: number, count: number) => {
  const out: Record<string, number> = {}
  for (let id = first; id < first + count; id++) {
    const o = fault(id).outcome
    out[o] = (out[o] ?? 0) + 1
  }
  return out
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)

for (const [transportName, Live] of transports) {
  describe(`load (${transportName})`, () => {
    it.live(
      `${warmUp} + ${rounds.join(" + ")} calls at concurrency ${concurrency} through the full plugin stack: ` +
        "all accounted for, permits back, no leak",
      () =>
        Effect.gen(function*() {
          const wall = performance.now()
          const { server, stats } = yield* startServer
          const gc = getGc()
          const heap: Array<number> = []
          let logRecords = 0
          let next = 0
          yield* Effect.gen(function*() {
            const client = yield* makeClient(server.url)
            const run = (count: number) =>
              Effect.gen(function*() {
                const started = performance.now()
                const result = yield* round(client, next, count)
                const expected = expectedCounts(next, count)
                next += count
                assert.deepStrictEqual(result.mismatches, [], "calls ended otherwise than expected")
                assert.strictEqual(result.defects, 0)
                const { cut = 0, ...counts } = result.counts
                assert.deepStrictEqual({ ...counts, success: (counts.success ?? 0) + cut }, expected)
                assert.strictEqual(sum(result.counts), count)
                // the RateLimit's releases are due `period` after the last send
                yield* Effect.sleep(ratePeriod * 2)
                const mb = gc === undefined ? NaN : yield* heapMb(gc)
                console.log(
                  `load: ${count} calls in ${Math.round(performance.now() - started)} ms, ` +
                    `${JSON.stringify(result.counts)}, heap after GC ${mb.toFixed(1)} MB`
                )
                return mb
              })

            yield* run(warmUp)
            if (gc !== undefined) heap.push(yield* heapMb(gc))
            for (const count of rounds) heap.push(yield* run(count))

            // what the server got: one request per call (no retry), every plugin's mark on it; a stalled
            // call may time out, and a cut one be cut, before its request is written
            const total = warmUp + rounds.reduce((a, b) => a + b, 0)
            const stalls = expectedCounts(0, total).TimeoutError ?? 0
            let cuts = 0
            for (let id = 0; id < total; id++) if (isCut(id)) cuts++
            assert.isAtMost(server.requestCount() - stats.stalled, total - stalls)
            assert.isAtLeast(server.requestCount() - stats.stalled, total - stalls - cuts)
            assert.isAtMost(stats.stalled, stalls)
            assert.strictEqual(stats.marked, server.requestCount())
            assert.isAtMost(stats.maxInFlight, poolLimit, "the Pool let more than its limit reach the server")
            assert.isAtLeast(stats.maxInFlight, poolLimit / 2, "the load never filled the Pool")

            // Follow-up batch: all `rateLimit` RateLimit permits and all `poolLimit` Pool permits are free.
            // The server holds every request: exactly `poolLimit` arrive, the rest wait in the Pool holding a
            // RateLimit permit. No send ends while held, so a call short of a RateLimit permit would wait
            // for the whole hold (and `period` more).
            const holdMs = 300
            const batch = yield* Effect.fork(
              Effect.forEach(
                Array.from({ length: rateLimit }, (_, i) => heldFrom + i),
                (id) =>
                  Effect.map(client.call("item", { id } as never), (r) => r.attributes.blockedByRateLimit as number),
                { concurrency: "unbounded" }
              )
            )
            yield* server.waitUntil(`${poolLimit} held requests`, () => stats.held.length >= poolLimit, 10_000)
            yield* Effect.sleep(holdMs)
            assert.strictEqual(stats.held.length, poolLimit, "the Pool did not let exactly its limit through")
            stats.hold = false
            for (const { c, id } of stats.held.splice(0)) Fault.json(c, 200, { id })
            const blocked = yield* batch
            assert.strictEqual(blocked.length, rateLimit)
            assert.isBelow(Math.max(...blocked), holdMs, "a call waited for a RateLimit permit")
            assert.strictEqual(logRecords, 0, "a switched-off logger wrote a record")
            // idle keep-alive sockets belong to the transport, open until it closes
            assert.isAbove(server.openConnections(), 0)
          }).pipe(
            Effect.scoped,
            Effect.provide(Live),
            Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(() => void logRecords++)))
          )

          // client and transport closed: the server sees every connection closed
          yield* server.waitUntil("every connection closed", () => server.openConnections() === 0, 5_000)

          if (gc !== undefined) {
            const [baseline, ...after] = heap as [number, ...Array<number>]
            console.log(
              `load: heap baseline ${baseline.toFixed(1)} MB, ` +
                `after each round ${after.map((m) => m.toFixed(1)).join(", ")} MB`
            )
            for (const mb of after) assert.isBelow(mb - baseline, 5, "the heap grew by 5 MB or more over a round")
            assert.isBelow(after[after.length - 1]! - after[0]!, 2, "the heap grows from round to round")
          } else {
            console.log("load: no gc available, heap figures skipped")
          }
          console.log(
            `load: wall time ${Math.round(performance.now() - wall)} ms, ${stats.aborted} calls cut in flight`
          )
        }).pipe(Effect.scoped),
      // generous: a loaded 2-core machine ran about 150 calls/s
      60_000 + 20 * (warmUp + rounds.reduce((a, b) => a + b, 0))
    )
  })
}
