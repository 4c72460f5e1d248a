/**
 * Where CircuitBreaker keeps its circuits: in this process (`memory`, the default), or in a
 * store that processes share (`RedisCircuit.store` of @service-client/redis), so that
 * failures seen by one replica open the circuit for all of them.
 *
 * A circuit answers synchronously when it can (the memory store always does: the breaker's
 * common path costs no runtime step) and with an Effect when it must ask its store.
 *
 * @since 0.3.0
 */
import type { Effect } from "effect"
import { Circuit as Local, type State, type Thresholds, type Transition } from "./internal/circuit.js"

export type {
  /**
   * `"closed"` (calls pass and are counted), `"open"` (calls are refused), `"half-open"`
   * (probe calls pass).
   *
   * @since 0.3.0
   * @category models
   */
  State,
  /**
   * A circuit's checked options (CircuitBreaker's `Options` after validation; times in ms):
   * the `window` the failure rate is measured over (the last `size` calls, or the calls of
   * the last `ms` counted in `buckets` slices), `failureRate`, `minimumCalls`, `openFor`,
   * `probes`.
   *
   * @since 0.3.0
   * @category models
   */
  Thresholds,
  /**
   * What an outcome did to the circuit: nothing (`undefined`), or a move. `calls` and
   * `failures` are the window's totals when a closed circuit opened.
   *
   * @since 0.3.0
   * @category models
   */
  Transition,
  /**
   * How the failure rate is measured.
   *
   * @since 0.3.0
   * @category models
   */
  Window
} from "./internal/circuit.js"

/**
 * What entering a circuit answers: `"closed"` (the call passes and is counted),
 * `"half-open"` (the call is a probe), or the milliseconds until the next probe (the call
 * is refused; 0 when every probe is in flight).
 *
 * @since 0.3.0
 * @category models
 */
export type Entered = "closed" | "half-open" | number

/**
 * One circuit, as the breaker sees it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Circuit {
  /** The service, `service.endpoint` or the origin. */
  readonly key: string
  /** The state as this process knows it. */
  readonly state: State
  /**
   * Changes with every transition this process knows of: the breaker drops the outcome of
   * a call that entered an earlier generation.
   */
  readonly generation: number
  /** Whether a call at `at` (ms, the session's clock) would be refused: Retry and Hedge ask. */
  readonly refuses: (at: number) => boolean
  /** Lets a call in or refuses it (see {@link Entered}). */
  readonly enter: (now: number) => Entered | Effect.Effect<Entered>
  /** A call of a closed circuit ended: a failure (`true`) or a success. */
  readonly record: (failed: boolean, now: number) => Transition | Effect.Effect<Transition>
  /** A probe ended: failed, succeeded, or neither (`undefined`: interrupted, refused by a limiter...). */
  readonly probed: (failed: boolean | undefined, now: number) => Transition | Effect.Effect<Transition>
}

/**
 * Makes the circuit of a key (once per key and breaker).
 *
 * @since 0.3.0
 * @category models
 */
export interface Store {
  readonly make: (key: string, thresholds: Thresholds) => Circuit
}

/**
 * A circuit of this process: it always answers at once.
 *
 * @since 0.3.0
 * @category models
 */
export interface MemoryCircuit extends Circuit {
  readonly enter: (now: number) => Entered
  readonly record: (failed: boolean, now: number) => Transition
  readonly probed: (failed: boolean | undefined, now: number) => Transition
}

/**
 * Circuits in this process: a ring of the last outcomes (or time buckets), no I/O. Also
 * what a shared store falls back to when it cannot reach its backend.
 *
 * @since 0.3.0
 * @category stores
 */
export const memory: { readonly make: (key: string, thresholds: Thresholds) => MemoryCircuit } = {
  make: (key, thresholds) => new Local(key, thresholds)
}
