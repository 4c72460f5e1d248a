/**
 * Reads a `Retry-After` header: delta-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`).
 *
 * @internal
 */

const deltaSeconds = /^\s*(\d+)\s*$/

/**
 * The wait a `Retry-After` value asks for, in milliseconds from `now` (never negative),
 * or `undefined` when the value is missing or malformed.
 *
 * @internal
 */
export const parse = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const delta = deltaSeconds.exec(value)
  if (delta !== null) {
    const seconds = Number(delta[1])
    return Number.isFinite(seconds) ? seconds * 1000 : undefined
  }
  // an HTTP-date always names a weekday or a month: refuse bare numbers Date.parse would take
  if (!/[a-z]/i.test(value)) return undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Above this many seconds a reset value is a Unix time, not a delay (~31 years). */
const epochThreshold = 1e9

/**
 * The wait a `RateLimit-Reset` / `X-RateLimit-Reset` value asks for, in milliseconds from
 * `now`: delta-seconds as in `Retry-After` (the IETF RateLimit fields), a value above
 * 10⁹ read as Unix seconds (GitHub's `X-RateLimit-Reset`), or an HTTP-date.
 *
 * @internal
 */
export const parseReset = (value: string | undefined, now: number): number | undefined => {
  const delta = parse(value, now)
  if (delta === undefined || delta <= epochThreshold * 1000) return delta
  return Math.max(0, delta - now)
}
