/**
 * One circuit of the CircuitBreaker: its state, its window of outcomes (the last N calls,
 * or the calls of the last T ms in buckets), and the gate Retry reads on the session so
 * that it never schedules an attempt into an open circuit.
 *
 * @internal
 */
import type { Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"

/** @internal */
export type State = "closed" | "open" | "half-open"

/**
 * What a circuit tells Retry: whether an attempt at `at` (ms, session clock) would be
 * refused. Put on the session as a hidden attribute by the breaker (loggers do not see it).
 *
 * @internal
 */
export interface Gate {
  readonly refuses: (at: number) => boolean
}

/** The gate, a hidden attribute (loggers do not print it). @internal */
export const gateAttribute: Attribute.Attribute<Gate> = Attribute.make<Gate>("circuitGate", { hidden: true })

/** The gate of the session's circuit, if a breaker put one there. @internal */
export const gate = (session: Session.Session): Gate | undefined => gateAttribute.get(session)

/** @internal */
export const setGate = (session: Session.Session, gate: Gate): void => gateAttribute.set(session, gate)

/** How the failure rate is measured. @internal */
export type Window =
  | { readonly _tag: "Count"; readonly size: number }
  | { readonly _tag: "Time"; readonly ms: number; readonly buckets: number }

/** @internal */
export interface Thresholds {
  readonly window: Window
  readonly failureRate: number
  readonly minimumCalls: number
  readonly openFor: number
  readonly probes: number
}

/** The outcomes of the last `size` calls, as a ring. */
class CountWindow {
  private readonly ring: Uint8Array
  private next = 0
  calls = 0
  failures = 0
  constructor(readonly size: number) {
    this.ring = new Uint8Array(size)
  }
  record(failed: boolean, _now: number): void {
    const i = this.next
    if (this.calls === this.size) this.failures -= this.ring[i]!
    else this.calls++
    this.ring[i] = failed ? 1 : 0
    if (failed) this.failures++
    this.next = i + 1 === this.size ? 0 : i + 1
  }
  totals(_now: number): { calls: number; failures: number } {
    return this
  }
  reset(): void {
    this.ring.fill(0)
    this.next = this.calls = this.failures = 0
  }
}

/** The outcomes of the last `ms`, in `buckets` slices (a slice older than the window is forgotten). */
class TimeWindow {
  private readonly epochs: Float64Array
  private readonly calls: Uint32Array
  private readonly failures: Uint32Array
  private readonly width: number
  private readonly sum = { calls: 0, failures: 0 }
  constructor(ms: number, readonly buckets: number) {
    this.width = Math.max(1, ms / buckets)
    this.epochs = new Float64Array(buckets).fill(-1)
    this.calls = new Uint32Array(buckets)
    this.failures = new Uint32Array(buckets)
  }
  record(failed: boolean, now: number): void {
    const epoch = Math.floor(now / this.width)
    const i = epoch % this.buckets
    if (this.epochs[i] !== epoch) {
      this.epochs[i] = epoch
      this.calls[i] = 0
      this.failures[i] = 0
    }
    this.calls[i]!++
    if (failed) this.failures[i]!++
  }
  totals(now: number): { calls: number; failures: number } {
    const oldest = Math.floor(now / this.width) - this.buckets
    let calls = 0
    let failures = 0
    for (let i = 0; i < this.buckets; i++) {
      if (this.epochs[i]! > oldest) {
        calls += this.calls[i]!
        failures += this.failures[i]!
      }
    }
    this.sum.calls = calls
    this.sum.failures = failures
    return this.sum
  }
  reset(): void {
    this.epochs.fill(-1)
  }
}

/** What happened to the circuit when an outcome was recorded. @internal */
export type Transition = undefined | {
  readonly from: State
  readonly to: State
  readonly calls?: number
  readonly failures?: number
}

/**
 * One circuit: closed (calls pass, outcomes are counted), open (calls are refused until
 * `probeAt`), half-open (up to `probes` calls pass; that many successes close it, one
 * failure opens it again).
 *
 * @internal
 */
export class Circuit implements Gate {
  state: State = "closed"
  /** Changes with every transition: an outcome of a call that entered another state is dropped. */
  generation = 0
  /** When an open circuit lets its first probe through (ms). */
  probeAt = 0
  /** Probes in flight, and probes that succeeded, in the half-open state. */
  probing = 0
  succeeded = 0
  private readonly window: CountWindow | TimeWindow
  constructor(readonly key: string, readonly t: Thresholds) {
    this.window = t.window._tag === "Count"
      ? new CountWindow(t.window.size)
      : new TimeWindow(t.window.ms, t.window.buckets)
  }

  readonly refuses = (at: number): boolean =>
    this.state === "open"
      ? at < this.probeAt
      : this.state === "half-open" && this.probing + this.succeeded >= this.t.probes

  /** Lets a call in (`"closed"` or `"half-open"`: a probe taken) or answers the ms until the next probe. */
  enter(now: number): "closed" | "half-open" | number {
    if (this.state === "closed") return "closed"
    if (this.state === "open") {
      if (now < this.probeAt) return this.probeAt - now
      this.move("half-open")
    }
    if (this.probing + this.succeeded >= this.t.probes) return 0
    this.probing++
    return "half-open"
  }

  private move(to: State): void {
    this.state = to
    this.generation++
    this.probing = 0
    this.succeeded = 0
  }

  private open(now: number): void {
    this.move("open")
    this.probeAt = now + this.t.openFor
  }

  /** A closed circuit's call ended: counted as a failure or a success. */
  record(failed: boolean, now: number): Transition {
    this.window.record(failed, now)
    if (!failed) return undefined
    const { calls, failures } = this.window.totals(now)
    if (calls < this.t.minimumCalls || failures < calls * this.t.failureRate) return undefined
    this.open(now)
    this.window.reset()
    return { from: "closed", to: "open", calls, failures }
  }

  /** A probe ended: `true` failed, `false` succeeded, `undefined` neither (interrupted, refused by a limiter...). */
  probed(failed: boolean | undefined, now: number): Transition {
    this.probing--
    if (failed === undefined) return undefined
    if (failed) {
      this.open(now)
      return { from: "half-open", to: "open" }
    }
    if (++this.succeeded < this.t.probes) return undefined
    this.move("closed")
    return { from: "half-open", to: "closed" }
  }
}
