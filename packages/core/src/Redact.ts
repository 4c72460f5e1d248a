/**
 * What never shows in an error or a log record: the values of secret headers
 * (`Authorization`, `Cookie`, API keys...), of secret query parameters (`api_key`,
 * `access_token`, `signature`...) and URL credentials. A client's `redact` option adds
 * names to the defaults (or drops the defaults); the loggers add their own.
 *
 * @since 0.1.0
 */

/**
 * What a redacted value prints as.
 *
 * @since 0.1.0
 */
export const REDACTED = "<REDACTED>"

/**
 * Header names (lower-case) whose values are redacted by default.
 *
 * @since 0.1.0
 */
export const defaultHeaders: ReadonlyArray<string> = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "api-key",
  "apikey",
  "x-auth-token",
  "x-access-token",
  "x-refresh-token",
  "x-csrf-token",
  "x-xsrf-token",
  "x-amz-security-token",
  "x-goog-api-key",
  "ocp-apim-subscription-key",
  "private-token",
  "x-vault-token"
]

/**
 * Query parameter names whose values are redacted by default. Names match without case,
 * `-` or `_` (`api_key` also redacts `apiKey` and `API-KEY`), and a bracketed name by its
 * last part (`auth[token]`).
 *
 * @since 0.1.0
 */
export const defaultQuery: ReadonlyArray<string> = [
  "api_key",
  "access_token",
  "refresh_token",
  "id_token",
  "token",
  "auth",
  "key",
  "signature",
  "sig",
  "password",
  "passwd",
  "pwd",
  "secret",
  "client_secret",
  "client_assertion",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "x-goog-signature",
  "x-goog-credential",
  "awsaccesskeyid"
]

/**
 * The `redact` option of a client (also in a config file): names to add to the defaults.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** More header names (any case) whose values never show in errors and log records. */
  readonly headers?: Iterable<string> | undefined
  /** More query parameter names (matched without case, `-` or `_`), also the names of secret fields in bodies. */
  readonly query?: Iterable<string> | undefined
  /** `false`: only the names given here, not {@link defaultHeaders} and {@link defaultQuery}. Default `true`. */
  readonly defaults?: boolean | undefined
}

/**
 * The names a client redacts: `headers`/`query` hold everything redacted in its errors,
 * `extraHeaders`/`extraQuery` the names its options added (which every logger adds to
 * its own).
 *
 * @since 0.1.0
 * @category models
 */
export interface Redaction {
  readonly headers: ReadonlySet<string>
  readonly query: ReadonlySet<string>
  readonly extraHeaders: ReadonlySet<string>
  readonly extraQuery: ReadonlySet<string>
}

/**
 * A query name as it is matched: lower-case, without `-` and `_`; of a bracketed name
 * (`auth[token]`, `token[]`, `api_key[0]`, `auth[token][]`) the last bracketed part that
 * is a name, not empty and not an index, else the name before the brackets.
 *
 * @since 0.1.0
 */
export const queryKey = (name: string): string => {
  let key = name
  const first = key.indexOf("[")
  if (first > 0 && key.endsWith("]")) {
    key = key.slice(0, first)
    for (const part of name.slice(first + 1, -1).split("][")) {
      if (part !== "" && !/^\d+$/.test(part)) key = part
    }
  }
  return key.toLowerCase().replace(/[-_]/g, "")
}

const defaultQueryKeys: ReadonlySet<string> = new Set(defaultQuery.map(queryKey))

/** A list of names (absent, or an iterable that is not a string). */
const isNames = (u: unknown): boolean =>
  u === undefined ||
  (typeof u === "object" && u !== null && typeof (u as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function")

/**
 * Checks and resolves a `redact` option; answers the reason when it is not valid.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Redaction | string => {
  const headersReason = "redact.headers: expected header names"
  const queryReason = "redact.query: expected query parameter names"
  if (typeof options !== "object" || options === null) return "redact: expected { headers, query }"
  // a string is iterable too: its characters would be the names
  if (!isNames(options.headers)) return headersReason
  if (!isNames(options.query)) return queryReason
  const extraHeaders = new Set<string>()
  const extraQuery = new Set<string>()
  for (const name of options.headers ?? []) {
    if (typeof name !== "string" || name.length === 0) return headersReason
    extraHeaders.add(name.toLowerCase())
  }
  for (const name of options.query ?? []) {
    if (typeof name !== "string" || name.length === 0) return queryReason
    extraQuery.add(queryKey(name))
  }
  const defaults = options.defaults !== false
  return {
    headers: new Set([...(defaults ? defaultHeaders : []), ...extraHeaders]),
    query: new Set([...(defaults ? defaultQueryKeys : []), ...extraQuery]),
    extraHeaders,
    extraQuery
  }
}

/**
 * The defaults alone.
 *
 * @since 0.1.0
 */
export const defaults: Redaction = make() as Redaction

/**
 * Whether a header's value is redacted (`name` in any case).
 *
 * @since 0.1.0
 * @category guards
 */
export const isSecretHeader = (redaction: Redaction, name: string): boolean => redaction.headers.has(name.toLowerCase())

/**
 * Whether a query parameter's value is redacted.
 *
 * @since 0.1.0
 * @category guards
 */
export const isSecretQuery = (redaction: Redaction, name: string): boolean => redaction.query.has(queryKey(name))

/**
 * A copy of the headers with every secret value replaced by {@link REDACTED} (`null` and
 * `undefined` values dropped). A header named `__proto__` stays an own key.
 *
 * @since 0.1.0
 */
export const headers = (
  record: Readonly<Record<string, string | null | undefined>>,
  redaction: Redaction = defaults
): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue
    const value = record[name]
    if (value === null || value === undefined) continue
    const shown = redaction.headers.has(name.toLowerCase()) ? REDACTED : value
    if (name === "__proto__") Object.defineProperty(out, name, { value: shown, enumerable: true, writable: true })
    else out[name] = shown
  }
  return out
}

const decodeName = (raw: string): string => {
  if (!raw.includes("%") && !raw.includes("+")) return raw
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "))
  } catch {
    return raw
  }
}

/** `a=1&token=x` with the secret values replaced. */
const redactPairs = (pairs: string, isSecret: (key: string) => boolean): string => {
  let out = ""
  let from = 0
  while (from <= pairs.length) {
    let end = pairs.indexOf("&", from)
    if (end < 0) end = pairs.length
    const pair = pairs.slice(from, end)
    const eq = pair.indexOf("=")
    const name = eq < 0 ? pair : pair.slice(0, eq)
    out += (from === 0 ? "" : "&") + (eq >= 0 && isSecret(queryKey(decodeName(name))) ? `${name}=${REDACTED}` : pair)
    from = end + 1
  }
  return out
}

/** `scheme://user:password@host` (also malformed: `http//user@host`, `user:pw@host`): the userinfo. */
const userinfo = /^(?:[^@]*?\/\/)?([^/?#@]*@)/

/**
 * A URL for display: its credentials (`user:password@`) and the values of its secret
 * query (and fragment) parameters replaced by {@link REDACTED}. Works on any string (a
 * malformed URL too); a URL with nothing to hide comes back as it is.
 *
 * @since 0.1.0
 */
export const url = (value: string, redaction: Redaction = defaults): string => {
  let out = value
  if (out.includes("@")) {
    const m = userinfo.exec(out)
    if (m !== null) out = out.slice(0, m.index + m[0].length - m[1]!.length) + `${REDACTED}@` + out.slice(m[0].length)
  }
  const q = out.indexOf("?")
  const h = out.indexOf("#")
  if (q < 0 && h < 0) return out
  const query = redaction.query
  const isSecret = (key: string) => query.has(key)
  const queryEnd = h < 0 ? out.length : h
  let result = q < 0 || q > queryEnd
    ? out.slice(0, queryEnd)
    : out.slice(0, q + 1) + redactPairs(out.slice(q + 1, queryEnd), isSecret)
  // a fragment may carry tokens too (OAuth's implicit flow: #access_token=...)
  if (h >= 0) result += "#" + redactPairs(out.slice(h + 1), isSecret)
  return result
}

/**
 * A query record for display: the secret values replaced by {@link REDACTED}.
 *
 * @since 0.1.0
 */
export const query = <A>(
  record: Readonly<Record<string, A>>,
  redaction: Redaction = defaults
): Record<string, A | typeof REDACTED> => {
  const out: Record<string, A | typeof REDACTED> = {}
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue
    const shown = redaction.query.has(queryKey(name)) ? REDACTED : record[name]!
    if (name === "__proto__") Object.defineProperty(out, name, { value: shown, enumerable: true, writable: true })
    else out[name] = shown
  }
  return out
}

/**
 * Whether a field of a body (a payload, a response, an event's data) or of a path is a
 * secret: its name is a secret query parameter (matched like one: `accessToken`,
 * `ACCESS-TOKEN`) or a secret header name.
 *
 * @since 0.2.0
 * @category guards
 */
export const isSecretField = (redaction: Redaction, name: string): boolean => {
  // field names repeat (every record's body has the same few): answered from a bounded cache
  let known = secretFields.get(redaction)
  if (known === undefined) {
    known = new Map()
    secretFields.set(redaction, known)
  }
  let secret = known.get(name)
  if (secret === undefined) {
    secret = redaction.query.has(queryKey(name)) || redaction.headers.has(name.toLowerCase())
    if (known.size < 1024 && name.length <= 128) known.set(name, secret)
  }
  return secret
}

const secretFields = new WeakMap<Redaction, Map<string, boolean>>()

const maxDepth = 32

/**
 * A copy of a value (a payload, a decoded body, a query or headers record) with the value
 * of every field whose name is secret ({@link isSecretField}) replaced by
 * {@link REDACTED}, at any depth (an object nested deeper than 32 levels is replaced
 * whole). Only the objects on the way to a secret are copied (a class instance keeps its
 * prototype); a value without a secret field comes back as it is.
 *
 * @since 0.2.0
 */
export const fields = (value: unknown, redaction: Redaction = defaults): unknown => {
  const seen = new Set<object>()
  const walk = (u: unknown, depth: number): unknown => {
    if (typeof u !== "object" || u === null || seen.has(u)) return u
    // deeper than any walk goes: nothing there can be told
    if (depth > maxDepth) return REDACTED
    if (ArrayBuffer.isView(u) || u instanceof Date || u instanceof Map || u instanceof Set) return u
    seen.add(u)
    try {
      if (Array.isArray(u)) {
        let copy: Array<unknown> | undefined
        for (let i = 0; i < u.length; i++) {
          const item = walk(u[i], depth + 1)
          if (item !== u[i]) (copy ??= u.slice())[i] = item
        }
        return copy ?? u
      }
      let copy: Record<string, unknown> | undefined
      const record = u as Record<string, unknown>
      for (const key of Object.keys(record)) {
        const item = record[key]
        const shown = isSecretField(redaction, key) && item !== undefined && item !== null
          ? REDACTED
          : walk(item, depth + 1)
        if (shown !== item) {
          copy ??= Object.assign(Object.create(Object.getPrototypeOf(record)), record)
          Object.defineProperty(copy, key, { value: shown, enumerable: true, writable: true, configurable: true })
        }
      }
      return copy ?? u
    } catch {
      return u
    } finally {
      seen.delete(u)
    }
  }
  return walk(value, 0)
}

/** Where the value starting at `from` ends: a quoted string, a bracketed structure, or a run up to a delimiter. */
const valueEnd = (s: string, from: number): number => {
  const first = s[from]
  if (first === "\"" || first === "'") {
    for (let i = from + 1; i < s.length; i++) {
      if (s[i] === "\\") i++
      else if (s[i] === first) return i + 1
    }
    return s.length
  }
  if (first === "{" || first === "[") {
    let depth = 0
    for (let i = from; i < s.length; i++) {
      const c = s[i]
      if (c === "\"") {
        for (i++; i < s.length && s[i] !== "\""; i++) if (s[i] === "\\") i++
      } else if (c === "{" || c === "[") depth++
      else if ((c === "}" || c === "]") && --depth === 0) return i + 1
    }
    return s.length
  }
  let i = from
  while (i < s.length && !"&,;}]\"\r\n".includes(s[i]!)) i++
  return i
}

/** Where the line holding `from` ends (a CR, an LF, or the end of the text). */
const lineEnd = (s: string, from: number): number => {
  let i = from
  while (i < s.length && s[i] !== "\r" && s[i] !== "\n") i++
  return i
}

const unquote = (raw: string): string => {
  if (!raw.includes("\\")) return raw
  try {
    return JSON.parse(`"${raw}"`) as string
  } catch {
    return raw
  }
}

/**
 * Text (a body, an excerpt of one, a message) with the value of every secret-looking
 * field replaced by {@link REDACTED}: a JSON member (`"access_token": "…"`, also an object
 * or an array, also cut short), a form or query pair (`password=…`), a YAML or header-like
 * line (`token: …`, `Authorization: Bearer …`) whose name is a secret field
 * ({@link isSecretField}). Text without such a field comes back as it is; a value cut
 * short is redacted to the end.
 *
 * @since 0.2.0
 */
export const text = (value: string, redaction: Redaction = defaults): string => {
  let out = ""
  let from = 0
  // every `:` or `=` is a candidate: the name before it is read backwards (a scan of the
  // text, no regular expression tried at every position)
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c !== 0x3a && c !== 0x3d) continue
    const field = nameBefore(value, i, from)
    if (field === undefined || !isSecretField(redaction, field.name)) {
      // a value may hold `name=value` pairs of its own (`"note": "token=…"`): look inside it
      continue
    }
    let start = i + 1
    while (start < value.length && isSpace(value.charCodeAt(start))) start++
    // a secret header's line (`Cookie: a=1; sid=…`, `Authorization: Bearer …, …`) is secret to its end
    const end = !field.quoted && c === 0x3a && redaction.headers.has(field.name.toLowerCase())
      ? lineEnd(value, start)
      : valueEnd(value, start)
    if (end === start) continue
    const quote = value[start] === "\"" || value[start] === "'" ? value[start] : ""
    out += value.slice(from, start) + quote + REDACTED + quote
    from = end
    i = end - 1
  }
  return from === 0 ? value : out + value.slice(from)
}

/** ASCII classes by code: 1 a character of a bare name, 2 one it may start with, 4 whitespace. */
const classes = Uint8Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c)
  return (/[\w$.\-[\]]/.test(ch) ? 1 : 0) | (/[A-Za-z_$]/.test(ch) ? 2 : 0) | (/\s/.test(ch) ? 4 : 0)
})
const is = (c: number, kind: number): boolean => c < 128 && (classes[c]! & kind) !== 0
const isSpace = (c: number): boolean => is(c, 4)

/**
 * The name written before the separator at `at` (not before `floor`): `"token": `,
 * `'pwd'=`, `access_token=`, `Authorization: ` (whitespace allowed before the separator);
 * a quoted name of at most 128 characters on one line, a bare one of at most 128.
 */
const nameBefore = (
  s: string,
  at: number,
  floor: number
): { readonly name: string; readonly quoted: boolean } | undefined => {
  let end = at
  while (end > floor && isSpace(s.charCodeAt(end - 1))) end--
  if (end === floor) return undefined
  const last = s[end - 1]!
  if (last === "\"" || last === "'") {
    // a quoted name: back to its opening quote, on the same line
    const open = s.lastIndexOf(last, end - 2)
    const raw = s.slice(open + 1, end - 1)
    if (open < floor || raw.length === 0 || raw.length > 128 || raw.includes("\n")) return undefined
    return { name: last === "\"" ? unquote(raw) : raw, quoted: true }
  }
  let start = end
  while (start > floor && end - start < 128 && is(s.charCodeAt(start - 1), 1)) start--
  while (start < end && !is(s.charCodeAt(start), 2)) start++
  return start === end ? undefined : { name: s.slice(start, end), quoted: false }
}
