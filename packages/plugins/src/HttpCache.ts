/**
 * HttpCache: a private HTTP cache (RFC 9111) in memory. GET responses are stored as their
 * headers allow (`max-age`, `Expires`, or 10% of the time since `Last-Modified`; never
 * with `no-store`, `Vary: *` or a partial answer), in a store bounded in bytes where the
 * least recently used response goes first. A fresh response answers a call without I/O;
 * a stale one is revalidated with `If-None-Match` / `If-Modified-Since` (a 304 answers with
 * the stored body), or, within its `stale-while-revalidate`, served at once while it is
 * revalidated in the background. `attributes.cache` says which: `hit`, `miss`,
 * `revalidated` or `stale`.
 *
 * @since 0.1.0
 */
import type { Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"
import * as Plugin from "@service-client/core/Plugin"
import type { ServiceResponse } from "@service-client/core/ServiceResponse"
import * as Setting from "@service-client/core/Setting"
import { Effect, Schema, type Scope } from "effect"
import * as Cache from "./internal/httpCache.js"
import * as Observe from "./internal/observe.js"
import { wholeNumber } from "./internal/options.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The most bytes the store holds (bodies, headers and keys). Default 16 MiB. */
  readonly maxBytes?: number | undefined
  /** A larger response is not stored. Default a quarter of `maxBytes`. */
  readonly maxEntryBytes?: number | undefined
}

/**
 * What a call's answer came from, on `attributes.cache`: `"hit"` (a fresh stored response,
 * no I/O), `"miss"` (the server's answer), `"revalidated"` (the server confirmed the stored
 * response with a 304), `"stale"` (a stale stored response, revalidated in the background).
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = "hit" | "miss" | "revalidated" | "stale"

/**
 * `attributes.cache`: what the call's answer came from.
 *
 * @since 0.1.0
 * @category attributes
 */
export const cache: Attribute.Attribute<Outcome> = Attribute.make<Outcome>("cache")

const lookups = Observe.counter(
  "service_client.cache.lookups",
  "HttpCache answers by outcome (hit, miss, revalidated, stale)",
  ["service", "endpoint", "outcome"]
)
const stores = Observe.counter("service_client.cache.stores", "Responses the HttpCache stored", ["service", "endpoint"])

/**
 * The cache's metrics (Effect `Metric` counters, shared by every cache of the program):
 * `service_client.cache.lookups` (tags `service`, `endpoint`, `outcome`: `hit`, `miss`,
 * `revalidated`, `stale`) and `service_client.cache.stores` (tags `service`, `endpoint`:
 * responses stored). The store's size is `cache.stats()`.
 *
 * @since 0.3.0
 * @category metrics
 */
export const metrics = { lookups: lookups.metric, stores: stores.metric }

/** The call's outcome: its attribute, its metric, its span attribute. */
const outcome = (session: Session.Session, value: Outcome): void => {
  cache.set(session, value)
  lookups.increment(session.service, session.endpoint, value)
  Observe.spanAttribute(session, "service_client.cache", value)
}

/**
 * The plugin, with its store's occupancy (tests, metrics).
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpCache extends Plugin.Plugin {
  /** How many responses and bytes the store holds now. */
  readonly stats: () => { readonly entries: number; readonly bytes: number }
}

/**
 * The endpoint setting `cache`: `false` keeps the endpoint's answers out of the cache.
 *
 * @since 0.1.0
 * @category settings
 */
export const setting = Setting.make("cache", Schema.Boolean)

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** HttpCache: `false` neither serves nor stores this endpoint's answers. */
    readonly cache?: boolean | undefined
  }
}

/** Request headers a stored response always varies on: one user's answer never serves another. */
const always: ReadonlyArray<string> = ["authorization", "cookie"]

/** The request's own conditional or partial headers: the call is the caller's to manage. */
const conditional: ReadonlyArray<string> = [
  "if-none-match",
  "if-modified-since",
  "if-match",
  "if-unmodified-since",
  "if-range",
  "range"
]

/** A miss this plugin stores when its body is read (a hidden attribute). */
const storeOnRead: Attribute.Attribute<boolean> = Attribute.make<boolean>("cacheStoreOnRead", { hidden: true })

/** Headers a 304 does not update (RFC 9111 §3.2). */
const keptOn304: ReadonlySet<string> = new Set([
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "content-range"
])

/** The flags of a stored response (`Store.flags`) from its `Cache-Control`. */
const flagsOf = (cc: Cache.Policy): number =>
  (cc.noCache ? Cache.noCache : 0) | (cc.mustRevalidate ? Cache.mustRevalidate : 0)

const unsafe: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"])

/** A stored response (`age` ms old) as this call's response. */
const answer = (
  session: Session.Session,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  age: number
): ServiceResponse => ({
  service: session.service,
  endpoint: session.endpoint,
  method: session.method,
  // the cookies were set by the stored response, not by this answer
  setCookie: [],
  url: session.url,
  status,
  headers: { ...headers, age: String(Math.floor(age / 1000)) },
  body,
  stream: undefined,
  data: undefined,
  attributes: session.attributes
})

/**
 * Builds the cache in the client's scope (background revalidations run in it). List it
 * first among the send wrappers but for Timeout (a hit then skips Coalesce, Retry, the
 * breaker and the limiters; a Timeout listed before it bounds a revalidation too).
 *
 * - A call's own `Cache-Control` is honoured: `no-store` (neither served nor stored),
 *   `no-cache` (always revalidated), `max-age=N` (no older answer).
 * - A call that sets its own conditional or `Range` headers goes to the server untouched.
 * - Stored responses vary on `Authorization` and `Cookie` besides their `Vary` headers.
 * - A successful POST, PUT, PATCH or DELETE forgets the stored responses of its URL and
 *   of its `Location` / `Content-Location` (same origin).
 * - A `streamResponse` endpoint is never cached.
 *
 * Throws a `SpecError` for bad options.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl,
 *   plugins: [HttpCache.make({ maxBytes: 8 * 1024 * 1024 }), Retry.make()]
 * })
 * const response = yield* client.call("getUser", { user_id: 1 })
 * response.attributes.cache // "hit" | "miss" | "revalidated" | "stale"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<HttpCache, never, Scope.Scope> => {
  const maxBytes = wholeNumber("HttpCache", "maxBytes", options.maxBytes, 1, 16 * 1024 * 1024)
  const maxEntryBytes = wholeNumber("HttpCache", "maxEntryBytes", options.maxEntryBytes, 1, Math.floor(maxBytes / 4))
  return Effect.map(Effect.scope, (scope) => {
    const store = new Cache.Store(maxBytes, maxEntryBytes)

    /** Stores a full response when its headers allow. */
    const keep = (session: Session.Session, response: ServiceResponse, now: number): void => {
      const body = response.body
      if (body === undefined || response.status === 206 || response.status === 304 || response.status < 200) return
      const headers = response.headers
      const cc = Cache.policy(headers["cache-control"])
      const vary = cc.noStore ? undefined : Cache.varyNames(headers["vary"], always)
      const lifetime = vary === undefined ? undefined : Cache.freshness(response.status, headers, cc, now)
      const swr = cc.mustRevalidate ? 0 : (cc.staleWhileRevalidate ?? 0)
      if (
        lifetime === undefined ||
        (lifetime === 0 && swr === 0 && headers["etag"] === undefined && headers["last-modified"] === undefined)
      ) {
        // an answer that may not be stored replaces nothing: a stored one is forgotten
        return store.delete(session.url, session.headers)
      }
      const slot = store.put(session.url, vary!, session.headers, response.status, headers, body)
      if (slot >= 0) {
        store.fresh(slot, now, Cache.initialAge(headers, now), lifetime, swr, flagsOf(cc))
        stores.increment(session.service, session.endpoint)
        Observe.spanEvent(session, "http_cache.stored")
      }
    }

    /**
     * Sends the request with the stored response's validators; a 304 answers with the
     * stored body, and renews the stored response's headers and freshness (if it is still
     * stored: `slot` at `gen`).
     */
    const revalidate = (
      session: Session.Session,
      slot: number,
      send: Plugin.Send,
      background: boolean
    ): Plugin.Send => {
      const gen = store.gen(slot)
      const status = store.status(slot)
      const stored = store.headers(slot)
      const body = store.body(slot)
      const etag = stored["etag"]
      const lastModified = stored["last-modified"]
      if (etag !== undefined) session.headers["if-none-match"] = etag
      if (lastModified !== undefined) session.headers["if-modified-since"] = lastModified
      return Effect.map(send, (response) => {
        const now = session.clock.unsafeCurrentTimeMillis()
        if (response.status === 304) {
          const headers: Record<string, string> = { ...stored }
          for (const name in response.headers) if (!keptOn304.has(name)) headers[name] = response.headers[name]!
          const cc = Cache.policy(headers["cache-control"])
          const age = Cache.initialAge(response.headers, now)
          if (store.holds(slot, gen)) {
            store.setHeaders(slot, headers)
            const lifetime = Cache.freshness(status, headers, cc, now) ?? 0
            store.fresh(slot, now, age, lifetime, cc.mustRevalidate ? 0 : (cc.staleWhileRevalidate ?? 0), flagsOf(cc))
          }
          if (!background) outcome(session, "revalidated")
          return answer(session, status, headers, body, age)
        }
        if (!background) outcome(session, "miss")
        keep(session, response, now)
        return response
      })
    }

    const invalidate = (session: Session.Session, response: ServiceResponse): void => {
      if (response.status >= 400) return
      store.deleteUrl(session.url)
      const origin = new URL(session.url).origin
      for (const name of ["location", "content-location"]) {
        const value = response.headers[name]
        if (value === undefined) continue
        try {
          const target = new URL(value, session.url)
          if (target.origin === origin) store.deleteUrl(target.href)
        } catch {
          // not a URL: nothing to forget
        }
      }
    }

    const plugin = Plugin.make("HttpCache", {
      aroundSend: (session, send) => {
        if (storeOnRead.get(session) === true) storeOnRead.set(session, false)
        if (session.method !== "GET") {
          return unsafe.has(session.method) ? Effect.tap(send, (r) => invalidate(session, r)) : send
        }
        if (session.definition.streamResponse === true || setting.fromEndpoint(session) === false) return send
        const headers = session.headers
        for (const name of conditional) if (headers[name] != null) return send
        const requested = Cache.policy(headers["cache-control"])
        if (requested.noStore) {
          outcome(session, "miss")
          return send
        }
        const slot = store.get(session.url, headers)
        if (slot < 0) {
          // stored by `onRead` once the body is read: no step of its own
          outcome(session, "miss")
          storeOnRead.set(session, true)
          return send
        }
        const now = session.clock.unsafeCurrentTimeMillis()
        const age = store.currentAge(slot, now)
        const flags = store.flags(slot)
        const lifetime = store.lifetime(slot)
        const maxAge = requested.maxAge
        const revalidateAnyway = (flags & Cache.noCache) !== 0 || requested.noCache ||
          (maxAge !== undefined && age > maxAge)
        if (!revalidateAnyway && age < lifetime) {
          outcome(session, "hit")
          return Effect.succeed(answer(session, store.status(slot), store.headers(slot), store.body(slot), age))
        }
        const staleFor = age - lifetime
        if (
          !revalidateAnyway && (flags & Cache.mustRevalidate) === 0 && staleFor < store.staleWhileRevalidate(slot)
        ) {
          outcome(session, "stale")
          const response = answer(session, store.status(slot), store.headers(slot), store.body(slot), age)
          if ((flags & Cache.revalidating) !== 0) return Effect.succeed(response)
          const gen = store.gen(slot)
          store.setRevalidating(slot, gen, true)
          const background = Effect.ensuring(
            Effect.ignore(revalidate(session, slot, send, true)),
            Effect.sync(() => store.setRevalidating(slot, gen, false))
          )
          return Effect.as(Effect.forkIn(background, scope), response)
        }
        return revalidate(session, slot, send, false)
      },
      // every attempt's answer (a Retry inside): the last one read is the one kept
      onRead: (session, response) => {
        if (storeOnRead.get(session) === true) keep(session, response, session.clock.unsafeCurrentTimeMillis())
        return Effect.void
      }
    }, { honoursDeadline: true, settings: [setting] })
    return Object.assign(plugin, { stats: () => ({ entries: store.size, bytes: store.bytes }) })
  })
}
