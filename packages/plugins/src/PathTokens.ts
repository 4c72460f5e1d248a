/**
 * Default path tokens: fills `{tokens}` that neither the endpoint's `pathTokens` nor the
 * call's input gave. The core percent-encodes every value, so a default can never change
 * the path's shape either.
 *
 * @since 0.1.0
 */
import * as Plugin from "@service-client/core/Plugin"
import { Effect } from "effect"
import { invalid, recordOption } from "./internal/options.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Token values by name. */
  readonly tokens: Readonly<Record<string, string | number>>
}

/** `target[key] = value` as an own key, also for `__proto__`. */
const setOwn = (target: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else target[key] = value
}

/**
 * Precedence: these defaults < endpoint `pathTokens` < call input. Throws a `SpecError`
 * for a value that is not a string or a finite number.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl,
 *   plugins: [PathTokens.make({ tokens: { version: "v2" } })]
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Plugin.Plugin => {
  const tokens = Object.entries(recordOption("PathTokens", "tokens", options?.tokens))
  for (const [name, value] of tokens) {
    if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) {
      invalid("PathTokens", `tokens.${name}`, "expected a string or a finite number")
    }
  }
  return Plugin.make("PathTokens", {
    preparePath: (session) => {
      const target = session.pathTokens
      for (const [name, value] of tokens) {
        // own keys only: a token named `toString` is not the prototype's function
        if (!Object.hasOwn(target, name) || target[name] === undefined) setOwn(target, name, value)
      }
      return Effect.void
    }
  })
}
