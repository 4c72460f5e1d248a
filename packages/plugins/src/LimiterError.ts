/**
 * The errors of the limiters (Pool, RateLimit, RedisLimiter): they belong to those plugins,
 * so only a client that has one lists them in its error type.
 *
 * @since 0.1.0
 */
import { safeDisplay } from "@service-client/core/Errors"
import { Data, Duration } from "effect"

const where = (e: { readonly service: string; readonly endpoint: string }) => `${e.service}.${e.endpoint}`

/**
 * Which limiter raised the error.
 *
 * @since 0.1.0
 * @category models
 */
export type Limiter = "pool" | "rateLimit"

/**
 * Too many calls already wait for the Pool or the RateLimit (`hardLimit`).
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequestsPending extends Data.TaggedError("TooManyRequestsPending")<{
  readonly service: string
  readonly endpoint: string
  readonly limiter: Limiter
  readonly pending: number
}> {
  override get message() {
    return `${where(this)}: ${this.pending} calls already wait for the ${this.limiter}`
  }
}

/**
 * A call waited for the Pool or the RateLimit longer than its `timeout`, or gave up early
 * because the wait still `expected` (an adaptive RateLimit's pause) exceeds what is left
 * of its time budget.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooMuchTimePending extends Data.TaggedError("TooMuchTimePending")<{
  readonly service: string
  readonly endpoint: string
  readonly limiter: Limiter
  readonly pending: number
  readonly waited: Duration.Duration
  /** The wait still ahead when the call gave up early (fail fast), if it did. */
  readonly expected?: Duration.Duration | undefined
}> {
  override get message() {
    const waited = `waited ${Duration.format(this.waited)} for the ${this.limiter} (${this.pending} pending)`
    return this.expected === undefined
      ? `${where(this)}: ${waited}`
      : `${where(this)}: ${waited}, and ${Duration.format(this.expected)} more expected exceeds the time left`
  }
}

/**
 * The shared store behind a Pool or a RateLimit (Redis) did not answer within its command
 * timeout, or answered with an error, so the call could not get a permit. Raised only
 * when the store fails closed (the default); a store that fails open lets the call through.
 *
 * @since 0.1.0
 * @category errors
 */
export class LimiterUnavailable extends Data.TaggedError("LimiterUnavailable")<{
  readonly service: string
  readonly endpoint: string
  readonly limiter: Limiter
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `${where(this)}: the ${this.limiter}'s store is unavailable: ${this.reason}`
  }
}

// one line, bounded, no raw cause: the service and endpoint names and a store's reason are hostile
safeDisplay(TooManyRequestsPending, TooMuchTimePending, LimiterUnavailable)

/**
 * Every error a Pool or a RateLimit adds to a client's error type.
 *
 * @since 0.1.0
 * @category errors
 */
export type LimiterError = TooManyRequestsPending | TooMuchTimePending | LimiterUnavailable
