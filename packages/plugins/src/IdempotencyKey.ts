/**
 * IdempotencyKey: one `Idempotency-Key` header per call of a non-idempotent method (POST
 * and PATCH by default), the same on every attempt of the call, so a server that honours
 * it (Stripe, Adyen, the IETF draft "The Idempotency-Key HTTP Header Field") answers a
 * repeated request with the first one's outcome instead of acting twice. A call that
 * carries a key is safe to repeat: Retry retries it like an idempotent method.
 *
 * @since 0.1.0
 */
import type { Endpoint, Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"
import * as Plugin from "@service-client/core/Plugin"
import * as Setting from "@service-client/core/Setting"
import { Effect, Schema } from "effect"
import { checkHeader, invalid } from "./internal/options.js"
import * as Repeatable from "./internal/repeatable.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The header. Default `"Idempotency-Key"`. */
  readonly header?: string | undefined
  /** The methods that get a key. Default `["POST", "PATCH"]`. */
  readonly methods?: ReadonlyArray<Endpoint.Method> | undefined
  /** Only these endpoints (by name) get a key. Default: every endpoint with one of `methods`. */
  readonly endpoints?: ReadonlyArray<string> | undefined
  /** Makes a key for a call. Default: a random UUID (`crypto.randomUUID()`). */
  readonly generate?: ((session: Session.Session) => string) | undefined
}

const randomUUID = (): string => globalThis.crypto.randomUUID()

/**
 * `attributes.idempotencyKey`: the key the call sends.
 *
 * @since 0.1.0
 * @category attributes
 */
export const idempotencyKey: Attribute.Attribute<string> = Attribute.make<string>("idempotencyKey")

/**
 * The endpoint setting and call-input key `idempotencyKey`: `true` gives the endpoint (or
 * the call) a key whatever its method, `false` none, a string is the call's own key.
 *
 * @since 0.1.0
 * @category settings
 */
export const setting = Setting.make("idempotencyKey", Schema.Union(Schema.Boolean, Schema.NonEmptyString), {
  call: true
})

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** IdempotencyKey: `true` gives every call a key, `false` none. */
    readonly idempotencyKey?: boolean | undefined
  }
  interface CommonInput {
    /** IdempotencyKey: this call's own key, or `true`/`false`. */
    readonly idempotencyKey?: boolean | string | undefined
  }
}

/**
 * The key is made once per call, before the send (`prepareRequest`), so every attempt of
 * the call, and every log record, carries the same one; it is on `attributes.idempotencyKey`.
 * A key the call or the endpoint sets itself (`headers: { "idempotency-key": ... }`) is kept;
 * `null` there sends none (and the call is not retried unless its method is idempotent).
 *
 * Throws a `SpecError` for bad options.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "payments",
 *   baseUrl,
 *   plugins: [Retry.make(), IdempotencyKey.make({ endpoints: ["createCharge"] })]
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const header = options.header ?? "Idempotency-Key"
  const reason = checkHeader(header, "x")
  if (reason !== undefined) invalid("IdempotencyKey", "header", reason)
  const name = header.toLowerCase()
  const methods: ReadonlySet<string> = new Set(options.methods ?? ["POST", "PATCH"])
  const endpoints = options.endpoints === undefined ? undefined : new Set(options.endpoints)
  const generate = options.generate ?? randomUUID
  if (typeof generate !== "function") invalid("IdempotencyKey", "generate", "expected a function")
  return Plugin.make("IdempotencyKey", {
    prepareRequest: (session) => {
      const wanted = setting.get(session)
      if (wanted === false) return Effect.void
      if (
        wanted === undefined &&
        (!methods.has(session.method) || (endpoints !== undefined && !endpoints.has(session.endpoint)))
      ) return Effect.void
      const headers = session.headers
      let key = headers[name]
      if (key === null) return Effect.void
      if (key === undefined) headers[name] = key = typeof wanted === "string" ? wanted : generate(session)
      idempotencyKey.set(session, key)
      Repeatable.mark(session)
      return Effect.void
    }
  }, { settings: [setting] })
}
