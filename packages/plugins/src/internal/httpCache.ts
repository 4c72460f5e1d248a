/**
 * The HttpCache's parts that know HTTP caching (RFC 9111) but no Effect: Cache-Control
 * directives, freshness and age, and the store (least recently used out first, bounded
 * in bytes, variants per URL by `Vary`).
 *
 * @internal
 */

/** Cache-Control directives by lower-cased name (`true` when given without a value). @internal */
export type Directives = ReadonlyMap<string, string | true>

const none: Directives = new Map()
const directive = /\s*([^\s=,]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)/gy

/** The directives of the last values parsed (responses of one service repeat a few values). */
const parsed = new Map<string, Directives>()

/** @internal */
export const directives = (value: string | undefined): Directives => {
  if (value === undefined || value.length === 0) return none
  let out = parsed.get(value)
  if (out === undefined) {
    out = parse(value)
    if (parsed.size >= 64) parsed.delete(parsed.keys().next().value!)
    if (value.length <= 256) parsed.set(value, out)
  }
  return out
}

const parse = (value: string): Directives => {
  const out = new Map<string, string | true>()
  directive.lastIndex = 0
  let m: RegExpExecArray | null
  while (directive.lastIndex < value.length && (m = directive.exec(value)) !== null) {
    const raw = m[2]
    const name = m[1]!.toLowerCase()
    if (!out.has(name)) {
      out.set(
        name,
        raw === undefined ? true : raw.startsWith("\"") ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw.trim()
      )
    }
  }
  return out
}

/** A delta-seconds directive in ms; `undefined` when absent, 0 when malformed (treated as stale). @internal */
export const seconds = (d: Directives, name: string): number | undefined => {
  const v = d.get(name)
  if (v === undefined) return undefined
  if (v === true || !/^\d+$/.test(v)) return 0
  return Math.min(Number(v), 2 ** 31) * 1000
}

const httpDate = (value: string | undefined): number | undefined => {
  if (value === undefined || !/[a-z]/i.test(value)) return undefined
  const t = Date.parse(value)
  return Number.isNaN(t) ? undefined : t
}

/** Statuses a cache may store without explicit freshness (RFC 9110 §15.1, heuristically cacheable). */
const heuristic: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])

/** The longest heuristic freshness (10% of the time since Last-Modified, at most a day). */
const maxHeuristic = 24 * 3600 * 1000

/**
 * How long a response stays fresh (ms), from its headers; `undefined` when it may not be
 * stored at all.
 *
 * @internal
 */
export const freshness = (
  status: number,
  headers: Readonly<Record<string, string>>,
  cc: Directives,
  now: number
): number | undefined => {
  const maxAge = seconds(cc, "max-age")
  if (maxAge !== undefined) return maxAge
  const expires = headers["expires"]
  if (expires !== undefined) {
    const at = httpDate(expires)
    // an invalid Expires (such as "0") means already expired
    return at === undefined ? 0 : Math.max(0, at - (httpDate(headers["date"]) ?? now))
  }
  if (!heuristic.has(status)) return undefined
  const lastModified = httpDate(headers["last-modified"])
  if (lastModified === undefined) return cc.has("public") || cc.has("private") ? 0 : undefined
  return Math.min(maxHeuristic, Math.max(0, ((httpDate(headers["date"]) ?? now) - lastModified) / 10))
}

/** The response's age when it arrived (the `Age` header, or how old its `Date` says it is). @internal */
export const initialAge = (headers: Readonly<Record<string, string>>, now: number): number => {
  const age = headers["age"]
  const fromAge = age !== undefined && /^\d+$/.test(age.trim()) ? Number(age.trim()) * 1000 : 0
  const date = httpDate(headers["date"])
  return Math.max(fromAge, date === undefined ? 0 : Math.max(0, now - date))
}

/** A stored response. @internal */
export interface Entry {
  readonly key: string
  readonly url: string
  status: number
  headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  /** When it was stored or last validated (ms), and its age then. */
  storedAt: number
  age: number
  /** How long it stays fresh (ms) from its age 0. */
  lifetime: number
  /** Must be validated before every use (`no-cache`), or once stale (`must-revalidate`). */
  noCache: boolean
  mustRevalidate: boolean
  /** How long past its freshness it may be served while revalidated in the background (ms). */
  staleWhileRevalidate: number
  readonly size: number
  /** A background revalidation is running. */
  revalidating: boolean
}

/** The current age of an entry (ms). @internal */
export const currentAge = (entry: Entry, now: number): number => entry.age + Math.max(0, now - entry.storedAt)

/** The stored responses: least recently used first (a Map keeps insertion order). @internal */
export class Store {
  private readonly entries = new Map<string, Entry>()
  /** Per URL: the request headers its last response varied on, and the key(s) of its variant(s). */
  private readonly urls = new Map<string, { vary: ReadonlyArray<string>; keys: string | Set<string> }>()
  bytes = 0
  constructor(readonly maxBytes: number, readonly maxEntryBytes: number) {}

  get size(): number {
    return this.entries.size
  }

  /** The key of a request to `url` with these headers, given what the URL's responses vary on. */
  keyFor(url: string, headers: Readonly<Record<string, string | null>>, always: ReadonlyArray<string>): string {
    const vary = this.urls.get(url)?.vary ?? always
    return variantKey(url, vary, headers)
  }

  /** Whether any response of this URL is stored. */
  hasUrl(url: string): boolean {
    return this.urls.has(url)
  }

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry !== undefined) {
      // most recently used: to the end
      this.entries.delete(key)
      this.entries.set(key, entry)
    }
    return entry
  }

  /** Stores an entry under the variant key its `vary` names; answers whether it was stored. */
  put(
    entry: Omit<Entry, "key" | "size">,
    vary: ReadonlyArray<string>,
    headers: Readonly<Record<string, string | null>>
  ): boolean {
    const key = variantKey(entry.url, vary, headers)
    const size = entry.body.length + key.length + headerBytes(entry.headers)
    const known = this.urls.get(entry.url)
    if (known !== undefined && !sameNames(known.vary, vary)) this.deleteUrl(entry.url)
    this.delete(key)
    if (size > this.maxEntryBytes || size > this.maxBytes) return false
    while (this.bytes + size > this.maxBytes) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.delete(oldest.value)
    }
    const stored = entry as Entry
    ;(stored as { key: string }).key = key
    ;(stored as { size: number }).size = size
    this.entries.set(key, stored)
    this.bytes += size
    const url = this.urls.get(entry.url)
    if (url === undefined) this.urls.set(entry.url, { vary, keys: key })
    else if (typeof url.keys === "string") url.keys = new Set([url.keys, key])
    else url.keys.add(key)
    return true
  }

  delete(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    this.entries.delete(key)
    this.bytes -= entry.size
    const url = this.urls.get(entry.url)
    if (url === undefined) return
    if (typeof url.keys === "string") {
      if (url.keys === key) this.urls.delete(entry.url)
    } else {
      url.keys.delete(key)
      if (url.keys.size === 0) this.urls.delete(entry.url)
    }
  }

  /** Forgets every variant of a URL (an unsafe method changed it). */
  deleteUrl(url: string): void {
    const known = this.urls.get(url)
    if (known === undefined) return
    for (const key of typeof known.keys === "string" ? [known.keys] : [...known.keys]) this.delete(key)
    this.urls.delete(url)
  }
}

const variantKey = (
  url: string,
  vary: ReadonlyArray<string>,
  headers: Readonly<Record<string, string | null>>
): string => {
  let key = url
  for (let i = 0; i < vary.length; i++) {
    const value = headers[vary[i]!]
    // JSON keeps a value from imitating another header; an absent header is an empty slot
    key += value == null ? "\n" : `\n${JSON.stringify(value)}`
  }
  return key
}

const sameNames = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((n, i) => n === b[i])

const headerBytes = (headers: Readonly<Record<string, string>>): number => {
  let n = 0
  for (const name in headers) n += name.length + headers[name]!.length + 4
  return n
}

/** The request header names a response varies on, sorted, plus `always`; `undefined` for `Vary: *`. @internal */
export const varyNames = (
  vary: string | undefined,
  always: ReadonlyArray<string>
): ReadonlyArray<string> | undefined => {
  if (vary === undefined) return always
  const names = new Set(always)
  for (const part of vary.split(",")) {
    const name = part.trim().toLowerCase()
    if (name === "*") return undefined
    if (name.length > 0) names.add(name)
  }
  return [...names].sort()
}
