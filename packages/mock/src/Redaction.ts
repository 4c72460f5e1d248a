/**
 * What a recording never keeps: the values of secret headers and query parameters (the
 * core's `Redact` rules — the same as errors and the loggers use — plus the calling
 * client's own `redact` option) and of chosen body paths are replaced by `<REDACTED>`. A
 * redacted value matches any value on replay.
 *
 * @since 0.1.0
 */
import { Redact } from "@service-client/core"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Redact.Options {
  /**
   * Paths in request payloads and response bodies: `password`, `user.token`,
   * `items[].secret` (every item of an array), `*.token` (any key).
   */
  readonly body?: ReadonlyArray<string> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Rules {
  readonly redaction: Redact.Redaction
  readonly body: ReadonlyArray<ReadonlyArray<string>>
}

/**
 * The value a redacted secret is replaced with.
 *
 * @since 0.1.0
 */
export const REDACTED = Redact.REDACTED

/**
 * The headers redacted by default (the core's).
 *
 * @since 0.1.0
 */
export const defaultHeaders: ReadonlyArray<string> = Redact.defaultHeaders

/**
 * The query parameters redacted by default (the core's; matched without case, `-` or `_`).
 *
 * @since 0.1.0
 */
export const defaultQuery: ReadonlyArray<string> = Redact.defaultQuery

const parsePath = (path: string): ReadonlyArray<string> =>
  path.replace(/\[\]/g, ".[]").split(".").filter((p) => p.length > 0)

/**
 * The rules of these options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Rules => {
  // a name that is not a non-empty string matches nothing: leaving it out changes nothing
  const names = (list: Iterable<unknown> | undefined) =>
    [...(list ?? [])].filter((n): n is string => typeof n === "string" && n.length > 0)
  const redaction = Redact.make({
    headers: names(options.headers),
    query: names(options.query),
    defaults: options.defaults
  }) as Redact.Redaction
  return {
    redaction,
    body: names(options.body).map(parsePath).filter((p) => p.length > 0)
  }
}

/**
 * Headers with every secret value redacted (by these rules, and by `also`: the calling
 * client's own redaction).
 *
 * @since 0.1.0
 * @category combinators
 */
export const headers = (
  rules: Rules,
  record: Readonly<Record<string, string>>,
  also?: Redact.Redaction
): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(record)) {
    const secret = Redact.isSecretHeader(rules.redaction, name) ||
      (also !== undefined && Redact.isSecretHeader(also, name))
    out[name] = secret ? REDACTED : value
  }
  return out
}

/**
 * Query values with every secret parameter redacted (by these rules, and by `also`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const query = <A>(
  rules: Rules,
  record: Readonly<Record<string, A>>,
  also?: Redact.Redaction
): Record<string, A | string> => {
  const out: Record<string, A | string> = {}
  for (const [name, value] of Object.entries(record)) {
    const secret = Redact.isSecretQuery(rules.redaction, name) ||
      (also !== undefined && Redact.isSecretQuery(also, name))
    out[name] = secret ? REDACTED : value
  }
  return out
}

const redactAt = (data: unknown, path: ReadonlyArray<string>, i: number): unknown => {
  if (i === path.length) return REDACTED
  const step = path[i]!
  if (step === "[]") return Array.isArray(data) ? data.map((item) => redactAt(item, path, i + 1)) : data
  if (typeof data !== "object" || data === null || Array.isArray(data)) return data
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) }
  for (const key of Object.keys(out)) {
    if (step === "*" || step === key) out[key] = redactAt(out[key], path, i + 1)
  }
  return out
}

/**
 * A body (parsed JSON) with every configured path redacted; the input is not changed.
 *
 * @since 0.1.0
 * @category combinators
 */
export const body = (rules: Rules, data: unknown): unknown => {
  let out = data
  for (const path of rules.body) out = redactAt(out, path, 0)
  return out
}
