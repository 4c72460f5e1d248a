/**
 * Coalesce: identical calls in flight at the same time share one request. A call to the
 * same method and URL, with the same request headers (but for the per-call ones: trace
 * context, tracking tokens), that starts while another is in flight waits for that one's
 * response instead of sending its own; each caller then parses it and gets its own
 * `ServiceResponse`. Only idempotent methods (GET and HEAD by default) are coalesced.
 *
 * @since 0.1.0
 */
import type { CallError, Endpoint, Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"
import * as Deadline from "@service-client/core/Deadline"
import { ClientClosed } from "@service-client/core/Errors"
import * as Plugin from "@service-client/core/Plugin"
import type { ServiceResponse } from "@service-client/core/ServiceResponse"
import * as Setting from "@service-client/core/Setting"
import { Deferred, Effect, Fiber, FiberId, Schema, type Scope } from "effect"
import * as Observe from "./internal/observe.js"
import { invalid } from "./internal/options.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The methods coalesced. Default `["GET", "HEAD"]`. */
  readonly methods?: ReadonlyArray<Endpoint.Method> | undefined
  /**
   * Only these endpoints (by name) are coalesced. Default: every endpoint with one of
   * `methods`. A call that leads a shared request runs it in a fiber of its own (~15-25 µs
   * of CPU, bench/resilience.ts): name the endpoints where identical calls overlap.
   */
  readonly endpoints?: ReadonlyArray<string> | undefined
  /**
   * Request headers (any case) that do not make two calls different, besides
   * {@link defaultIgnoredHeaders}. Every other header is part of a call's identity.
   */
  readonly ignoreHeaders?: ReadonlyArray<string> | undefined
}

/**
 * Headers that differ per call without changing the answer: trace context, request ids,
 * tracking tokens, idempotency keys.
 *
 * @since 0.1.0
 */
export const defaultIgnoredHeaders: ReadonlyArray<string> = [
  "traceparent",
  "tracestate",
  "baggage",
  "x-request-id",
  "x-correlation-id",
  "x-tracking-token",
  "idempotency-key"
]

/**
 * The endpoint setting `coalesce`: `true` coalesces the endpoint whatever the plugin's
 * `methods` and `endpoints`, `false` never.
 *
 * @since 0.1.0
 * @category settings
 */
export const setting = Setting.make("coalesce", Schema.Boolean)

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** Coalesce: `true` shares identical in-flight calls of this endpoint, `false` never. */
    readonly coalesce?: boolean | undefined
  }
}

/**
 * `attributes.coalesced`: `true` on a call that shared another's request.
 *
 * @since 0.1.0
 * @category attributes
 */
export const coalesced: Attribute.Attribute<boolean> = Attribute.make<boolean>("coalesced")

const joins = Observe.counter(
  "service_client.coalesce.joins",
  "Calls that shared another call's request instead of sending their own",
  ["service", "endpoint"]
)

/**
 * The plugin's metric (an Effect `Metric` counter, shared by every Coalesce of the
 * program): `service_client.coalesce.joins` (tags `service`, `endpoint`): calls that
 * shared another call's request.
 *
 * @since 0.3.0
 * @category metrics
 */
export const metrics = { joins: joins.metric }

interface InFlight {
  readonly result: Deferred.Deferred<ServiceResponse, CallError>
  fiber: Fiber.RuntimeFiber<unknown> | undefined
  /** The callers waiting for the result, the first included. */
  waiting: number
}

/** The identity of a call: method, URL and the headers that matter, in name order. */
const identity = (session: Session.Session, ignored: ReadonlySet<string>): string => {
  const headers = session.headers
  const names: Array<string> = []
  for (const name in headers) {
    if (!ignored.has(name) && headers[name] != null) names.push(name)
  }
  let key = `${session.method} ${session.url}`
  if (names.length === 0) return key
  names.sort()
  // JSON escaping keeps a value from imitating another header
  for (const name of names) key += `\n${name}:${JSON.stringify(headers[name])}`
  return key
}

/** The shared response as a response of this caller's session (its own attributes, its own parse). */
const asOwn = (response: ServiceResponse, session: Session.Session): ServiceResponse =>
  Object.assign(Object.create(Object.getPrototypeOf(response)), response, { attributes: session.attributes })

/**
 * Builds the plugin in the client's scope (a shared request runs in a fiber of that
 * scope: closing the client interrupts it). List it before Retry (callers share the whole
 * retried exchange) and before Pool and RateLimit (a shared request takes one permit).
 *
 * - Interrupting a caller (or its timeout) never cancels the request the others wait for;
 *   when every caller has left, the request is interrupted.
 * - The callers share the outcome of the first caller's send, its failure too (a
 *   `TimeoutError` of the first caller's deadline included); each caller's own deadline
 *   still bounds its wait.
 * - A `streamResponse` endpoint is never coalesced (a body stream has one reader).
 * - A caller that shared another's request has `attributes.coalesced = true`.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl,
 *   plugins: [Coalesce.make(), Retry.make(), Pool.make({ limit: 10 })]
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Plugin.Plugin, never, Scope.Scope> => {
  if (options.methods !== undefined && !Array.isArray(options.methods)) {
    invalid("Coalesce", "methods", "expected a list")
  }
  if (options.ignoreHeaders !== undefined && !Array.isArray(options.ignoreHeaders)) {
    invalid("Coalesce", "ignoreHeaders", "expected a list of header names")
  }
  const methods: ReadonlySet<string> = new Set(options.methods ?? ["GET", "HEAD"])
  if (options.endpoints !== undefined && !Array.isArray(options.endpoints)) {
    invalid("Coalesce", "endpoints", "expected a list")
  }
  const endpoints = options.endpoints === undefined ? undefined : new Set(options.endpoints)
  const ignored: ReadonlySet<string> = new Set(
    [...defaultIgnoredHeaders, ...(options.ignoreHeaders ?? [])].map((h) => String(h).toLowerCase())
  )
  return Effect.map(
    // the shared requests still running when the client closes are interrupted (their callers get ClientClosed)
    Effect.acquireRelease(
      Effect.sync(() => new Map<string, InFlight>()),
      (inFlight) =>
        Effect.forEach(inFlight.values(), (e) => e.fiber === undefined ? Effect.void : Fiber.interrupt(e.fiber), {
          discard: true
        })
    ),
    (inFlight) => {
      const leave = (key: string, entry: InFlight) =>
        Effect.suspend(() => {
          if (--entry.waiting > 0) return Effect.void
          // the last caller left: nobody wants the answer any more
          if (inFlight.get(key) === entry) inFlight.delete(key)
          return entry.fiber === undefined ? Effect.void : Fiber.interruptFork(entry.fiber)
        })

      const wait = (session: Session.Session, key: string, entry: InFlight, shared: boolean): Plugin.Send => {
        const awaited = Effect.onInterrupt(Deferred.await(entry.result), () => leave(key, entry))
        const bounded = session.deadline === undefined ? awaited : Deadline.bound(awaited, session)
        return shared ? Effect.map(bounded, (response) => asOwn(response, session)) : bounded
      }

      return Plugin.make("Coalesce", {
        aroundSend: (session, send) => {
          const wanted = setting.fromEndpoint(session)
          if (
            wanted === false || session.definition.streamResponse === true ||
            (wanted === undefined &&
              (!methods.has(session.method) || (endpoints !== undefined && !endpoints.has(session.endpoint))))
          ) return send
          const key = identity(session, ignored)
          // joining or starting happens in one uninterruptible step: no entry without its fiber
          return Effect.uninterruptibleMask((restore) => {
            const found = inFlight.get(key)
            if (found !== undefined) {
              found.waiting++
              coalesced.set(session, true)
              joins.increment(session.service, session.endpoint)
              Observe.spanAttribute(session, "service_client.coalesced", true)
              return restore(wait(session, key, found, true))
            }
            const entry: InFlight = { result: Deferred.unsafeMake(FiberId.none), fiber: undefined, waiting: 1 }
            inFlight.set(key, entry)
            const shared = Effect.onInterrupt(
              Effect.flatMap(Effect.exit(send), (exit) => {
                if (inFlight.get(key) === entry) inFlight.delete(key)
                return Deferred.done(entry.result, exit)
              }),
              // the client closed under it (or every caller left)
              () =>
                Deferred.fail(entry.result, new ClientClosed({ service: session.service, endpoint: session.endpoint }))
            )
            // the request runs in the client's scope, not in this caller's fiber: its interruption is the callers' to decide
            // (interruptible: a fiber forked here would inherit this step's uninterruptibility;
            // a daemon: forkIn would add and remove a scope finalizer per call, the map is enough)
            return Effect.flatMap(Effect.forkDaemon(Effect.interruptible(shared)), (fiber) => {
              entry.fiber = fiber
              return restore(wait(session, key, entry, false))
            })
          })
        }
      }, { honoursDeadline: true, settings: [setting] })
    }
  )
}
