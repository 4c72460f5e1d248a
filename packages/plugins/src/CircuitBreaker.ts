/**
 * CircuitBreaker: stops calling a service that keeps failing. Per service, endpoint or
 * origin, a circuit counts the outcomes of the last calls (or of the last seconds); when
 * the share of failures reaches `failureRate` it opens, and every call fails at once with
 * `CircuitOpen` (naming the time until the next probe) instead of adding load to a
 * struggling server. After `openFor` it lets `probes` calls through (half-open): their
 * success closes it, a failure opens it again. Retry never schedules an attempt into an
 * open circuit.
 *
 * @since 0.1.0
 */
import type { CallError, Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"
import { RequestError, safeDisplay, TimeoutError } from "@service-client/core/Errors"
import * as Plugin from "@service-client/core/Plugin"
import * as Render from "@service-client/core/Render"
import type { ServiceResponse } from "@service-client/core/ServiceResponse"
import * as Setting from "@service-client/core/Setting"
import { type Cause, Data, Duration, Effect, Schema } from "effect"
import * as CircuitStore from "./CircuitStore.js"
import { setGate, type State, type Thresholds, type Transition } from "./internal/circuit.js"
import * as Observe from "./internal/observe.js"
import { durationOption, invalid, wholeNumber } from "./internal/options.js"

export type {
  /**
   * `"closed"` (calls pass and are counted), `"open"` (calls are refused), `"half-open"`
   * (probe calls pass).
   *
   * @since 0.1.0
   * @category models
   */
  State
} from "./internal/circuit.js"

/**
 * The call was refused without I/O: its circuit is open (`retryIn`: the time until the
 * next probe), or half-open with every probe already in flight (`retryIn` zero).
 *
 * @since 0.1.0
 * @category errors
 */
export class CircuitOpen extends Data.TaggedError("CircuitOpen")<{
  readonly service: string
  readonly endpoint: string
  /** The circuit's key: the service, `service.endpoint` or the origin (see {@link Options.scope}). */
  readonly circuit: string
  readonly state: "open" | "half-open"
  readonly retryIn: Duration.Duration
}> {
  override get message() {
    const why = this.state === "open"
      ? `is open; next probe in ${Duration.format(this.retryIn)}`
      : "is half-open and its probes are in flight"
    return `${this.service}.${this.endpoint}: the circuit "${this.circuit}" ${why}`
  }
}
safeDisplay(CircuitOpen)

/**
 * `attributes.circuit`: the state the call found its circuit in, or the state its outcome
 * moved the circuit to.
 *
 * @since 0.1.0
 * @category attributes
 */
export const circuit: Attribute.Attribute<State> = Attribute.make<State>("circuit")
const circuitAttribute = circuit

/**
 * The endpoint setting `circuitBreaker`: `false` keeps the endpoint out of every circuit
 * (a health check, an endpoint with its own failure semantics).
 *
 * @since 0.1.0
 * @category settings
 */
export const setting = Setting.make("circuitBreaker", Schema.Boolean)

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** CircuitBreaker: `false` keeps this endpoint out of the breaker. */
    readonly circuitBreaker?: boolean | undefined
  }
}

const transitions = Observe.counter(
  "service_client.circuit.transitions",
  "Circuit breaker state changes seen by this process's calls",
  ["circuit", "from", "to"]
)
const rejections = Observe.counter(
  "service_client.circuit.rejections",
  "Calls refused by an open (or busy half-open) circuit",
  ["service", "endpoint", "circuit", "state"]
)

/**
 * The breaker's metrics (Effect `Metric` counters, shared by every breaker of the
 * program): `service_client.circuit.transitions` (tags `circuit`, `from`, `to`: each
 * transition a call of this process caused) and `service_client.circuit.rejections`
 * (tags `service`, `endpoint`, `circuit`, `state`: calls refused without I/O). Read them
 * with `Metric.snapshot` or export them like the Metrics plugin's.
 *
 * @since 0.3.0
 * @category metrics
 */
export const metrics = { transitions: transitions.metric, rejections: rejections.metric }

/**
 * @since 0.1.0
 * @category guards
 */
export const isCircuitOpen = (u: unknown): u is CircuitOpen => u instanceof CircuitOpen

/**
 * An outcome that counts as a failure: `"transport"` (connection refused or reset, a body
 * cut short), `"timeout"` (`TimeoutError`), `"5xx"` (any status 500-599), `"429"`, or one
 * status.
 *
 * @since 0.1.0
 * @category models
 */
export type FailureKind = "transport" | "timeout" | "5xx" | "429" | number

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * What shares one circuit: `"service"` (every endpoint of the client, the default),
   * `"endpoint"` (each endpoint its own), `"origin"` (every client of this plugin value
   * that calls the same scheme, host and port).
   */
  readonly scope?: "service" | "endpoint" | "origin" | undefined
  /**
   * The calls the failure rate is measured over: the last `calls` (default 20), or those
   * of the last `duration`, counted in `buckets` slices (default 10).
   */
  readonly window?:
    | { readonly calls: number }
    | { readonly duration: Duration.DurationInput; readonly buckets?: number | undefined }
    | undefined
  /** The share of failures (0 to 1] that opens the circuit. Default 0.5. */
  readonly failureRate?: number | undefined
  /** No decision before this many calls in the window. Default 10 (at most the window's `calls`). */
  readonly minimumCalls?: number | undefined
  /** How long the circuit stays open before a probe. Default 30 seconds. */
  readonly openFor?: Duration.DurationInput | undefined
  /** The probes let through when half-open; that many successes close the circuit. Default 1. */
  readonly probes?: number | undefined
  /** What counts as a failure. Default `["transport", "timeout", "5xx"]`. */
  readonly failOn?: ReadonlyArray<FailureKind> | undefined
  /**
   * Where the circuits live: `CircuitStore.memory` (this process, the default), or a store
   * shared by processes (`RedisCircuit.store` of @service-client/redis).
   */
  readonly store?: CircuitStore.Store | undefined
}

/**
 * The plugin, with a way to read a circuit's state (health checks, tests).
 *
 * @since 0.1.0
 * @category models
 */
export interface CircuitBreaker extends Plugin.Plugin<CircuitOpen> {
  /** The state of the circuit with this key (`"closed"` for one never used). */
  readonly state: (circuit: string) => State
}

/**
 * The defaults (a client-side breaker reacts faster than a server-side one):
 * 20 calls, at least 10 of them, half failing; open for 30 s; one probe.
 *
 * @since 0.1.0
 * @category models
 */
export const defaults = {
  scope: "service",
  window: { calls: 20 },
  failureRate: 0.5,
  minimumCalls: 10,
  openFor: Duration.seconds(30),
  probes: 1,
  failOn: ["transport", "timeout", "5xx"] as ReadonlyArray<FailureKind>
} as const

const thresholds = (options: Options): Thresholds => {
  const w = options.window ?? defaults.window
  let window: Thresholds["window"]
  if (typeof w !== "object" || w === null) {
    return invalid("CircuitBreaker", "window", "expected { calls } or { duration }")
  }
  if ("calls" in w) window = { _tag: "Count", size: wholeNumber("CircuitBreaker", "window.calls", w.calls, 1, 20) }
  else {
    const d = durationOption("CircuitBreaker", "window.duration", w.duration)
    if (d === undefined || Duration.toMillis(d) <= 0) {
      return invalid("CircuitBreaker", "window.duration", "expected a finite duration > 0")
    }
    window = {
      _tag: "Time",
      ms: Duration.toMillis(d),
      buckets: wholeNumber("CircuitBreaker", "window.buckets", w.buckets, 1, 10)
    }
  }
  const failureRate = options.failureRate ?? defaults.failureRate
  if (typeof failureRate !== "number" || !(failureRate > 0 && failureRate <= 1)) {
    return invalid("CircuitBreaker", "failureRate", `expected a number in (0, 1], got ${String(failureRate)}`)
  }
  const fallbackMinimum = window._tag === "Count" ? Math.min(defaults.minimumCalls, window.size) : defaults.minimumCalls
  const minimumCalls = wholeNumber("CircuitBreaker", "minimumCalls", options.minimumCalls, 1, fallbackMinimum)
  if (window._tag === "Count" && minimumCalls > window.size) {
    return invalid("CircuitBreaker", "minimumCalls", `expected at most window.calls (${window.size})`)
  }
  const openFor = durationOption("CircuitBreaker", "openFor", options.openFor ?? defaults.openFor)
  if (openFor === undefined) return invalid("CircuitBreaker", "openFor", "expected a finite duration")
  return {
    window,
    failureRate,
    minimumCalls,
    openFor: Duration.toMillis(openFor),
    probes: wholeNumber("CircuitBreaker", "probes", options.probes, 1, defaults.probes)
  }
}

/** The classification of outcomes: which errors and statuses count as failures. */
const classifier = (failOn: ReadonlyArray<FailureKind>) => {
  if (!Array.isArray(failOn)) return invalid("CircuitBreaker", "failOn", "expected a list")
  let transport = false
  let timeout = false
  let serverErrors = false
  const statuses = new Set<number>()
  for (const kind of failOn) {
    if (kind === "transport") transport = true
    else if (kind === "timeout") timeout = true
    else if (kind === "5xx") serverErrors = true
    else if (kind === "429") statuses.add(429)
    else if (typeof kind === "number" && Number.isInteger(kind) && kind >= 100 && kind <= 599) statuses.add(kind)
    else return invalid("CircuitBreaker", "failOn", `unknown kind ${JSON.stringify(kind)}`)
  }
  return {
    status: (status: number): boolean => (serverErrors && status >= 500 && status <= 599) || statuses.has(status),
    /** `true` a failure, `undefined` not an outcome of the service (a limiter's refusal, a bad input...). */
    error: (error: CallError): boolean | undefined =>
      error instanceof RequestError
        ? (error.reason === "Transport" ? transport || undefined : undefined)
        : error instanceof TimeoutError
        ? timeout || undefined
        : undefined
  }
}

const originOf = (url: string): string => {
  const slash = url.indexOf("/", url.indexOf("//") + 2)
  return slash === -1 ? url : url.slice(0, slash)
}

/**
 * Builds the breaker (its circuits live as long as this value: one value given to two
 * clients shares their `"origin"` circuits). The state a call found is put on
 * `attributes.circuit` (`"closed"`, `"open"`, `"half-open"`), so loggers print it; a
 * refused call fails with {@link CircuitOpen} before any I/O. A transition is logged
 * (Warning when a circuit opens, Info when it closes) with the circuit's key.
 *
 * Outcomes that are neither a failure nor a success are not counted: a call refused by
 * Pool or RateLimit, an invalid input, an interrupted call (an interrupted probe frees
 * its place). List it after Retry, so each attempt is one outcome, and before Pool and
 * RateLimit, so a refused call takes no permit.
 *
 * Throws a `SpecError` for bad options.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl,
 *   plugins: [
 *     Retry.make(),
 *     CircuitBreaker.make({ window: { duration: "30 seconds" }, failureRate: 0.5, openFor: "10 seconds" }),
 *     Pool.make({ limit: 10 })
 *   ]
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): CircuitBreaker => {
  const t = thresholds(options)
  const classify = classifier(options.failOn ?? defaults.failOn)
  const scope = options.scope ?? defaults.scope
  if (scope !== "service" && scope !== "endpoint" && scope !== "origin") {
    return invalid("CircuitBreaker", "scope", `expected "service", "endpoint" or "origin", got ${String(scope)}`)
  }
  const store = options.store ?? CircuitStore.memory
  if (typeof store !== "object" || store === null || typeof store.make !== "function") {
    return invalid("CircuitBreaker", "store", "expected a CircuitStore.Store")
  }
  type Circuit = CircuitStore.Circuit
  const circuits = new Map<string, Circuit>()
  const byEndpoint = new Map<string, Map<string, Circuit>>()

  const circuitFor = (session: Session.Session): Circuit => {
    if (scope === "endpoint") {
      let endpoints = byEndpoint.get(session.service)
      if (endpoints === undefined) byEndpoint.set(session.service, endpoints = new Map())
      let circuit = endpoints.get(session.endpoint)
      if (circuit === undefined) {
        const key = `${session.service}.${session.endpoint}`
        circuit = store.make(key, t)
        endpoints.set(session.endpoint, circuit)
        circuits.set(key, circuit)
      }
      return circuit
    }
    const key = scope === "service" ? session.service : originOf(session.url)
    let circuit = circuits.get(key)
    if (circuit === undefined) circuits.set(key, circuit = store.make(key, t))
    return circuit
  }

  // a transition this call caused is on its attributes too (a ResponseError carries them)
  const announce = (
    session: Session.Session,
    circuit: Circuit,
    change: Transition | Effect.Effect<Transition>
  ): Effect.Effect<void> => {
    if (change === undefined) return Effect.void
    if (Effect.isEffect(change)) return Effect.flatMap(change, (change) => announce(session, circuit, change))
    circuitAttribute.set(session, change.to)
    transitions.increment(circuit.key, change.from, change.to)
    Observe.spanEvent(session, "circuit_breaker.transition", {
      "service_client.circuit": circuit.key,
      "service_client.circuit.from": change.from,
      "service_client.circuit.to": change.to
    })
    // the key holds the service's and endpoint's names: one escaped, bounded line
    const key = Render.text(circuit.key, 200)
    const annotations = { circuit: key, from: change.from, to: change.to }
    if (change.to === "open") {
      const why = change.calls === undefined
        ? "a probe failed"
        : `${change.failures} of the last ${change.calls} calls failed`
      return Effect.annotateLogs(
        Effect.logWarning(`circuit "${key}" opened: ${why}; next probe in ${Duration.format(t.openFor)}`),
        annotations
      )
    }
    return Effect.annotateLogs(Effect.logInfo(`circuit "${key}" closed`), annotations)
  }

  const failedResponse = (response: ServiceResponse) => classify.status(response.status)
  const failedCause = (cause: Cause.Cause<CallError>): boolean | undefined =>
    cause._tag === "Fail" ? classify.error(cause.error) : undefined

  const closed = (session: Session.Session, circuit: Circuit, send: Plugin.Send): Plugin.Send => {
    const generation = circuit.generation
    return Effect.matchCauseEffect(send, {
      onFailure: (cause) => {
        const failed = failedCause(cause)
        if (failed === undefined || circuit.generation !== generation) return Effect.failCause(cause)
        const change = circuit.record(true, session.clock.unsafeCurrentTimeMillis())
        return change === undefined
          ? Effect.failCause(cause)
          : Effect.zipRight(announce(session, circuit, change), Effect.failCause(cause))
      },
      onSuccess: (response) => {
        if (circuit.generation !== generation) return Effect.succeed(response)
        const change = circuit.record(failedResponse(response), session.clock.unsafeCurrentTimeMillis())
        return change === undefined ? Effect.succeed(response) : Effect.as(announce(session, circuit, change), response)
      }
    })
  }

  // a probe frees its place however it ends (interrupted too)
  const probe = (session: Session.Session, circuit: Circuit, send: Plugin.Send): Plugin.Send => {
    const generation = circuit.generation
    return Effect.onExit(send, (exit) => {
      if (circuit.generation !== generation) return Effect.void
      const failed = exit._tag === "Success"
        ? failedResponse(exit.value)
        : failedCause(exit.cause)
      return announce(session, circuit, circuit.probed(failed, session.clock.unsafeCurrentTimeMillis()))
    })
  }

  const refused = (session: Session.Session, circuit: Circuit, retryIn: number): Effect.Effect<never, CircuitOpen> => {
    const state = circuit.state
    circuitAttribute.set(session, state)
    rejections.increment(session.service, session.endpoint, circuit.key, state)
    Observe.spanAttribute(session, "service_client.circuit.state", state)
    Observe.spanEvent(session, "circuit_breaker.rejected", {
      "service_client.circuit": circuit.key,
      "service_client.circuit.retry_in_ms": retryIn
    })
    return Effect.fail(
      new CircuitOpen({
        service: session.service,
        endpoint: session.endpoint,
        circuit: circuit.key,
        state: circuit.state === "open" ? "open" : "half-open",
        retryIn: Duration.millis(retryIn)
      })
    )
  }

  const entered = (
    session: Session.Session,
    circuit: Circuit,
    send: Plugin.Send,
    entered: CircuitStore.Entered
  ): Effect.Effect<ServiceResponse, CallError | CircuitOpen> => {
    if (entered === "closed") {
      circuitAttribute.set(session, "closed")
      return closed(session, circuit, send)
    }
    if (entered === "half-open") {
      circuitAttribute.set(session, "half-open")
      Observe.spanAttribute(session, "service_client.circuit.state", "half-open")
      Observe.spanEvent(session, "circuit_breaker.probe", { "service_client.circuit": circuit.key })
      return probe(session, circuit, send)
    }
    return refused(session, circuit, entered)
  }

  const plugin = Plugin.make("CircuitBreaker", {
    aroundSend: (session, send) => {
      if (setting.fromEndpoint(session) === false) return send
      const circuit = circuitFor(session)
      setGate(session, circuit)
      const entry = circuit.enter(session.clock.unsafeCurrentTimeMillis())
      return Effect.isEffect(entry)
        ? Effect.flatMap(entry, (entry) => entered(session, circuit, send, entry))
        : entered(session, circuit, send, entry)
    }
  }, { honoursDeadline: true, settings: [setting] })
  return Object.assign(plugin, { state: (key: string): State => circuits.get(key)?.state ?? "closed" })
}
