/**
 * Hedge: a second attempt of a slow idempotent call. When the first attempt has not
 * answered after a delay (fixed, or the endpoint's observed latency percentile), the same
 * request is sent again; the first answer wins and the other request is aborted. Tail
 * latency drops at the price of a few extra requests.
 *
 * @since 0.1.0
 */
import type { CallError, Endpoint, Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"
import * as Plugin from "@service-client/core/Plugin"
import type { ServiceResponse } from "@service-client/core/ServiceResponse"
import * as Setting from "@service-client/core/Setting"
import { Duration, Effect, Exit, Fiber, FiberId, Schema } from "effect"
import * as Circuit from "./internal/circuit.js"
import * as Observe from "./internal/observe.js"
import { durationOption, invalid } from "./internal/options.js"
import * as Repeatable from "./internal/repeatable.js"
import * as Spare from "./internal/spare.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The wait before the second attempt; with `percentile`, until enough latencies are known. Default 100 ms. */
  readonly delay?: Duration.DurationInput | undefined
  /**
   * Hedge after this percentile (0 to 1, e.g. 0.95) of the endpoint's last 100 latencies,
   * once 20 are known; never sooner than `minDelay`.
   */
  readonly percentile?: number | undefined
  /** The shortest delay the percentile may give. Default 10 ms. */
  readonly minDelay?: Duration.DurationInput | undefined
  /** The methods hedged. Default GET, HEAD and OPTIONS (a call with an IdempotencyKey too). */
  readonly methods?: ReadonlyArray<Endpoint.Method> | undefined
  /** Only these endpoints (by name). Default: every endpoint with one of `methods`. */
  readonly endpoints?: ReadonlyArray<string> | undefined
}

/**
 * The endpoint setting and call-input key `hedge`: `true` hedges the endpoint (the call)
 * whatever its method (it says a repeat is safe), `false` never.
 *
 * @since 0.1.0
 * @category settings
 */
export const setting = Setting.make("hedge", Schema.Boolean, { call: true })

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** Hedge: `true` hedges this endpoint whatever its method, `false` never. */
    readonly hedge?: boolean | undefined
  }
  interface CommonInput {
    /** Hedge: `false` never hedges this call. */
    readonly hedge?: boolean | undefined
  }
}

/**
 * `attributes.hedge`: `"sent"` when a second request went out, `"won"` when it answered first.
 *
 * @since 0.1.0
 * @category attributes
 */
export const hedge: Attribute.Attribute<"sent" | "won"> = Attribute.make<"sent" | "won">("hedge")

const sent = Observe.counter("service_client.hedge.sent", "Second requests Hedge sent", ["service", "endpoint"])
const won = Observe.counter(
  "service_client.hedge.won",
  "Second requests Hedge sent that answered before the first",
  ["service", "endpoint"]
)
const skipped = Observe.counter(
  "service_client.hedge.skipped",
  "Calls still unanswered after Hedge's delay that it did not hedge, by reason: deadline (the call's deadline " +
    "leaves no more than the delay), circuit (the circuit is open), busy (no limiter permit free at once, or a " +
    "limiter listed after Hedge)",
  ["service", "endpoint", "reason"]
)

/**
 * The plugin's metrics (Effect `Metric` counters, shared by every Hedge of the program),
 * each tagged `service` and `endpoint`: `service_client.hedge.sent` (second requests sent),
 * `service_client.hedge.won` (of those, the ones that answered first) and
 * `service_client.hedge.skipped` (also tagged `reason`: `deadline`, `circuit` or `busy`;
 * calls still unanswered after the delay that were not hedged).
 *
 * @since 0.3.0
 * @category metrics
 */
export const metrics = { sent: sent.metric, won: won.metric, skipped: skipped.metric }

/** The last latencies of one endpoint (ms), and the percentile worked out from them. */
class Latencies {
  private readonly ring = new Float64Array(100)
  private count = 0
  private next = 0
  private sinceSort = 0
  private cached: number | undefined = undefined
  constructor(readonly percentile: number) {}
  record(ms: number): void {
    this.ring[this.next] = ms
    this.next = (this.next + 1) % this.ring.length
    if (this.count < this.ring.length) this.count++
    if (++this.sinceSort >= 10) this.cached = undefined
  }
  /** The percentile, once 20 latencies are known. */
  value(): number | undefined {
    if (this.count < 20) return undefined
    if (this.cached === undefined) {
      const sorted = Array.from(this.ring.subarray(0, this.count)).sort((a, b) => a - b)
      this.cached = sorted[Math.min(sorted.length - 1, Math.ceil(this.percentile * sorted.length) - 1)]!
      this.sinceSort = 0
    }
    return this.cached
  }
}

/**
 * A permit of every limiter the call entered, each taken only if free now (see
 * `internal/spare.ts`): how to give them all back, or `undefined` (and none kept) when one
 * has none free.
 */
const takeSpares = (
  session: Session.Session,
  offers: ReadonlyArray<Spare.Offer>
): Effect.Effect<((exit: Exit.Exit<ServiceResponse, CallError>) => Effect.Effect<void>) | undefined> =>
  Effect.uninterruptible(Effect.gen(function*() {
    const taken: Array<Plugin.LeaveSend> = []
    const leave = (exit: Exit.Exit<ServiceResponse, CallError>) =>
      Effect.forEach(taken, (l) => Effect.suspend(() => l(session, exit) ?? Effect.void), { discard: true })
    for (const offer of offers) {
      const l = yield* offer(session)
      if (l === undefined) {
        // no hedge is sent: the permits go back as from a send interrupted before it began
        yield* leave(Exit.interrupt(FiberId.none))
        return undefined
      }
      taken.push(l)
    }
    return leave
  }))

/** No hedge after all: counted by reason, and the first attempt awaited. */
const skip = (
  session: Session.Session,
  reason: "busy" | "deadline" | "circuit",
  first: Fiber.Fiber<ServiceResponse, CallError>
): Plugin.Send => {
  skipped.increment(session.service, session.endpoint, reason)
  return Fiber.join(first)
}

/**
 * The attempts race: the first response wins and the other is interrupted (the live
 * transports abort its request); a failed attempt leaves the other one running.
 */
const race = (first: Fiber.Fiber<ServiceResponse, CallError>, second: Plugin.Send): Plugin.Send =>
  Effect.raceWith(Fiber.join(first), second, {
    onSelfDone: (exit, hedge) =>
      Exit.isSuccess(exit) ? Effect.zipRight(Fiber.interrupt(hedge), exit) : Fiber.join(hedge),
    onOtherDone: (exit, joining) =>
      Exit.isSuccess(exit)
        ? Effect.zipRight(Effect.zipRight(Fiber.interrupt(first), Fiber.interrupt(joining)), exit)
        : Fiber.join(first)
  })

/**
 * Builds the plugin. A call is hedged when its method is idempotent (or it carries an
 * IdempotencyKey), its first attempt has not answered after the delay, the call's deadline
 * (Timeout) leaves more than the delay, and the circuit (CircuitBreaker) is not open. A
 * hedged call has `attributes.hedge = "sent"`, or `"won"` when the second attempt answered
 * first. A `streamResponse` endpoint is never hedged.
 *
 * List it after Retry (each attempt may be hedged) and after Pool and RateLimit: the hedge
 * takes a permit of each of them, and only one that is free at once (nobody waiting), so
 * it never queues behind real calls; with none free, there is no hedge (the permits go
 * back when the hedge's send ends). A Pool or RateLimit listed after Hedge would make the
 * hedge wait in its queue: a call through one is never hedged. The breaker after it sees
 * both requests.
 *
 * Throws a `SpecError` for bad options.
 *
 * **Example**
 *
 * ```ts
 * plugins: [Timeout.make({ timeout: "2 seconds" }), Retry.make(), Pool.make({ limit: 10 }), Hedge.make({ percentile: 0.95 })]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const fixed = Duration.toMillis(durationOption("Hedge", "delay", options.delay) ?? Duration.millis(100))
  const minDelay = Duration.toMillis(durationOption("Hedge", "minDelay", options.minDelay) ?? Duration.millis(10))
  const percentile = options.percentile
  if (percentile !== undefined && !(typeof percentile === "number" && percentile > 0 && percentile <= 1)) {
    invalid("Hedge", "percentile", `expected a number in (0, 1], got ${String(percentile)}`)
  }
  if (options.methods !== undefined && !Array.isArray(options.methods)) invalid("Hedge", "methods", "expected a list")
  if (options.endpoints !== undefined && !Array.isArray(options.endpoints)) {
    invalid("Hedge", "endpoints", "expected a list")
  }
  const methods: ReadonlySet<string> = new Set(options.methods ?? ["GET", "HEAD", "OPTIONS"])
  const endpoints = options.endpoints === undefined ? undefined : new Set(options.endpoints)
  const latencies = new Map<string, Latencies>()

  const latencyOf = (session: Session.Session): Latencies | undefined => {
    if (percentile === undefined) return undefined
    const key = `${session.service}\n${session.endpoint}`
    let l = latencies.get(key)
    if (l === undefined) latencies.set(key, l = new Latencies(percentile))
    return l
  }

  const timed = (session: Session.Session, send: Plugin.Send, latency: Latencies | undefined): Plugin.Send => {
    if (latency === undefined) return send
    const start = session.clock.unsafeCurrentTimeMillis()
    return Effect.tap(send, () => latency.record(session.clock.unsafeCurrentTimeMillis() - start))
  }

  const eligible = (session: Session.Session) => {
    const wanted = setting.get(session)
    return !(wanted === false || session.definition.streamResponse === true ||
      (wanted === undefined && ((!methods.has(session.method) && !Repeatable.isMarked(session)) ||
        (endpoints !== undefined && !endpoints.has(session.endpoint)))))
  }

  return Plugin.make("Hedge", {
    // before the send: the Pool and RateLimit the call enters offer a permit for the hedge
    beforeRequest: (session) => {
      if (eligible(session)) Spare.mark(session)
      return Effect.void
    },
    aroundSend: (session, send) => {
      const spares = Spare.get(session)
      if (spares === undefined || !eligible(session)) return send
      const latency = latencyOf(session)
      const observed = latency?.value()
      const delay = observed === undefined ? fixed : Math.max(minDelay, observed)
      const attempt = timed(session, send, latency)
      return Effect.suspend(() => {
        spares.hedging = true
        spares.inside = false
        return Effect.raceWith(attempt, Effect.sleep(Duration.millis(delay)), {
          // answered (or failed) before the delay: no hedge
          onSelfDone: (exit, sleeper) => Effect.zipRight(Fiber.interrupt(sleeper), exit),
          onOtherDone: (_, first) => {
            const now = session.clock.unsafeCurrentTimeMillis()
            const deadline = session.deadline
            const gate = Circuit.gate(session)
            const reason = spares.inside
              ? "busy"
              : deadline !== undefined && deadline.at - now <= delay
              ? "deadline"
              : gate !== undefined && gate.refuses(now)
              ? "circuit"
              : undefined
            if (reason !== undefined) return skip(session, reason, first)
            return Effect.flatMap(takeSpares(session, spares.outside), (leave) => {
              if (leave === undefined) return skip(session, "busy", first)
              hedge.set(session, "sent")
              sent.increment(session.service, session.endpoint)
              Observe.spanEvent(session, "hedge.sent", { "service_client.hedge.delay_ms": delay })
              return race(
                first,
                Effect.tap(send, () => {
                  hedge.set(session, "won")
                  won.increment(session.service, session.endpoint)
                }).pipe(Effect.onExit(leave))
              )
            })
          }
        }).pipe(Effect.ensuring(Effect.sync(() => void (spares.hedging = false))))
      })
    }
  }, { honoursDeadline: true, settings: [setting] })
}
