/**
 * Path templates: parsed once per endpoint, filled per call.
 *
 * @internal
 */
import * as Redact from "../Redact.js"
import * as Render from "../Render.js"

/** @internal */
export interface Template {
  readonly source: string
  /** literal parts and token names, alternating: literals at even indexes */
  readonly parts: ReadonlyArray<string>
  readonly tokens: ReadonlyArray<string>
}

const tokenName = /^[A-Za-z_][A-Za-z0-9_]*$/
// eslint-disable-next-line no-control-regex
const forbiddenLiteral = /[\u0000-\u0020\u007f?#\\]/

/**
 * Parses `/user/{user_id}/posts`; returns an error message when the template is malformed
 * or could change the request's host.
 *
 * @internal
 */
export const parseTemplate = (source: string): Template | string => {
  if (typeof source !== "string") return "the path must be a string"
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(source)) return `the path "${source}" has a scheme: give only the path`
  if (source.startsWith("//")) return `the path "${source}" starts with "//", which names another host`
  const parts: Array<string> = []
  const tokens: Array<string> = []
  let literal = ""
  let i = 0
  while (i < source.length) {
    const c = source[i]!
    if (c === "}") return `unmatched "}" at position ${i} in "${source}"`
    if (c !== "{") {
      literal += c
      i++
      continue
    }
    const end = source.indexOf("}", i + 1)
    if (end < 0) return `unclosed "{" at position ${i} in "${source}"`
    const name = source.slice(i + 1, end)
    if (!tokenName.test(name)) return `"{${name}}" in "${source}" is not a valid token name`
    if (tokens.includes(name)) return `the token "${name}" appears twice in "${source}"`
    parts.push(literal)
    tokens.push(name)
    literal = ""
    i = end + 1
  }
  parts.push(literal)
  for (const part of parts) {
    if (forbiddenLiteral.test(part)) {
      return `the path "${source}" contains a space, a control character, "\\", "?" or "#" (put query values in "query")`
    }
    if (badPercent.test(part)) return `the path "${source}" has a "%" that does not start a percent-escape (%XX)`
  }
  const segments = source.split("/")
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    if (dotSegment.test(segment)) return `the path "${source}" contains a "${segment}" segment`
    // "/a//b": an empty segment (a leading "/" and a trailing "/" are not segments)
    if (segment.length === 0 && i > 0 && i < segments.length - 1) {
      return `the path "${source}" has an empty segment ("//")`
    }
  }
  const encoded: Array<string> = []
  for (const part of parts) {
    const e = encodeLiteral(part)
    if (e === undefined) return `the path "${source}" is not well-formed Unicode`
    encoded.push(e)
  }
  return { source, parts: encoded, tokens }
}

/** A `%` not followed by two hex digits. */
const badPercent = /%(?![0-9A-Fa-f]{2})/

/**
 * What the WHATWG URL parser percent-encodes in a path, so that every client sends the
 * same bytes: non-ASCII (as UTF-8), `"`, `<`, `>` and the backtick.
 */
// eslint-disable-next-line no-control-regex
const literalToEncode = /[^\u0000-\u007f]|["<>`]/

const encodeLiteral = (literal: string): string | undefined => {
  if (!literalToEncode.test(literal)) return literal
  let out = ""
  for (const char of literal) {
    if (!literalToEncode.test(char)) {
      out += char
      continue
    }
    try {
      out += encodeURIComponent(char)
    } catch {
      return undefined
    }
  }
  return out
}

/**
 * `.` and `..`, also percent-encoded: URL parsers (WHATWG `URL`, which the HTTP clients
 * use) resolve `%2e%2e` like `..`, so no encoding can carry such a segment.
 */
const dotSegment = /^(?:\.|%2e){1,2}$/i

/**
 * Percent-encodes one token value so that it can never add a segment, a query or a
 * fragment (`fill` refuses values that would make a `.`/`..` segment).
 *
 * @internal
 */
export const encodeToken = (value: string): string => encodeURIComponent(value)

/**
 * Fills a template. Returns the path, or the name of the first missing token, or an
 * error message for a value that cannot be encoded, as `{ missing }` / `{ invalid }`.
 *
 * @internal
 */
export const fill = (
  template: Template,
  values: Readonly<Record<string, unknown>>
): string | { readonly key: string; readonly reason: string } => {
  const { parts, tokens } = template
  if (tokens.length === 0) return parts[0]!
  let out = parts[0]!
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i]!
    const raw = Object.hasOwn(values, name) ? values[name] : undefined
    let value: string
    if (typeof raw === "string") value = raw
    else if (typeof raw === "number" && Number.isFinite(raw)) value = String(raw)
    else if (typeof raw === "bigint") value = String(raw)
    else if (raw === undefined || raw === null) return { key: name, reason: "the path token is missing" }
    else return { key: name, reason: `a path token must be a string or a number, got ${typeof raw}` }
    if (value.length === 0) return { key: name, reason: "a path token may not be empty" }
    try {
      out += encodeToken(value) + parts[i + 1]!
    } catch {
      return { key: name, reason: "the value is not well-formed Unicode" }
    }
  }
  // a token "." or "..", alone or next to another token or literal, would make a dot
  // segment, which URL parsers resolve (whatever its encoding): refuse it
  if (out.includes("/.") || out.startsWith(".")) {
    for (const segment of out.split("/")) {
      if (segment === "." || segment === "..") {
        const key = tokens.find((t) => /^\.+$/.test(String(values[t]))) ?? tokens[0]!
        return { key, reason: `the path token would make a "${segment}" segment, which no URL can carry` }
      }
    }
  }
  return out
}

/**
 * Joins a base URL and a path with exactly one `/`.
 *
 * @internal
 */
export const join = (base: string, path: string): string => {
  const b = base.endsWith("/") ? base.slice(0, -1) : base
  if (path.length === 0) return b
  return path.startsWith("/") ? b + path : `${b}/${path}`
}

/** A value for an error message: quoted, control characters escaped, at most 200 characters. */
const show = (given: string): string => {
  // credentials and secret query values never show
  return `"${Render.text(Redact.url(given), 200)}"`
}

/**
 * Checks a base URL and answers its normal form, or an error message: absolute http(s)
 * written `scheme://host` (`http:/host` is refused), no query, fragment or credentials,
 * no `.`/`..` or empty (`//`) segments, no malformed percent-escape. The answer is the
 * WHATWG URL's origin and path (lower-case scheme and host, IDNA host, default port
 * dropped, non-ASCII percent-encoded as UTF-8) without a trailing `/`.
 *
 * @internal
 */
export const normalizeBaseUrl = (url: unknown): { readonly url: string } | string => {
  if (typeof url !== "string") return "baseUrl must be a string"
  // eslint-disable-next-line no-control-regex
  if (/[\s\\\u0000-\u001f\u007f]/.test(url)) {
    return `baseUrl ${show(url)} contains whitespace, a control character or "\\"`
  }
  if (!/^https?:\/\/[^/]/i.test(url)) {
    return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) && !/^https?:/i.test(url)
      ? `baseUrl ${show(url)} must use http or https`
      : `baseUrl ${show(url)} is not an absolute URL of the form http(s)://host/path`
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `baseUrl ${show(url)} is not an absolute URL`
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return `baseUrl ${show(url)} must use http or https`
  if (parsed.search !== "" || parsed.hash !== "" || url.includes("?") || url.includes("#")) {
    return `baseUrl ${show(url)} may not have a query or a fragment`
  }
  // an "@" in the authority (`http://@host`, `http://user@host`), not one in the path (`/@scope/pkg`)
  const authority = url.slice(url.indexOf("//") + 2).split(/[/?#\\]/, 1)[0]!
  if (parsed.username !== "" || parsed.password !== "" || authority.includes("@")) {
    return `baseUrl ${show(url)} may not carry credentials`
  }
  const rawPath = url.slice(url.indexOf("//") + 2).replace(/^[^/]*/, "")
  if (badPercent.test(rawPath)) return `baseUrl ${show(url)} has a "%" that does not start a percent-escape (%XX)`
  const segments = rawPath.split("/")
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!
    if (dotSegment.test(segment)) return `baseUrl ${show(url)} contains a "${segment}" segment`
    if (segment.length === 0 && i < segments.length - 1) return `baseUrl ${show(url)} has an empty segment ("//")`
  }
  const path = parsed.pathname.endsWith("/") ? parsed.pathname.slice(0, -1) : parsed.pathname
  return { url: parsed.origin + path }
}

/**
 * Checks a base URL (see {@link normalizeBaseUrl}): an error message, or `undefined`.
 *
 * @internal
 */
export const checkBaseUrl = (url: unknown): string | undefined => {
  const r = normalizeBaseUrl(url)
  return typeof r === "string" ? r : undefined
}
