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

/**
 * A stored response's flags (`Store.flags`): validated before every use (`no-cache`), or
 * once stale (`must-revalidate`); a background revalidation is running.
 *
 * @internal
 */
export const noCache = 1
/** @internal */
export const mustRevalidate = 2
/** @internal */
export const revalidating = 4
/** In the store (a free slot is not). */
const live = 8

/** A slot's numbers (`Store.nums`): when it was stored or last validated (ms) and its age then, how long it stays fresh (ms, from its age 0), how long past that it may be served while revalidated in the background (ms), its size in bytes. */
const storedAt = 0
const ageAt = 1
const lifetimeAt = 2
const swrAt = 3
const bytesAt = 4
const numsPerSlot = 5
/** A slot's integers (`Store.ints`): its status, flags, gen, its neighbours in the list (-1: none; a free slot's `newer` is the next free one), its URL's hash and the next slot of its bucket (-1: none). */
const statusAt = 0
const flagsAt = 1
const genAt = 2
const olderAt = 3
const newerAt = 4
const hashAt = 5
const chainAt = 6
const intsPerSlot = 8
/** A slot's references (`Store.refs`): the request's URL, the values of the headers it varies on (`variantKey`) and their names, the response's headers (replaced when a 304 renews it) and body. */
const urlAt = 0
const variantAt = 1
const varyAt = 2
const headersAt = 3
const bodyAt = 4
const refsPerSlot = 5

/**
 * The stored responses, found by URL and the values of the request headers they vary on,
 * in a list from the least to the most recently used (moving or evicting one is O(1)).
 *
 * A response lives in a slot: a run of numbers, a run of integers and a run of references
 * in three arrays of the store (a slot's integers share a cache line). The store's index
 * is its own hash table in those integers: a URL's hash picks a bucket, whose slots are
 * chained. Storing a response allocates no object of its own and evicting one touches no
 * string: a store that evicts on every put (each answer to another URL) keeps, per
 * response, only what the response brought (its URL, headers and body), so little
 * survives the young generation, and its index stays in a few arrays. (A `Map` by URL to
 * an object per response cost about twice as much per stored miss: the objects and the
 * map's rehashed tables were promoted, and dropping the oldest URL read cold memory.) A
 * slot is reused once its response is gone; its gen tells its successive responses apart
 * (a revalidation holds the slot and gen it started from).
 *
 * @internal
 */
export class Store {
  private nums = new Float64Array(64 * numsPerSlot)
  private ints = new Int32Array(64 * intsPerSlot)
  private readonly refs: Array<unknown> = []
  /** The first slot of each bucket (-1: none): twice as many buckets as slots. */
  private buckets = new Int32Array(128).fill(-1)
  private capacity = 64
  /** The URL `find` hashed last, and its hash (`put` follows the `find` of the same call's URL). */
  private lastUrl: string | undefined = undefined
  private lastHash = 0
  private used = 0
  private free = -1
  private oldest = -1
  private newest = -1
  size = 0
  bytes = 0
  constructor(readonly maxBytes: number, readonly maxEntryBytes: number) {}

  /** The slot of the stored response for a request to `url` with these headers (now the most recently used), or -1. */
  get(url: string, headers: Readonly<Record<string, string | null>>): number {
    const slot = this.find(url, headers)
    if (slot >= 0 && slot !== this.newest) {
      this.unlink(slot)
      this.append(slot)
    }
    return slot
  }

  status(slot: number): number {
    return this.ints[slot * intsPerSlot + statusAt]!
  }
  flags(slot: number): number {
    return this.ints[slot * intsPerSlot + flagsAt]!
  }
  gen(slot: number): number {
    return this.ints[slot * intsPerSlot + genAt]!
  }
  headers(slot: number): Readonly<Record<string, string>> {
    return this.refs[slot * refsPerSlot + headersAt] as Readonly<Record<string, string>>
  }
  /** A 304 renewed the slot's response. */
  setHeaders(slot: number, headers: Readonly<Record<string, string>>): void {
    this.refs[slot * refsPerSlot + headersAt] = headers
  }
  body(slot: number): Uint8Array {
    return this.refs[slot * refsPerSlot + bodyAt] as Uint8Array
  }
  /** How long the slot's response stays fresh (ms) from its age 0. */
  lifetime(slot: number): number {
    return this.nums[slot * numsPerSlot + lifetimeAt]!
  }
  /** How long past its freshness it may be served while revalidated in the background (ms). */
  staleWhileRevalidate(slot: number): number {
    return this.nums[slot * numsPerSlot + swrAt]!
  }

  /** The current age of the slot's response (ms). */
  currentAge(slot: number, now: number): number {
    const at = slot * numsPerSlot
    return this.nums[at + ageAt]! + Math.max(0, now - this.nums[at + storedAt]!)
  }

  /** Whether `slot` still holds the response it held at `gen`. */
  holds(slot: number, gen: number): boolean {
    const at = slot * intsPerSlot
    return this.ints[at + genAt] === gen && (this.ints[at + flagsAt]! & live) !== 0
  }

  /** Sets the freshness of the slot's response: when it was stored or validated, and what its headers say. */
  fresh(slot: number, now: number, age: number, lifetime: number, swr: number, flags: number): void {
    const at = slot * numsPerSlot
    this.nums[at + storedAt] = now
    this.nums[at + ageAt] = age
    this.nums[at + lifetimeAt] = lifetime
    this.nums[at + swrAt] = swr
    const i = slot * intsPerSlot + flagsAt
    this.ints[i] = (this.ints[i]! & (live | revalidating)) | flags
  }

  /** Marks a background revalidation of the slot's response as running or over (if it is still stored). */
  setRevalidating(slot: number, gen: number, on: boolean): void {
    const i = slot * intsPerSlot + flagsAt
    if (this.holds(slot, gen)) this.ints[i] = on ? this.ints[i]! | revalidating : this.ints[i]! & ~revalidating
  }

  /** Forgets the stored response a request to `url` with these headers would get. */
  delete(url: string, headers: Readonly<Record<string, string | null>>): void {
    const slot = this.find(url, headers)
    if (slot >= 0) this.remove(slot)
  }

  /**
   * Stores a response to a request to `url` with these headers, under the variant `vary`
   * names; answers its slot (its freshness is set by `fresh`), or -1 when it is too large.
   * It replaces the URL's stored response of the same variant, and every variant stored
   * under other header names.
   */
  put(
    url: string,
    vary: ReadonlyArray<string>,
    requestHeaders: Readonly<Record<string, string | null>>,
    status: number,
    headers: Readonly<Record<string, string>>,
    body: Uint8Array
  ): number {
    const hash = url === this.lastUrl ? this.lastHash : hashOf(url)
    const variant = variantKey(vary, requestHeaders)
    const size = body.length + url.length + variant.length + headerBytes(headers)
    const ints = this.ints
    const refs = this.refs
    for (let slot = this.buckets[hash & (this.buckets.length - 1)]!; slot >= 0;) {
      const next = ints[slot * intsPerSlot + chainAt]!
      if (
        ints[slot * intsPerSlot + hashAt] === hash && refs[slot * refsPerSlot + urlAt] === url &&
        (refs[slot * refsPerSlot + variantAt] === variant ||
          !sameNames(refs[slot * refsPerSlot + varyAt] as ReadonlyArray<string>, vary))
      ) this.remove(slot)
      slot = next
    }
    if (size > this.maxEntryBytes || size > this.maxBytes) return -1
    while (this.bytes + size > this.maxBytes && this.oldest >= 0) this.remove(this.oldest)
    const slot = this.allocate()
    const r = slot * refsPerSlot
    this.refs[r + urlAt] = url
    this.refs[r + variantAt] = variant
    this.refs[r + varyAt] = vary
    this.refs[r + headersAt] = headers
    this.refs[r + bodyAt] = body
    this.nums[slot * numsPerSlot + bytesAt] = size
    const i = slot * intsPerSlot
    const bucket = hash & (this.buckets.length - 1)
    this.ints[i + statusAt] = status
    this.ints[i + flagsAt] = live
    this.ints[i + hashAt] = hash
    this.ints[i + chainAt] = this.buckets[bucket]!
    this.buckets[bucket] = slot
    this.append(slot)
    this.size++
    this.bytes += size
    return slot
  }

  /** Forgets every variant of a URL (an unsafe method changed it). */
  deleteUrl(url: string): void {
    const hash = hashOf(url)
    for (let slot = this.buckets[hash & (this.buckets.length - 1)]!; slot >= 0;) {
      const next = this.ints[slot * intsPerSlot + chainAt]!
      if (this.ints[slot * intsPerSlot + hashAt] === hash && this.refs[slot * refsPerSlot + urlAt] === url) {
        this.remove(slot)
      }
      slot = next
    }
  }

  /** The variants of a URL share their header names: the key is built once, for the first one met. */
  private find(url: string, headers: Readonly<Record<string, string | null>>): number {
    if (this.size === 0) return -1
    const hash = hashOf(url)
    this.lastUrl = url
    this.lastHash = hash
    const ints = this.ints
    const refs = this.refs
    let key: string | undefined = undefined
    for (
      let slot = this.buckets[hash & (this.buckets.length - 1)]!;
      slot >= 0;
      slot = ints[slot * intsPerSlot + chainAt]!
    ) {
      const r = slot * refsPerSlot
      if (ints[slot * intsPerSlot + hashAt] === hash && refs[r + urlAt] === url) {
        key ??= variantKey(refs[r + varyAt] as ReadonlyArray<string>, headers)
        if (refs[r + variantAt] === key) return slot
      }
    }
    return -1
  }

  private remove(slot: number): void {
    const ints = this.ints
    const i = slot * intsPerSlot
    if ((ints[i + flagsAt]! & live) === 0) return
    const bucket = ints[i + hashAt]! & (this.buckets.length - 1)
    let at = this.buckets[bucket]!
    if (at === slot) this.buckets[bucket] = ints[i + chainAt]!
    else {
      while (ints[at * intsPerSlot + chainAt] !== slot) at = ints[at * intsPerSlot + chainAt]!
      ints[at * intsPerSlot + chainAt] = ints[i + chainAt]!
    }
    this.unlink(slot)
    this.size--
    this.bytes -= this.nums[slot * numsPerSlot + bytesAt]!
    // the slot lets go of the response at once (a free slot holds nothing)
    const r = slot * refsPerSlot
    const refs = this.refs
    for (let k = 0; k < refsPerSlot; k++) refs[r + k] = undefined
    ints[i + flagsAt] = 0
    ints[i + genAt] = (ints[i + genAt]! + 1) | 0
    ints[i + newerAt] = this.free
    this.free = slot
  }

  private allocate(): number {
    const slot = this.free
    if (slot >= 0) {
      this.free = this.ints[slot * intsPerSlot + newerAt]!
      return slot
    }
    if (this.used === this.capacity) this.grow()
    return this.used++
  }

  /** Twice the slots, and twice the buckets (the chains are built again). */
  private grow(): void {
    const n = this.capacity * 2
    const nums = new Float64Array(n * numsPerSlot)
    nums.set(this.nums)
    const ints = new Int32Array(n * intsPerSlot)
    ints.set(this.ints)
    this.nums = nums
    this.ints = ints
    this.capacity = n
    this.buckets = new Int32Array(2 * n).fill(-1)
    const mask = this.buckets.length - 1
    for (let slot = 0; slot < this.used; slot++) {
      const i = slot * intsPerSlot
      if ((ints[i + flagsAt]! & live) === 0) continue
      const bucket = ints[i + hashAt]! & mask
      ints[i + chainAt] = this.buckets[bucket]!
      this.buckets[bucket] = slot
    }
  }

  private append(slot: number): void {
    const i = slot * intsPerSlot
    this.ints[i + olderAt] = this.newest
    this.ints[i + newerAt] = -1
    if (this.newest < 0) this.oldest = slot
    else this.ints[this.newest * intsPerSlot + newerAt] = slot
    this.newest = slot
  }

  private unlink(slot: number): void {
    const ints = this.ints
    const older = ints[slot * intsPerSlot + olderAt]!
    const newer = ints[slot * intsPerSlot + newerAt]!
    if (older < 0) this.oldest = newer
    else ints[older * intsPerSlot + newerAt] = newer
    if (newer < 0) this.newest = older
    else ints[newer * intsPerSlot + olderAt] = older
  }
}

/** A URL's hash (FNV-1a over its UTF-16 code units, then mixed: the bucket is its low bits). */
const hashOf = (url: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < url.length; i++) h = Math.imul(h ^ url.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  return h ^ (h >>> 13)
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
