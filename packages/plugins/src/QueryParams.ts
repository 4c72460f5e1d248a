/**
 * Default query parameters: merged under the endpoint's `query` and the call's `query`. A
 * `null` or `undefined` value in the input removes the key, default included; an array
 * repeats the key (`?tag=a&tag=b`).
 *
 * @since 0.1.0
 */
import type { QueryValue } from "@service-client/core/Endpoint"
import * as Plugin from "@service-client/core/Plugin"
import { Effect } from "effect"
import { invalid, recordOption } from "./internal/options.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly query: Readonly<Record<string, QueryValue>>
}

const isScalar = (u: unknown) =>
  typeof u === "string" || typeof u === "boolean" || typeof u === "bigint" ||
  (typeof u === "number" && Number.isFinite(u))

/** `target[key] = value` as an own key, also for `__proto__`. */
const setOwn = (target: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else target[key] = value
}

/**
 * Precedence: these defaults < endpoint `query` < call `query`. Throws a `SpecError` for a
 * default that is not a string, finite number, boolean, bigint or an array of them; a
 * `null`/`undefined` default is ignored.
 *
 * **Example**
 *
 * ```ts
 * QueryParams.make({ query: { lang: "en", fields: ["id", "name"] } })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Plugin.Plugin => {
  const query: Array<readonly [string, QueryValue]> = []
  for (const [key, value] of Object.entries(recordOption("QueryParams", "query", options?.query))) {
    if (value === null || value === undefined) continue
    if (!(isScalar(value) || (Array.isArray(value) && value.every(isScalar)))) {
      invalid("QueryParams", `query.${key}`, "expected a string, number, boolean, bigint or an array of them")
    }
    query.push([key, Array.isArray(value) ? Object.freeze([...value]) : value as QueryValue])
  }
  return Plugin.make("QueryParams", {
    prepareRequest: (session) => {
      const target = session.query
      for (const [key, value] of query) {
        // own keys only: a default named `constructor`, `toString`, `valueOf`... is not shadowed
        if (!Object.hasOwn(target, key)) setOwn(target, key, value)
      }
      return Effect.void
    }
  })
}
