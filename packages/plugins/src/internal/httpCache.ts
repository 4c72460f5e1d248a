/**
 * The HttpCache's parts that know HTTP caching (RFC 9111) but no Effect: Cache-Control
 * directives, freshness and age, and the store (least recently used out first, bounded
 * in bytes, variants per URL by `Vary`).
 *
 * @internal
 */

/**
 * What a `Cache-Control` value says, worked out once per distinct value (responses of one
 * service repeat a few values): a call checks booleans and numbers, not a parse.
 * Delta-seconds are in ms; a malformed one is 0 (stale).
 *
 * @internal
 */
export interface Policy {
  readonly noStore: boolean
  readonly noCache: boolean
  /** `must-revalidate` or `proxy-revalidate`. */
  readonly mustRevalidate: boolean
  /** `public` or `private`: storable without explicit freshness. */
  readonly marked: boolean
  readonly maxAge: number | undefined
  readonly staleWhileRevalidate: number | undefined
}

const directive = /\s*([^\s=,]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)/gy

const none: Policy = {
  noStore: false,
  noCache: false,
  mustRevalidate: false,
  marked: false,
  maxAge: undefined,
  staleWhileRevalidate: undefined
}

/** The policies of the last values parsed. */
const parsed = new Map<string, Policy>()

/** @internal */
export const policy = (value: string | null | undefined): Policy => {
  if (value == null || value.length === 0) return none
  let out = parsed.get(value)
  if (out === undefined) {
    out = parse(value)
    if (parsed.size >= 64) parsed.delete(parsed.keys().next().value!)
    if (value.length <= 256) parsed.set(value, out)
  }
  return out
}

const parse = (value: string): Policy => {
  const directives = new Map<string, string | true>()
  directive.lastIndex = 0
  let m: RegExpExecArray | null
  while (directive.lastIndex < value.length && (m = directive.exec(value)) !== null) {
    const raw = m[2]
    const name = m[1]!.toLowerCase()
    if (!directives.has(name)) {
      directives.set(
        name,
        raw === undefined ? true : raw.startsWith("\"") ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw.trim()
      )
    }
  }
  return {
    noStore: directives.has("no-store"),
    noCache: directives.has("no-cache"),
    mustRevalidate: directives.has("must-revalidate") || directives.has("proxy-revalidate"),
    marked: directives.has("public") || directives.has("private"),
    maxAge: seconds(directives.get("max-age")),
    staleWhileRevalidate: seconds(directives.get("stale-while-revalidate"))
  }
}

const seconds = (v: string | true | undefined): number | undefined => {
  if (v === undefined) return undefined
  if (v === true || !/^\d+$/.test(v)) return 0
  return Math.min(Number(v), 2 ** 31) * 1000
}

/** The last HTTP date parsed: a server's `Date` repeats for a second of answers. */
let lastDate: string | undefined = undefined
let lastTime: number | undefined = undefined

const httpDate = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  if (value === lastDate) return lastTime
  let t: number | undefined = undefined
  if (/[a-z]/i.test(value)) {
    t = Date.parse(value)
    if (Number.isNaN(t)) t = undefined
  }
  if (value.length <= 64) {
    lastDate = value
    lastTime = t
  }
  return t
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
  cc: Policy,
  now: number
): number | undefined => {
  if (cc.maxAge !== undefined) return cc.maxAge
  const expires = headers["expires"]
  if (expires !== undefined) {
    const at = httpDate(expires)
    // an invalid Expires (such as "0") means already expired
    return at === undefined ? 0 : Math.max(0, at - (httpDate(headers["date"]) ?? now))
  }
  if (!heuristic.has(status)) return undefined
  const lastModified = httpDate(headers["last-modified"])
  if (lastModified === undefined) return cc.marked ? 0 : undefined
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
  readonly url: string
  /** The values of the request headers it varies on (see `Store`). */
  readonly variant: string
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
  /** The store's list, from the least recently used. */
  older: Entry | undefined
  newer: Entry | undefined
  /** The request header names it varies on (shared by every variant of its URL). */
  vary: ReadonlyArray<string>
}

/** The fields a caller gives; the store sets the others. @internal */
export type Fields = Omit<Entry, "variant" | "size" | "older" | "newer" | "vary">

/** An entry with all its fields from the start (one shape: no field added once stored). */
const makeEntry = (f: Fields, vary: ReadonlyArray<string>, variant: string, size: number): Entry => ({
  url: f.url,
  variant,
  status: f.status,
  headers: f.headers,
  body: f.body,
  storedAt: f.storedAt,
  age: f.age,
  lifetime: f.lifetime,
  noCache: f.noCache,
  mustRevalidate: f.mustRevalidate,
  staleWhileRevalidate: f.staleWhileRevalidate,
  size,
  revalidating: f.revalidating,
  older: undefined,
  newer: undefined,
  vary
})

/** The current age of an entry (ms). @internal */
export const currentAge = (entry: Entry, now: number): number => entry.age + Math.max(0, now - entry.storedAt)

/** The stored variants of one URL when there are several, by the values of the headers they vary on. */
class Variants {
  constructor(readonly vary: ReadonlyArray<string>, readonly many: Map<string, Entry>) {}
}

/**
 * The stored responses by URL, then by the values of the headers they vary on, in a list
 * from the least to the most recently used (links on the entries: moving or evicting one
 * is O(1)). A request to a URL with nothing stored costs one map lookup and builds no key.
 * (A `Map`'s insertion order served as the list before, but a `Map` keeps a deleted slot
 * until it is rehashed, so taking the oldest entry of a store that evicts on every put
 * walked over every slot deleted since.)
 *
 * @internal
 */
export class Store {
  /** The only variant of a URL (most URLs: no object of its own), or its variants. */
  private readonly urls = new Map<string, Entry | Variants>()
  private oldest: Entry | undefined = undefined
  private newest: Entry | undefined = undefined
  size = 0
  bytes = 0
  constructor(readonly maxBytes: number, readonly maxEntryBytes: number) {}

  /** The stored response for a request to `url` with these headers (now the most recently used). */
  get(url: string, headers: Readonly<Record<string, string | null>>): Entry | undefined {
    const entry = this.find(url, headers)
    if (entry !== undefined && entry !== this.newest) {
      this.unlink(entry)
      this.append(entry)
    }
    return entry
  }

  /** Forgets the stored response a request to `url` with these headers would get. */
  delete(url: string, headers: Readonly<Record<string, string | null>>): void {
    const entry = this.find(url, headers)
    if (entry !== undefined) this.remove(entry)
  }

  /** Stores an entry under the variant its `vary` names; answers whether it was stored. */
  put(fields: Fields, vary: ReadonlyArray<string>, headers: Readonly<Record<string, string | null>>): boolean {
    const url = fields.url
    const variant = variantKey(vary, headers)
    const size = fields.body.length + url.length + variant.length + headerBytes(fields.headers)
    const known = this.urls.get(url)
    if (known !== undefined) {
      if (!sameNames(known.vary, vary)) this.deleteUrl(url)
      else {
        const old = known instanceof Variants ? known.many.get(variant) : known
        if (old !== undefined && old.variant === variant) this.remove(old)
      }
    }
    if (size > this.maxEntryBytes || size > this.maxBytes) return false
    while (this.bytes + size > this.maxBytes && this.oldest !== undefined) this.remove(this.oldest)
    const stored = makeEntry(fields, vary, variant, size)
    // nothing stored for the URL before: nothing since (evicting removes other URLs' entries)
    const variants = known === undefined ? undefined : this.urls.get(url)
    if (variants === undefined) this.urls.set(url, stored)
    else if (variants instanceof Variants) variants.many.set(variant, stored)
    else {
      this.urls.set(url, new Variants(vary, new Map([[variants.variant, variants], [variant, stored]])))
    }
    this.append(stored)
    this.size++
    this.bytes += size
    return true
  }

  /** Forgets every variant of a URL (an unsafe method changed it). */
  deleteUrl(url: string): void {
    const variants = this.urls.get(url)
    if (variants === undefined) return
    if (variants instanceof Variants) { for (const entry of [...variants.many.values()]) this.remove(entry) }
    else this.remove(variants)
  }

  private find(url: string, headers: Readonly<Record<string, string | null>>): Entry | undefined {
    const variants = this.urls.get(url)
    if (variants === undefined) return undefined
    const variant = variantKey(variants.vary, headers)
    const entry = variants instanceof Variants ? variants.many.get(variant) : variants
    return entry !== undefined && entry.variant === variant ? entry : undefined
  }

  private remove(entry: Entry): void {
    const variants = this.urls.get(entry.url)
    if (variants === entry) this.urls.delete(entry.url)
    else if (variants instanceof Variants && variants.many.get(entry.variant) === entry) {
      variants.many.delete(entry.variant)
      if (variants.many.size === 0) this.urls.delete(entry.url)
    } else return
    this.unlink(entry)
    this.size--
    this.bytes -= entry.size
  }

  private append(entry: Entry): void {
    entry.older = this.newest
    entry.newer = undefined
    if (this.newest === undefined) this.oldest = entry
    else this.newest.newer = entry
    this.newest = entry
  }

  private unlink(entry: Entry): void {
    if (entry.older === undefined) this.oldest = entry.newer
    else entry.older.newer = entry.newer
    if (entry.newer === undefined) this.newest = entry.older
    else entry.newer.older = entry.older
    entry.older = entry.newer = undefined
  }
}

/** The values of the `vary` headers as one string (JSON keeps a value from imitating another). */
const variantKey = (vary: ReadonlyArray<string>, headers: Readonly<Record<string, string | null>>): string => {
  let key: string | undefined = undefined
  for (let i = 0; i < vary.length; i++) {
    const value = headers[vary[i]!]
    // an absent header is an empty slot; none present (most calls) builds no string
    if (value != null) key = (key ?? empty(i)) + `\n${JSON.stringify(value)}`
    else if (key !== undefined) key += "\n"
  }
  return key ?? empty(vary.length)
}

/** The keys of no header present, by how many headers. */
const empties: Array<string> = []
const empty = (n: number): string => empties[n] ??= "\n".repeat(n)

const sameNames = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a === b || a.length === b.length && a.every((n, i) => n === b[i])

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
  // a service repeats a few `Vary` values: each is worked out once (per `always`, a constant)
  if (always !== variedFor) {
    varied.clear()
    variedFor = always
  }
  if (varied.has(vary)) return varied.get(vary)
  const out = namesOf(vary, always)
  if (varied.size >= 64) varied.delete(varied.keys().next().value!)
  if (vary.length <= 256) varied.set(vary, out)
  return out
}

/** The names of the last `Vary` values worked out (`undefined` for `*`). */
const varied = new Map<string, ReadonlyArray<string> | undefined>()
let variedFor: ReadonlyArray<string> | undefined = undefined

const namesOf = (vary: string, always: ReadonlyArray<string>): ReadonlyArray<string> | undefined => {
  const names = new Set(always)
  for (const part of vary.split(",")) {
    const name = part.trim().toLowerCase()
    if (name === "*") return undefined
    if (name.length > 0) names.add(name)
  }
  return [...names].sort()
}
