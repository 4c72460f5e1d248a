/**
 * Effect `Metric`s of every call: a counter of calls by service, endpoint and status, a
 * latency histogram, a gauge of calls in flight, and a histogram of the time spent
 * waiting for the Pool or the RateLimit (from `attributes.blockedByPool` /
 * `blockedByRateLimit`). Export them with any Effect metrics exporter (OpenTelemetry,
 * Prometheus through @effect/opentelemetry).
 *
 * @since 0.1.0
 */
import { type CallError, Plugin, type ServiceResponse, type Session } from "@service-client/core"
import { Cause, Exit, Metric, MetricBoundaries, MetricKey, type MetricKeyType, Option } from "effect"
import { blockedByPool } from "./Pool.js"
import { blockedByRateLimit } from "./RateLimit.js"

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
  const keys = metricKeys(options)
  return {
    calls: Metric.fromMetricKey(keys.calls),
    duration: Metric.fromMetricKey(keys.duration),
    pending: Metric.fromMetricKey(keys.pending),
    blocked: Metric.fromMetricKey(keys.blocked)
  }
}

const metricKeys = (options: Options) => {
  const n = names(options.prefix)
  return {
    calls: MetricKey.counter(n.calls, { description: "Service client calls by status" }),
    duration: MetricKey.histogram(
      n.duration,
      options.durationBoundaries ?? defaultDurationBoundaries,
      "Service client call duration (ms)"
    ),
    pending: MetricKey.gauge(n.pending, { description: "Service client calls in flight" }),
    blocked: MetricKey.histogram(
      n.blocked,
      options.blockedBoundaries ?? defaultBlockedBoundaries,
      "Time a call waited for a Pool or RateLimit slot (ms)"
    )
  }
}

/**
 * A metric of the key with the tags built in: `Metric.tagged` would merge the tags again on
 * every update (~10 µs each on effect 3.22), this costs a map lookup.
 */
const withTags = <Type extends MetricKeyType.MetricKeyType<any, any>>(
  key: MetricKey.MetricKey<Type>,
  tags: Record<string, string>
) => {
  let tagged = key
  for (const name in tags) tagged = MetricKey.tagged(tagged, name, tags[name]!)
  return Metric.fromMetricKey(tagged)
}

type Updatable = { readonly unsafeUpdate: (input: number, extraTags: ReadonlyArray<never>) => void }

interface PerEndpoint {
  readonly duration: Updatable
  readonly pending: Updatable
  readonly blockedByPool: Updatable
  readonly blockedByRateLimit: Updatable
  readonly byStatus: Map<string, Updatable>
  inFlight: number
}

/**
 * The Metrics plugin (an `enterSend` hook: its leave counts the send's outcome). Listed before Retry it counts calls; after
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
  const keys = metricKeys(options)
  const endpoints = new Map<string, PerEndpoint>()

  const forEndpoint = (session: Session.Session): PerEndpoint => {
    const key = `${session.service}\u0000${session.endpoint}`
    let m = endpoints.get(key)
    if (m === undefined) {
      const tags = { service: session.service, endpoint: session.endpoint }
      m = {
        duration: withTags(keys.duration, tags),
        pending: withTags(keys.pending, tags),
        blockedByPool: withTags(keys.blocked, { ...tags, limiter: "pool" }),
        blockedByRateLimit: withTags(keys.blocked, { ...tags, limiter: "rateLimit" }),
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
      c = withTags(keys.calls, { service: session.service, endpoint: session.endpoint, status })
      m.byStatus.set(status, c)
    }
    return c
  }

  const noTags: ReadonlyArray<never> = []

  const statusOf = (exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>): string =>
    Exit.isSuccess(exit)
      ? String(exit.value.status)
      : Option.match(Cause.failureOption(exit.cause), {
        onNone: () => (Exit.isInterrupted(exit) ? "Interrupted" : "Defect"),
        onSome: (e) => e._tag
      })

  return Plugin.make("Metrics", {
    // an enterSend hook whose leave gets the send's outcome: no runtime step per call (an
    // `Effect.onExit` around the send took ~9, inside Tracing's span where each step also
    // pays an OpenTelemetry context); the call's Clock is the session's
    enterSend: (session) => {
      const clock = session.clock
      const start = clock.unsafeCurrentTimeNanos()
      const m = forEndpoint(session)
      m.pending.unsafeUpdate(++m.inFlight, noTags)
      return (session, exit) => {
        m.pending.unsafeUpdate(--m.inFlight, noTags)
        counter(m, session, statusOf(exit)).unsafeUpdate(1, noTags)
        m.duration.unsafeUpdate(Number(clock.unsafeCurrentTimeNanos() - start) / 1e6, noTags)
        const pool = blockedByPool.get(session)
        if (pool !== undefined) m.blockedByPool.unsafeUpdate(pool, noTags)
        const rateLimit = blockedByRateLimit.get(session)
        if (rateLimit !== undefined) m.blockedByRateLimit.unsafeUpdate(rateLimit, noTags)
      }
    }
  }, { honoursDeadline: true })
}
