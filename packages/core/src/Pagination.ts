/**
 * Pagination: a paged endpoint as a `Stream` of its items (or of its pages). Each page is
 * an ordinary call of the endpoint — through every plugin (Retry, RateLimit, the cache…)
 * — with the input of the page before changed as the strategy says: the `Link` header's
 * `rel="next"` (RFC 8288), a cursor from the body, an offset and a limit, or a page
 * number. Pages are fetched ahead of the consumer up to `prefetch` pages.
 *
 * @since 0.1.0
 */
import { Data, Effect, Option, Stream } from "effect"
import { safeDisplay } from "./Errors.js"
import type { ServiceResponse } from "./ServiceResponse.js"

/**
 * The next page could not be worked out (no items where the strategy looks for them, a
 * `Link` to another endpoint, a cursor that does not move), or `maxPages` was reached.
 *
 * @since 0.1.0
 * @category errors
 */
export class PaginationError extends Data.TaggedError("PaginationError")<{
  readonly service: string
  readonly endpoint: string
  /** The page (1 for the first) at which it happened. */
  readonly page: number
  readonly reason: string
}> {
  override get message() {
    return `${this.service}.${this.endpoint}: pagination stopped at page ${this.page}: ${this.reason}`
  }
}
safeDisplay(PaginationError)

type Input = Readonly<Record<string, unknown>>

/**
 * How to read a page and find the next one. Build one with {@link link}, {@link cursor},
 * {@link offset} or {@link page}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Strategy<in A, out Item> {
  readonly _tag: "Link" | "Cursor" | "Offset" | "Page"
  /** The items of a page's data. */
  readonly items: (data: A) => ReadonlyArray<Item> | string
  /** The input of the next page, `undefined` when this one is the last, or why it cannot be found. */
  readonly next: (
    page: ServiceResponse<A>,
    count: number,
    input: Input
  ) => Input | undefined | { readonly reason: string }
  /** Pages fetched ahead of the consumer. */
  readonly prefetch: number
  /** At most this many pages (a `PaginationError` past it). */
  readonly maxPages: number
}

/**
 * The options every strategy takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Common<A, Item> {
  /**
   * The items of a page: a function of its data, or the name of the field holding them.
   * Default: the data itself, which must then be an array.
   */
  readonly items?: ((data: A) => ReadonlyArray<Item>) | string | undefined
  /** Pages fetched ahead of the consumer (bounded). Default 1. */
  readonly prefetch?: number | undefined
  /** A guard against a server that never says "last page". Default 10,000. */
  readonly maxPages?: number | undefined
}

const itemsOf = <A, Item>(items: Common<A, Item>["items"]) => (data: A): ReadonlyArray<Item> | string => {
  const found = typeof items === "function"
    ? items(data)
    : items === undefined
    ? data
    : typeof data === "object" && data !== null && Object.hasOwn(data, items)
    ? (data as Record<string, unknown>)[items]
    : undefined
  if (Array.isArray(found)) return found
  return items === undefined || typeof items === "function"
    ? "the page's items are not an array"
    : `the page has no array field "${items}"`
}

const whole = (name: string, value: unknown, min: number, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Pagination: ${name} must be a whole number >= ${min}, got ${String(value)}`)
  }
  return value
}

const common = <A, Item>(
  _tag: Strategy<A, Item>["_tag"],
  options: Common<A, Item>,
  next: Strategy<A, Item>["next"]
): Strategy<A, Item> => ({
  _tag,
  items: itemsOf(options.items),
  next,
  prefetch: whole("prefetch", options.prefetch, 0, 1),
  maxPages: whole("maxPages", options.maxPages, 1, 10_000)
})

const queryOf = (input: Input): Record<string, unknown> => {
  const q = input.query
  return typeof q === "object" && q !== null && !Array.isArray(q) ? { ...q as Record<string, unknown> } : {}
}

const withQuery = (input: Input, changes: Record<string, unknown>): Input => ({
  ...input,
  query: { ...queryOf(input), ...changes }
})

/**
 * The `rel="next"` target of a `Link` header (RFC 8288), resolved against `base`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const nextLink = (header: string | undefined, base: string, rel = "next"): string | undefined => {
  if (header === undefined) return undefined
  const link = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g
  let m: RegExpExecArray | null
  while ((m = link.exec(header)) !== null) {
    const params = m[2]!.split(";")
    for (const param of params) {
      const eq = param.indexOf("=")
      if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== "rel") continue
      const value = param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1")
      if (value.toLowerCase().split(/\s+/).includes(rel)) {
        try {
          return new URL(m[1]!, base).href
        } catch {
          return undefined
        }
      }
    }
  }
  return undefined
}

/**
 * Follows the `Link` header's `rel="next"` (GitHub, GitLab…). The next link must stay on
 * the endpoint's path: its query becomes the next call's query.
 *
 * @since 0.1.0
 * @category constructors
 */
export const link = <A = unknown, Item = A extends ReadonlyArray<infer I> ? I : unknown>(
  options: Common<A, Item> & { readonly rel?: string | undefined } = {}
): Strategy<A, Item> =>
  common("Link", options, (page, _count, input) => {
    const next = nextLink(page.headers["link"], page.url, options.rel ?? "next")
    if (next === undefined) return undefined
    const here = new URL(page.url)
    const there = new URL(next)
    if (there.origin !== here.origin || there.pathname !== here.pathname) {
      return { reason: "the next link leads to another path than the endpoint's" }
    }
    const query: Record<string, string | Array<string>> = {}
    for (const [key, value] of there.searchParams) {
      const seen = query[key]
      query[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
    }
    return { ...input, query }
  })

/**
 * A cursor from each page's body, sent back as the query parameter `param`; no cursor
 * (or an empty one) on a page means it is the last.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cursor = <A = unknown, Item = A extends ReadonlyArray<infer I> ? I : unknown>(
  options: Common<A, Item> & {
    /** The query parameter the cursor goes in. Default `"cursor"`. */
    readonly param?: string | undefined
    /** The next cursor: a function of the page's data, or a field name (dots for nested fields). */
    readonly next: ((data: A) => string | number | null | undefined) | string
  }
): Strategy<A, Item> => {
  const param = options.param ?? "cursor"
  const read = typeof options.next === "function" ? options.next : (data: A) => field(data, options.next as string)
  return common("Cursor", options, (page, _count, input) => {
    const c = read(page.data)
    if (c === undefined || c === null || c === "") return undefined
    if (typeof c !== "string" && typeof c !== "number") return { reason: "the cursor is not a string or a number" }
    if (String(queryOf(input)[param]) === String(c)) {
      return { reason: `the cursor did not move (${String(c).slice(0, 100)})` }
    }
    return withQuery(input, { [param]: c })
  })
}

const field = (data: unknown, path: string): unknown => {
  let at: unknown = data
  for (const key of path.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return at
}

/**
 * `offsetParam` and `limitParam` query parameters: each page starts where the one before
 * ended; a page with fewer than `limit` items is the last.
 *
 * @since 0.1.0
 * @category constructors
 */
export const offset = <A = unknown, Item = A extends ReadonlyArray<infer I> ? I : unknown>(
  options: Common<A, Item> & {
    readonly limit: number
    readonly offsetParam?: string | undefined
    readonly limitParam?: string | undefined
    /** The first offset. Default 0. */
    readonly start?: number | undefined
  }
): Strategy<A, Item> & { readonly first: (input: Input) => Input } => {
  const limit = whole("limit", options.limit, 1, 1)
  const offsetParam = options.offsetParam ?? "offset"
  const limitParam = options.limitParam ?? "limit"
  const start = whole("start", options.start, 0, 0)
  const strategy = common<A, Item>("Offset", options, (_page, count, input) => {
    if (count < limit) return undefined
    const at = Number(queryOf(input)[offsetParam])
    return withQuery(input, { [offsetParam]: at + count, [limitParam]: limit })
  })
  return { ...strategy, first: (input) => withQuery(input, { [offsetParam]: start, [limitParam]: limit }) }
}

/**
 * A page number in the query parameter `param`, from `start`; an empty page (or one with
 * fewer than `size` items, when the size is known) is the last.
 *
 * @since 0.1.0
 * @category constructors
 */
export const page = <A = unknown, Item = A extends ReadonlyArray<infer I> ? I : unknown>(
  options: Common<A, Item> & {
    readonly param?: string | undefined
    /** The first page's number. Default 1. */
    readonly start?: number | undefined
    /** Items per page: sent as `sizeParam` when that is given; a shorter page is the last. */
    readonly size?: number | undefined
    readonly sizeParam?: string | undefined
  } = {}
): Strategy<A, Item> & { readonly first: (input: Input) => Input } => {
  const param = options.param ?? "page"
  const start = whole("start", options.start, 0, 1)
  const size = options.size === undefined ? undefined : whole("size", options.size, 1, 1)
  const sized = (n: number) =>
    options.sizeParam === undefined || size === undefined ? { [param]: n } : { [param]: n, [options.sizeParam]: size }
  const strategy = common<A, Item>("Page", options, (_page, count, input) => {
    if (count === 0 || (size !== undefined && count < size)) return undefined
    return withQuery(input, sized(Number(queryOf(input)[param]) + 1))
  })
  return { ...strategy, first: (input) => withQuery(input, sized(start)) }
}

/** A call of one endpoint by input (`client.call` with the endpoint's name bound). */
type Call<A, E> = (input: Input) => Effect.Effect<ServiceResponse<A>, E>

/**
 * The pages of a paged endpoint, each a whole `ServiceResponse` with its items counted.
 *
 * @since 0.1.0
 * @category streams
 */
export const pages = <A, Item, E>(
  where: { readonly service: string; readonly endpoint: string },
  call: Call<A, E>,
  input: unknown,
  strategy: Strategy<A, Item>
): Stream.Stream<
  { readonly response: ServiceResponse<A>; readonly items: ReadonlyArray<Item> },
  E | PaginationError
> => {
  const fail = (n: number, reason: string) => Effect.fail(new PaginationError({ ...where, page: n, reason }))
  const given = input === undefined ? {} : input
  const first = "first" in strategy ? (strategy.first as (i: Input) => Input)(given as Input) : given as Input
  type State = { readonly input: Input; readonly n: number }
  const stream = Stream.paginateEffect<
    State,
    { response: ServiceResponse<A>; items: ReadonlyArray<Item> },
    E | PaginationError,
    never
  >(
    { input: first, n: 1 },
    ({ input: pageInput, n }) =>
      Effect.flatMap(call(pageInput), (response) => {
        const items = strategy.items(response.data)
        if (typeof items === "string") return fail(n, items)
        const next = strategy.next(response, items.length, pageInput)
        if (next !== undefined && "reason" in next && typeof next.reason === "string") return fail(n, next.reason)
        if (next !== undefined && n >= strategy.maxPages) {
          return fail(n, `more than maxPages (${strategy.maxPages}) pages`)
        }
        return Effect.succeed(
          [
            { response, items },
            next === undefined ? Option.none() : Option.some({ input: next as Input, n: n + 1 })
          ] as const
        )
      })
  )
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    return Stream.fail(new PaginationError({ ...where, page: 1, reason: "the input must be an object" }))
  }
  return strategy.prefetch === 0 ? stream : Stream.buffer(stream, { capacity: strategy.prefetch })
}

/**
 * The items of every page, in order.
 *
 * @since 0.1.0
 * @category streams
 */
export const items = <A, Item, E>(
  where: { readonly service: string; readonly endpoint: string },
  call: Call<A, E>,
  input: unknown,
  strategy: Strategy<A, Item>
): Stream.Stream<Item, E | PaginationError> => Stream.mapConcat(pages(where, call, input, strategy), (p) => p.items)
