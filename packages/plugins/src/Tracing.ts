/**
 * A span per call, named `${service}.${endpoint}`, with the HTTP semantic-convention
 * attributes (`http.request.method`, `url.full`, `server.address`, `server.port`,
 * `http.response.status_code`, `error.type`), the tracking token when there is one, a
 * child span per attempt when the Retry plugin is listed after it, and the W3C
 * `traceparent` header propagated to the server. The resilience plugins listed after it
 * add their own to the call's span: `service_client.circuit.state` and the events
 * `circuit_breaker.rejected` / `.probe` / `.transition` (CircuitBreaker),
 * `service_client.cache` and `http_cache.stored` (HttpCache), `service_client.coalesced`
 * (Coalesce), `service_client.idempotency_key` (IdempotencyKey), `service_client.hedge`
 * (Hedge: `sent` or `won`). Spans go to Effect's current `Tracer`:
 * plug in OpenTelemetry with `@effect/opentelemetry`, or any `Tracer` layer.
 *
 * @since 0.1.0
 */
import {
  Attribute,
  type CallError,
  Plugin,
  Redact,
  Render,
  type ServiceResponse,
  type Session
} from "@service-client/core"
import { Cause, Chunk, Context, Effect, Exit, Fiber, FiberRef, HashMap, Option, Tracer } from "effect"
import { hedge } from "./Hedge.js"
import { idempotencyKey } from "./IdempotencyKey.js"
import * as Attempt from "./internal/attempt.js"
import { callSpan } from "./internal/observe.js"
import { attempts as attemptsAttribute } from "./Retry.js"
import { trackingToken } from "./TrackingToken.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Put the span's `traceparent` header on each request (unless the call sets its own). Default `true`. */
  readonly propagate?: boolean | undefined
  /** A child span per attempt when Retry is listed after Tracing. Default `true`. */
  readonly attemptSpans?: boolean | undefined
  /** Attributes added to every call span. */
  readonly attributes?: Readonly<Record<string, unknown>> | undefined
}

/**
 * The attribute that carries the call's tracking token.
 *
 * @since 0.1.0
 * @category models
 */
export const trackingTokenAttribute = "service_client.tracking_token"

const urlParts = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d+))?/i

/**
 * `url.full` without credentials, `server.address` and `server.port` (the scheme's
 * default port when the URL has none).
 */
const urlAttributes = (url: string, attributes: Record<string, unknown>) => {
  const m = urlParts.exec(url)
  if (m === null) {
    attributes["url.full"] = url
    return
  }
  const scheme = m[1]!.toLowerCase()
  const host = m[2]!
  const at = url.indexOf("@")
  attributes["url.full"] = at !== -1 && at < m[0].length ? `${m[1]}://${url.slice(at + 1)}` : url
  attributes["server.address"] = host.startsWith("[") ? host.slice(1, -1) : host
  attributes["server.port"] = m[3] !== undefined ? Number(m[3]) : scheme === "https" ? 443 : 80
}

const annotateResponse = (span: Tracer.Span, response: ServiceResponse.ServiceResponse) => {
  span.attribute("http.response.status_code", response.status)
  if (response.status >= 400) span.attribute("error.type", String(response.status))
}

const annotateError = (span: Tracer.Span, error: CallError) => span.attribute("error.type", error._tag)

const annotate = (span: Tracer.Span, exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>) => {
  if (Exit.isSuccess(exit)) return annotateResponse(span, exit.value)
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) annotateError(span, failure.value)
}

/**
 * The span made at once in the step of `fiber` that calls the hook, as `Effect.makeSpan`
 * makes it (the parent from the fiber's context, the fiber's span annotations and links,
 * its tracer), without the runtime step of `makeSpan`; `undefined` when the tracer is
 * disabled or the parent does not propagate (then `Effect.makeSpan` makes it).
 */
const spanNow = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  session: Session.Session,
  name: string,
  options: Tracer.SpanOptions
): Tracer.Span | undefined => {
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return undefined
  const parent = Context.getOption(fiber.getFiberRef(FiberRef.currentContext), Tracer.ParentSpan)
  if (Option.isSome(parent) && Context.get(parent.value.context, Tracer.DisablePropagation)) return undefined
  const timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  const span = fiber.currentTracer.span(
    name,
    parent,
    Context.empty(),
    Chunk.toReadonlyArray(fiber.getFiberRef(FiberRef.currentTracerSpanLinks)),
    timing ? session.clock.unsafeCurrentTimeNanos() : BigInt(0),
    options.kind ?? "internal",
    options
  )
  const annotations = fiber.getFiberRef(FiberRef.currentTracerSpanAnnotations)
  if (HashMap.size(annotations) > 0) HashMap.forEach(annotations, (value, key) => span.attribute(key, value))
  const attributes = options.attributes
  if (attributes !== undefined) { for (const key in attributes) span.attribute(key, attributes[key]) }
  return span
}

/**
 * Sets the fiber's context from inside one of its steps: the runtime fiber's own
 * `setFiberRef` (what `FiberRef.set` runs, without the runtime steps of an Effect: ~2 per
 * set, each paying an OpenTelemetry context inside a span); `undefined` if the runtime has
 * none (then `FiberRef.set` is used).
 */
const setter = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>
): ((context: Context.Context<never>) => void) | undefined => {
  const runtime = fiber as unknown as {
    setFiberRef?: <A>(ref: FiberRef.FiberRef<A>, value: A) => void
  }
  if (typeof runtime.setFiberRef !== "function") return undefined
  return (context) => runtime.setFiberRef!(FiberRef.currentContext, context)
}

/**
 * Runs `use` in `span`, the parent of every span made inside it, and ends the span (after
 * `onEnd`) when `use` ends, whichever way. The same as `Effect.useSpan` with
 * `Effect.withParentSpan` inside, in fewer runtime steps: while a span is the fiber's
 * current one, an OpenTelemetry tracer enters an OpenTelemetry context around every
 * runtime step (`Tracer.context`), so each step saved inside the span is saved twice.
 * The span is put on the fiber's context in the step that calls the hook (the fiber's
 * `setFiberRef`, see `setter`) and taken back off in the one continuation that also ends
 * it (`withParentSpan` alone costs a region of ~25 steps, `Effect.onExit` ~9); an
 * interruption, which Effect's continuations skip, ends the span from a fiber observer
 * when the fiber ends (as the core's `enterSend` regions give back what they took).
 */
const around = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  session: Session.Session,
  span: Tracer.Span,
  use: (span: Tracer.Span) => Plugin.Send,
  onEnd: (span: Tracer.Span, exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>) => void
): Plugin.Send => {
  const outer = fiber.getFiberRef(FiberRef.currentContext)
  const timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  let over = false
  const end = (exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>) => {
    if (over) return
    over = true
    if (span.status._tag === "Ended") return
    onEnd(span, exit)
    span.end(timing ? session.clock.unsafeCurrentTimeNanos() : BigInt(0), exit)
  }
  // the fiber ended without the continuation (interrupted): the span ends with the interruption
  const onFiberEnd = (exit: Exit.Exit<unknown, unknown>) =>
    end(Exit.isFailure(exit) ? exit as Exit.Exit<never, CallError> : Exit.interrupt(fiber.id()))
  fiber.addObserver(onFiberEnd)
  const withSpan = Context.add(outer, Tracer.ParentSpan, span)
  // on the fiber's context in this step (it runs what the hook answers at once) and back off
  // in the continuation; by `FiberRef.set` Effects if the runtime has no `setFiberRef`
  const set = setter(fiber)
  if (set !== undefined) set(withSpan)
  let inner: Plugin.Send
  try {
    inner = use(span)
  } catch (defect) {
    inner = Effect.die(defect)
  }
  const restore = set === undefined ? FiberRef.set(FiberRef.currentContext, outer) : undefined
  const finish = <A, E>(exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>, result: Effect.Effect<A, E>) => {
    if (set !== undefined) set(outer)
    fiber.removeObserver(onFiberEnd)
    end(exit)
    return restore === undefined ? result : Effect.zipRight(restore, result)
  }
  return Effect.matchCauseEffect(
    set === undefined ? Effect.zipRight(FiberRef.set(FiberRef.currentContext, withSpan), inner) : inner,
    {
      onFailure: (cause) => finish(Exit.failCause(cause), Effect.failCause(cause)),
      onSuccess: (response) => finish(Exit.succeed(response), Effect.succeed(response))
    }
  )
}

/**
 * Runs `use` in a new span (see `around`). Called when the send (or the attempt) starts,
 * inside the step of the fiber that runs it, like the core's hooks: that fiber is the one
 * whose context carries the span (no `withFiberRuntime` step to find it).
 */
const inSpan = (
  session: Session.Session,
  name: string,
  options: Tracer.SpanOptions,
  use: (span: Tracer.Span) => Plugin.Send,
  onEnd: (span: Tracer.Span, exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>) => void
): Plugin.Send => {
  const enter = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Plugin.Send => {
    const span = spanNow(fiber, session, name, options)
    return span !== undefined
      ? around(fiber, session, span, use, onEnd)
      : Effect.flatMap(Effect.makeSpan(name, options), (made) => around(fiber, session, made, use, onEnd))
  }
  const current = Fiber.getCurrentFiber()
  return Option.isSome(current) ? enter(current.value) : Effect.withFiberRuntime(enter)
}

/** Whether the call's own input removes or sets the header (`headers: { traceparent: null }` opts out). */
const callSetsTraceparent = (session: Session.Session): boolean => {
  const headers = session.input.headers
  if (typeof headers !== "object" || headers === null) return false
  for (const name in headers) {
    if (name.toLowerCase() === "traceparent") return true
  }
  return false
}

/**
 * The Tracing plugin (an `aroundSend` hook). List it first, so the call span covers the
 * time spent in Timeout, Retry (one child span per attempt), Pool and RateLimit. The span
 * covers the send and the body read, not the decoding. Listed after Retry, it makes one
 * span per attempt instead (no common parent).
 *
 * **Example** (Spans to OpenTelemetry)
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl: "http://127.0.0.1:8080",
 *   plugins: [Tracing.make(), Retry.make()]
 * })
 * // provide NodeSdk.layer(...) from @effect/opentelemetry, or any Tracer
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const propagateOn = options.propagate !== false
  const attemptSpans = options.attemptSpans !== false
  const extra = options.attributes

  const propagate = (session: Session.Session, span: Tracer.Span, owned: { value: string | undefined }) => {
    if (!propagateOn) return
    const current = session.headers["traceparent"]
    if (current !== undefined && current !== owned.value) return
    if (owned.value === undefined && callSetsTraceparent(session)) return
    // W3C trace context, as `HttpTraceContext.toHeaders(span).traceparent` writes it (without its b3 header and Headers object)
    owned.value = `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
    session.headers["traceparent"] = owned.value
  }

  // the traceparent this plugin set on a session: replaced on the next attempt, unlike the
  // call's own (a hidden attribute of the session: a WeakMap entry per call costs the GC more)
  const ownedBySession = Attribute.make<{ value: string | undefined }>("Tracing.traceparent", { hidden: true })

  return Plugin.make("Tracing", {
    // called by the core when the send starts (once per run): no Effect.suspend needed
    aroundSend: (session, send) => {
      const name = `${session.service}.${session.endpoint}`
      const attributes: Record<string, unknown> = {
        "http.request.method": session.method,
        "url.template": session.definition.path,
        ...extra
      }
      // secret query values (the client's `redact` names) never reach a span
      urlAttributes(Render.text(Redact.url(session.url, session.redaction), Render.maxUrlLength), attributes)
      const token = trackingToken.get(session)
      if (token !== undefined) attributes[trackingTokenAttribute] = token
      const key = idempotencyKey.get(session)
      if (key !== undefined) attributes["service_client.idempotency_key"] = key
      let owned = ownedBySession.get(session)
      if (owned === undefined) {
        owned = { value: undefined }
        ownedBySession.set(session, owned)
      }
      // listed after Retry, this hook runs once per attempt: each attempt is a span of its own
      const attempt = attemptsAttribute.get(session)
      if (attempt !== undefined) attributes["service_client.attempt"] = attempt
      return inSpan(session, name, { kind: "client", attributes, captureStackTrace: false }, (span) => {
        // the resilience plugins' attributes and events go on this span
        callSpan.set(session, span)
        if (attemptSpans && attempt === undefined) {
          Attempt.register(session, (attempt, attemptSend) =>
            inSpan(session, `${name} attempt`, {
              kind: "client",
              attributes: attempt > 1
                ? { "service_client.attempt": attempt, "http.request.resend_count": attempt - 1 }
                : { "service_client.attempt": attempt },
              captureStackTrace: false
            }, (child) => {
              propagate(session, child, owned)
              return attemptSend
            }, annotate))
        }
        propagate(session, span, owned)
        return send
      }, (span, exit) => {
        annotate(span, exit)
        const attempts = attemptsAttribute.get(session)
        if (attempts !== undefined) span.attribute("service_client.attempts", attempts)
        const hedged = hedge.get(session)
        if (hedged !== undefined) span.attribute("service_client.hedge", hedged)
      })
    }
  }, { honoursDeadline: true })
}
