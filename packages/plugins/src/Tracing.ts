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
import { HttpTraceContext } from "@effect/platform"
import { type CallError, Plugin, Redact, type ServiceResponse, type Session } from "@service-client/core"
import { Cause, Context, Effect, Exit, FiberRef, Option, Tracer } from "effect"
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
 * Runs `use` in a new span that is the parent of every span made inside it, and ends the
 * span (after `onEnd`) when `use` ends, whichever way. The same as `Effect.useSpan` with
 * `Effect.withParentSpan` inside, but the parent is put on the fiber's context and taken
 * back off in the one exit handler that also ends the span: `withParentSpan` alone costs
 * a region of ~25 runtime steps per span (`Effect.locally`'s acquire/use/release). The
 * span ends in the exit handler itself (no `Effect.sync` step): while a span is the
 * fiber's current one, an OpenTelemetry tracer wraps every runtime step in its context,
 * so each step saved inside the span is saved twice.
 */
const inSpan = (
  session: Session.Session,
  name: string,
  options: Tracer.SpanOptions,
  use: (span: Tracer.Span) => Plugin.Send,
  onEnd: (span: Tracer.Span, exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>) => void
): Plugin.Send =>
  Effect.flatMap(Effect.makeSpan(name, options), (span) => {
    // the context before the span was put on it: set inside the guarded effect, so an
    // interruption before it runs leaves nothing to restore
    let outer: Context.Context<never> | undefined
    let timing = true
    return Effect.onExit(
      Effect.withFiberRuntime<ServiceResponse.ServiceResponse, CallError>((fiber) => {
        outer = fiber.getFiberRef(FiberRef.currentContext)
        timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
        return Effect.zipRight(
          FiberRef.set(FiberRef.currentContext, Context.add(outer, Tracer.ParentSpan, span)),
          use(span)
        )
      }),
      (exit) => {
        if (span.status._tag !== "Ended") {
          onEnd(span, exit)
          span.end(timing ? session.clock.unsafeCurrentTimeNanos() : BigInt(0), exit)
        }
        return outer === undefined ? Effect.void : FiberRef.set(FiberRef.currentContext, outer)
      }
    )
  })

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
    owned.value = HttpTraceContext.toHeaders(span)["traceparent"]!
    session.headers["traceparent"] = owned.value
  }

  // the traceparent this plugin set on a session: replaced on the next attempt, unlike the call's own
  const ownedBySession = new WeakMap<Session.Session, { value: string | undefined }>()

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
      urlAttributes(Redact.url(session.url, session.redaction), attributes)
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
