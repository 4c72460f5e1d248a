/**
 * Effect `Metric`s of every call: a counter of calls by service, endpoint and status, a
 * latency histogram, a gauge of calls in flight, and a histogram of the time spent
 * waiting for the Pool or the RateLimit (from `attributes.blockedByPool` /
 * `blockedByRateLimit`). Export them with any Effect metrics exporter (OpenTelemetry,
 * Prometheus through @effect/opentelemetry).
 *
 * @since 0.1.0
 */
import { Plugin, type Session } from "@service-client/core"
import { Cause, Clock, Effect, Exit, Metric, MetricBoundaries, Option } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The metric names' prefix. Default `"service_client"`. */
  readonly prefix?: string | undefined
  /** The latency histogram's boundaries (ms). Default 5 ms doubling up to ~41 s. */
  readonly durationBoundaries?: MetricBoundaries.MetricBoundaries | undefined
  /** The wait histogram's boundaries (ms). Default 1 ms doubling up to ~16 s. */
  readonly blockedBoundaries?: MetricBoundaries.MetricBoundaries | undefined
}

/**
 * The metric names, after the prefix: `<prefix>.calls` (counter; tags `service`,
 * `endpoint`, `status` — the HTTP status, or the error's tag such as `TimeoutError`, or
 * `Interrupted`), `<prefix>.duration` (histogram, ms; tags `service`, `endpoint`),
 * `<prefix>.pending` (gauge; tags `service`, `endpoint`), `<prefix>.blocked`
 * (histogram, ms; tags `service`, `endpoint`, `limiter`: `pool` or `rateLimit`).
 *
 * @since 0.1.0
 * @category models
 */
export const names = (prefix = "service_client") => ({
  calls: `${prefix}.calls`,
  duration: `${prefix}.duration`,
  pending: `${prefix}.pending`,
  blocked: `${prefix}.blocked`
})

/**
 * @since 0.1.0
 * @category models
 */
export const defaultDurationBoundaries = MetricBoundaries.exponential({ start: 5, factor: 2, count: 14 })

/**
 * @since 0.1.0
 * @category models
 */
export const defaultBlockedBoundaries = MetricBoundaries.exponential({ start: 1, factor: 2, count: 15 })

/**
 * The plugin's metrics before tagging (tags: `service`, `endpoint`, and `status` or
 * `limiter`), to read them back or export them: a metric is identified by its name,
 * description, boundaries and tags.
 *
 * @since 0.1.0
 * @category models
 */
export const metrics = (options: Options = {}) => {
  const n = names(options.prefix)
  return {
    calls: Metric.counter(n.calls, { description: "Service client calls by status" }),
    duration: Metric.histogram(
      n.duration,
      options.durationBoundaries ?? defaultDurationBoundaries,
      "Service client call duration (ms)"
    ),
    pending: Metric.gauge(n.pending, { description: "Service client calls in flight" }),
    blocked: Metric.histogram(
      n.blocked,
      options.blockedBoundaries ?? defaultBlockedBoundaries,
      "Time a call waited for a Pool or RateLimit slot (ms)"
    )
  }
}

interface PerEndpoint {
  readonly duration: Metric.Metric.Histogram<number>
  readonly pending: Metric.Metric.Gauge<number>
  readonly blockedByPool: Metric.Metric.Histogram<number>
  readonly blockedByRateLimit: Metric.Metric.Histogram<number>
  readonly byStatus: Map<string, Metric.Metric.Counter<number>>
  inFlight: number
}

/**
 * The Metrics plugin (an `aroundSend` hook). Listed before Retry it counts calls; after
 * Retry, attempts. The status is the response's (a 404 counts as `404`, though the call
 * then fails with `ResponseError`).
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Metrics.make(), Retry.make()] })
 * const snapshot = yield* Metric.snapshot // or an exporter
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const { blocked, calls, duration, pending } = metrics(options)
  const endpoints = new Map<string, PerEndpoint>()

  const forEndpoint = (session: Session.Session): PerEndpoint => {
    const key = `${session.service}\u0000${session.endpoint}`
    let m = endpoints.get(key)
    if (m === undefined) {
      const tag = <M extends Metric.Metric<any, any, any>>(metric: M): M =>
        metric.pipe(Metric.tagged("service", session.service), Metric.tagged("endpoint", session.endpoint)) as M
      m = {
        duration: tag(duration),
        pending: tag(pending),
        blockedByPool: tag(blocked).pipe(Metric.tagged("limiter", "pool")),
        blockedByRateLimit: tag(blocked).pipe(Metric.tagged("limiter", "rateLimit")),
        byStatus: new Map(),
        inFlight: 0
      }
      endpoints.set(key, m)
    }
    return m
  }

  const counter = (m: PerEndpoint, session: Session.Session, status: string) => {
    let c = m.byStatus.get(status)
    if (c === undefined) {
      c = calls.pipe(
        Metric.tagged("service", session.service),
        Metric.tagged("endpoint", session.endpoint),
        Metric.tagged("status", status)
      )
      m.byStatus.set(status, c)
    }
    return c
  }

  return Plugin.make("Metrics", {
    aroundSend: (session, send) =>
      Effect.flatMap(Clock.currentTimeNanos, (start) => {
        const m = forEndpoint(session)
        m.inFlight++
        return Metric.set(m.pending, m.inFlight).pipe(
          Effect.zipRight(send),
          Effect.onExit((exit) =>
            Effect.flatMap(Clock.currentTimeNanos, (end) => {
              m.inFlight--
              const status = Exit.isSuccess(exit)
                ? String(exit.value.status)
                : Option.match(Cause.failureOption(exit.cause), { onNone: () => (Exit.isInterrupted(exit) ? "Interrupted" : "Defect"), onSome: (e) => e._tag })
              const updates: Array<Effect.Effect<void>> = [
                Metric.set(m.pending, m.inFlight),
                Metric.increment(counter(m, session, status)),
                Metric.update(m.duration, Number(end - start) / 1e6)
              ]
              const pool = session.attributes.blockedByPool
              if (typeof pool === "number") updates.push(Metric.update(m.blockedByPool, pool))
              const rateLimit = session.attributes.blockedByRateLimit
              if (typeof rateLimit === "number") updates.push(Metric.update(m.blockedByRateLimit, rateLimit))
              return Effect.all(updates, { discard: true })
            })
          )
        )
      })
  })
}
