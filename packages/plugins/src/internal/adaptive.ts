/**
 * Adaptive RateLimit: how long a response asks the client to stop starting calls.
 *
 * @internal
 */
import type { ServiceResponse } from "@service-client/core/ServiceResponse"
import * as RetryAfter from "./retryAfter.js"

const header = (response: ServiceResponse, names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const value = response.headers[name]
    if (value !== undefined) return value
  }
  return undefined
}

/**
 * How long the server asks us to stop (ms), or `undefined`: `Retry-After` on a 429 or a
 * 503, the reset of an exhausted `RateLimit-Remaining`, `defaultPause` for a bare 429.
 *
 * @internal
 */
export const askedPause = (response: ServiceResponse, now: number, defaultPause: number): number | undefined => {
  let pause: number | undefined = undefined
  const status = response.status
  if (status === 429 || status === 503) pause = RetryAfter.parse(response.headers["retry-after"], now)
  const remaining = header(response, ["ratelimit-remaining", "x-ratelimit-remaining"])
  if (remaining !== undefined && remaining.trim() === "0") {
    const reset = RetryAfter.parseReset(header(response, ["ratelimit-reset", "x-ratelimit-reset"]), now)
    if (reset !== undefined) pause = Math.max(pause ?? 0, reset)
  }
  if (pause === undefined && status === 429) pause = defaultPause
  return pause
}
