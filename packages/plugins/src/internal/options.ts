/**
 * Checks of plugin options. Bad options are mistakes in code: `make` throws a `SpecError`
 * naming the plugin and the option, as `Endpoint.make` does for a bad template.
 *
 * @internal
 */
import { SpecError } from "@service-client/core/Errors"
import * as Header from "@service-client/core/Header"
import { Duration, Option } from "effect"

/** @internal */
export const invalid = (plugin: string, key: string, reason: string): never => {
  throw new SpecError({ key: `${plugin}.${key}`, reason })
}

/** A whole number >= `min`, or the default when `undefined`. @internal */
export const wholeNumber = (plugin: string, key: string, value: unknown, min: number, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    return invalid(plugin, key, `expected a whole number >= ${min}, got ${String(value)}`)
  }
  return value
}

/**
 * A duration: `undefined` for `undefined`/`null`/infinity, `reason` when the value is not a
 * duration or is negative.
 *
 * @internal
 */
export const decodeDuration = (value: unknown): Duration.Duration | undefined | { readonly reason: string } => {
  if (value === undefined || value === null) return undefined
  if (typeof value === "number" && Number.isNaN(value)) return { reason: `expected a duration >= 0, got NaN` }
  if (isNegative(value)) return { reason: `expected a duration >= 0, got ${describe(value)}` }
  const decoded = Duration.decodeUnknown(value)
  if (Option.isNone(decoded)) return { reason: `expected a duration (ms or "5 seconds"), got ${describe(value)}` }
  return Duration.isFinite(decoded.value) ? decoded.value : undefined
}

/**
 * A negative duration input: Effect reads `"-5 seconds"` or `[-1, 0]` as zero, which would
 * make a negative timeout a timeout that strikes at once rather than a mistake.
 *
 * @internal
 */
export const isNegative = (u: unknown): boolean =>
  typeof u === "number"
    ? u < 0
    : typeof u === "bigint"
    ? u < 0n
    : typeof u === "string"
    ? /^\s*-/.test(u)
    : Array.isArray(u) && u.some((part) => typeof part === "number" && part < 0)

/** An optional duration option. @internal */
export const durationOption = (plugin: string, key: string, value: unknown): Duration.Duration | undefined => {
  const d = decodeDuration(value)
  return d === undefined || Duration.isDuration(d) ? d : invalid(plugin, key, d.reason)
}

const describe = (u: unknown) => {
  try {
    return typeof u === "string" ? JSON.stringify(u) : String(u)
  } catch {
    return typeof u
  }
}

/** The reason a header is invalid, or `undefined` (the core's own check). @internal */
export const checkHeader = Header.check

/** A record option (or `{}` when `undefined`). @internal */
export const recordOption = (plugin: string, key: string, value: unknown): Readonly<Record<string, unknown>> => {
  if (value === undefined) return {}
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalid(plugin, key, "expected a record")
  }
  return value as Record<string, unknown>
}

/** An optional non-empty string naming a shared limit. @internal */
export const keyOption = (plugin: string, value: unknown): string | undefined => {
  if (value === undefined) return undefined
  return typeof value === "string" && value.length > 0 ? value : invalid(plugin, "key", "expected a non-empty string")
}
