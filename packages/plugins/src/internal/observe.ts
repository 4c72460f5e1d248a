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
 * A counter whose tags are given by value, in the order of `tags`: each combination's
 * tagged metric is made once (`Metric.tagged` merges the tags again on every update).
 *
 * @internal
 */
export interface Counter {
  /** The metric before tagging, to read it back or export it. */
  readonly metric: Metric.Metric.Counter<number>
  readonly increment: (...values: ReadonlyArray<string>) => void
}

/** @internal */
export const counter = (name: string, description: string, tags: ReadonlyArray<string>): Counter => {
  const key = MetricKey.counter(name, { description })
  // the tagged metrics by the tag values, one map level per tag: no key string built per update
  const root = new Map<string, any>()
  let made = 0
  const make = (values: ArrayLike<string>): Updatable => {
    let k = key
    for (let i = 0; i < tags.length; i++) k = MetricKey.tagged(k, tags[i]!, values[i] ?? "")
    return Metric.fromMetricKey(k)
  }
  return {
    metric: Metric.fromMetricKey(key),
    increment() {
      const values = arguments as unknown as ArrayLike<string>
      let level = root
      for (let i = 0; i < tags.length - 1; i++) {
        let next = level.get(values[i] ?? "")
        if (next === undefined) {
          next = new Map()
          // bounded: tag values are service, endpoint, circuit names and a few states
          if (made < 10_000) level.set(values[i] ?? "", next)
        }
        level = next
      }
      const last = values[tags.length - 1] ?? ""
      let tagged: Updatable | undefined = level.get(last)
      if (tagged === undefined) {
        tagged = make(values)
        if (made++ < 10_000) level.set(last, tagged)
      }
      tagged.unsafeUpdate(1, noTags)
    }
  }
}
