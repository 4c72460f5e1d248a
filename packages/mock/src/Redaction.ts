/**
 * What a recording never keeps: the values of sensitive headers, of secret query
 * parameters and of chosen body paths are replaced by `<REDACTED>`. The default header
 * names are the loggers' (`authorization`, `cookie`...); the default query names are the
 * usual places of API keys and tokens. A redacted value matches any value on replay.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** More header names (any case), besides {@link defaultHeaders}. */
  readonly headers?: Iterable<string> | undefined
  /** More query parameter names (any case), besides {@link defaultQuery}. */
  readonly query?: Iterable<string> | undefined
  /**
   * Paths in request payloads and response bodies: `password`, `user.token`,
   * `items[].secret` (every item of an array), `*.token` (any key).
   */
  readonly body?: ReadonlyArray<string> | undefined
  /** `false`: only the names given here, not the defaults. Default `true`. */
  readonly defaults?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Rules {
  readonly headers: ReadonlySet<string>
  readonly query: ReadonlySet<string>
  readonly body: ReadonlyArray<ReadonlyArray<string>>
}

/**
 * The value a redacted secret is replaced with.
 *
 * @since 0.1.0
 */
export const REDACTED = "<REDACTED>"

/**
 * The headers redacted by default (the loggers' list).
 *
 * @since 0.1.0
 */
export const defaultHeaders: ReadonlyArray<string> = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key"
]

/**
 * The query parameters redacted by default.
 *
 * @since 0.1.0
 */
export const defaultQuery: ReadonlyArray<string> = [
  "api_key",
  "apikey",
  "api-key",
  "access_token",
  "refresh_token",
  "id_token",
  "token",
  "client_secret",
  "secret",
  "password",
  "signature",
  "sig",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token"
]

const parsePath = (path: string): ReadonlyArray<string> =>
  path.replace(/\[\]/g, ".[]").split(".").filter((p) => p.length > 0)

/**
 * The rules of these options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Rules => {
  const defaults = options.defaults !== false
  const lower = (names: Iterable<string> | undefined) => [...(names ?? [])].map((n) => String(n).toLowerCase())
  return {
    headers: new Set([...(defaults ? defaultHeaders : []), ...lower(options.headers)]),
    query: new Set([...(defaults ? defaultQuery : []), ...lower(options.query)]),
    body: (options.body ?? []).map(parsePath).filter((p) => p.length > 0)
  }
}

/**
 * Headers with every sensitive value redacted.
 *
 * @since 0.1.0
 * @category combinators
 */
export const headers = (rules: Rules, record: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(record)) out[name] = rules.headers.has(name.toLowerCase()) ? REDACTED : value
  return out
}

/**
 * Query values with every secret parameter redacted.
 *
 * @since 0.1.0
 * @category combinators
 */
export const query = <A>(rules: Rules, record: Readonly<Record<string, A>>): Record<string, A | string> => {
  const out: Record<string, A | string> = {}
  for (const [name, value] of Object.entries(record)) out[name] = rules.query.has(name.toLowerCase()) ? REDACTED : value
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
