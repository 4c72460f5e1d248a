/**
 * Default headers: merged under the endpoint's `headers` and the call's `headers`, names
 * compared case-insensitively. A header the input sets to `null` is removed, default
 * included.
 *
 * @since 0.1.0
 */
import * as Plugin from "@service-client/core/Plugin"
import { Effect } from "effect"
import { checkHeader, invalid, recordOption } from "./internal/options.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly headers: Readonly<Record<string, string>>
}

/** `target[key] = value` as an own key, also for `__proto__`. */
const setOwn = (target: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else target[key] = value
}

/**
 * Precedence: these defaults < endpoint `headers` < call `headers`. The defaults are
 * checked here: `make` throws a `SpecError` for an invalid name or a value with CR, LF or
 * NUL (a mistake in code), so a bad default never reaches a request. Values from the
 * endpoint and the input are checked by the core per call (`InputError`, key "headers").
 *
 * **Example**
 *
 * ```ts
 * Headers.make({ headers: { "User-Agent": "my-app/1.0", Accept: "application/json" } })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Plugin.Plugin => {
  const headers: Array<readonly [string, string]> = []
  for (const [name, value] of Object.entries(recordOption("Headers", "headers", options?.headers))) {
    const reason = checkHeader(name, value)
    if (reason !== undefined) invalid("Headers", `headers.${name}`, reason)
    const lower = name.toLowerCase()
    const i = headers.findIndex(([n]) => n === lower)
    if (i >= 0) headers.splice(i, 1)
    headers.push([lower, value as string])
  }
  return Plugin.make("Headers", {
    prepareRequest: (session) => {
      const target = session.headers
      for (const [name, value] of headers) {
        // own keys only: a default named like an Object.prototype member is not shadowed
        if (!Object.hasOwn(target, name)) setOwn(target, name, value)
      }
      return Effect.void
    }
  })
}
