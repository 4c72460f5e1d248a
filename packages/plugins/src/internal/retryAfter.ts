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
