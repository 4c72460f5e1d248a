/**
 * What the resilience plugins tell besides their attributes: counters (Effect `Metric`s,
 * updated without a runtime step) and attributes and events on the call's span (the span
 * the Tracing plugin made, put on the session as a hidden attribute).
 *
 * @internal
 */
import type { Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"
import { Metric, MetricKey, type Tracer } from "effect"

/** The call's span, put on the session by Tracing (loggers do not see it). @internal */
export const callSpan: Attribute.Attribute<Tracer.Span> = Attribute.make<Tracer.Span>("callSpan", { hidden: true })

const live = (session: Session.Session): Tracer.Span | undefined => {
  const span = callSpan.get(session)
  return span !== undefined && span.status._tag === "Started" ? span : undefined
}

/** An attribute on the call's span, when Tracing made one. @internal */
export const spanAttribute = (session: Session.Session, key: string, value: unknown): void => {
  live(session)?.attribute(key, value)
}

/** An event on the call's span, when Tracing made one. @internal */
export const spanEvent = (
  session: Session.Session,
  name: string,
  attributes?: Record<string, unknown>
): void => {
  const span = live(session)
  if (span !== undefined) span.event(name, session.clock.unsafeCurrentTimeNanos(), attributes)
}

type Updatable = { readonly unsafeUpdate: (input: number, extraTags: ReadonlyArray<never>) => void }

const noTags: ReadonlyArray<never> = []

/**
 * A counter whose tags are given by value, in the order of `tags` (at most four): each
 * combination's tagged metric is made once (`Metric.tagged` merges the tags again on every
 * update), and an update allocates nothing.
 *
 * @internal
 */
export interface Counter {
  /** The metric before tagging, to read it back or export it. */
  readonly metric: Metric.Metric.Counter<number>
  readonly increment: (a?: string, b?: string, c?: string, d?: string) => void
}

/** @internal */
export const counter = (name: string, description: string, tags: ReadonlyArray<string>): Counter => {
  if (tags.length < 1 || tags.length > 4) throw new Error(`Observe.counter ${name}: 1 to 4 tags`)
  const key = MetricKey.counter(name, { description })
  const n = tags.length
  // the tagged metrics by the tag values, one map level per tag: no key string built per update
  const root = new Map<string, any>()
  let made = 0
  const make = (values: ReadonlyArray<string>): Updatable => {
    let k = key
    for (let i = 0; i < n; i++) k = MetricKey.tagged(k, tags[i]!, values[i]!)
    return Metric.fromMetricKey(k)
  }
  const child = (level: Map<string, any>, value: string): Map<string, any> => {
    let next = level.get(value)
    if (next === undefined) {
      next = new Map()
      // bounded: tag values are service, endpoint, circuit names and a few states
      if (made < 10_000) level.set(value, next)
    }
    return next
  }
  // the level of the last values but the last tag (a plugin counts the same service and endpoint in a row)
  let memo: Map<string, any> | undefined = undefined
  let memoA = ""
  let memoB = ""
  let memoC = ""
  return {
    metric: Metric.fromMetricKey(key),
    increment(a = "", b = "", c = "", d = "") {
      let level = root
      const last = n === 1 ? a : n === 2 ? b : n === 3 ? c : d
      if (n > 1) {
        if (memo !== undefined && a === memoA && (n < 3 || b === memoB) && (n < 4 || c === memoC)) level = memo
        else {
          level = child(level, a)
          if (n > 2) level = child(level, b)
          if (n > 3) level = child(level, c)
          memo = level
          memoA = a
          memoB = b
          memoC = c
        }
      }
      let tagged: Updatable | undefined = level.get(last)
      if (tagged === undefined) {
        tagged = make([a, b, c, d])
        if (made++ < 10_000) level.set(last, tagged)
      }
      tagged.unsafeUpdate(1, noTags)
    }
  }
}
