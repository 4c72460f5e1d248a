/**
 * An in-memory Tracer for tests: every span it makes is kept, in start order.
 */
import { Context, type Exit, Option, Tracer } from "effect"

export interface Recorded extends Tracer.Span {
  readonly attributes: Map<string, unknown>
  /** The events (Effect's tracer logger adds one per log record written while the span is current). */
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }>
  exit: Exit.Exit<unknown, unknown> | undefined
}

const hex = (length: number) => {
  let out = ""
  for (let i = 0; i < length; i++) out += Math.floor(Math.random() * 16).toString(16)
  return out
}

export const make = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span(name, parent, _context, links, startTime, kind) {
      const attributes = new Map<string, unknown>()
      const span: Recorded = {
        _tag: "Span",
        name,
        spanId: hex(16),
        traceId: Option.isSome(parent) ? parent.value.traceId : hex(32),
        parent,
        context: Context.empty(),
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        exit: undefined,
        end(endTime, exit) {
          span.exit = exit
          ;(span as { status: Tracer.SpanStatus }).status = { _tag: "Ended", startTime, endTime, exit }
        },
        attribute(key, value) {
          attributes.set(key, value)
        },
        events: [],
        event(name, _startTime, attributes) {
          span.events.push({ name, attributes })
        },
        addLinks() {}
      }
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}
