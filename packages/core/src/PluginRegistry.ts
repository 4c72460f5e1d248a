/**
 * The plugin types a client config can name (`plugins: [{ type: "Pool", limit: 10 }]`):
 * a `Context.Reference` mapping each type name to a factory that validates its options
 * and builds the plugin. Empty by default; `@service-client/plugins` registers every
 * built-in plugin with its `Registry.layer`, and users add their own types with
 * {@link layer}.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Either, Layer, ParseResult, Schema, type Scope } from "effect"
import { SpecError } from "./Errors.js"
import * as Issue from "./internal/issue.js"
import * as Thrown from "./internal/thrown.js"
import * as Plugin from "./Plugin.js"
import * as Redact from "./Redact.js"

/**
 * Builds a plugin from the options of a config entry (the entry without its `type`).
 * Fails with a `SpecError` whose `key` names the option at fault.
 *
 * @since 0.1.0
 * @category models
 */
export type Factory = (options: unknown) => Effect.Effect<Plugin.Plugin<unknown>, SpecError, Scope.Scope>

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly factories: ReadonlyMap<string, Factory>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class PluginRegistry extends Context.Reference<PluginRegistry>()("@service-client/core/PluginRegistry", {
  defaultValue: (): Service => ({ factories: new Map() })
}) {}

/**
 * Adds plugin types to the registry in scope (a type already there is replaced).
 * Layers built on top of each other accumulate: provide them one after the other, or
 * chain them with `Layer.provide`, not with `Layer.merge` (merged layers see the same
 * registry and the last one wins).
 *
 * **Example**
 *
 * ```ts
 * const MyPlugins = PluginRegistry.layer({
 *   Stamp: PluginRegistry.fromSchema(Schema.Struct({ value: Schema.String }), ({ value }) => Stamp.make(value))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (entries: Readonly<Record<string, Factory>>): Layer.Layer<never> =>
  Layer.effect(
    PluginRegistry,
    Effect.map(PluginRegistry, (current): Service => ({
      factories: new Map([...current.factories, ...Object.entries(entries)])
    }))
  )

/**
 * A duration in a config: milliseconds as a number, or a string like `"5 seconds"`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DurationOption: Schema.Schema<Duration.Duration, number | string> = Schema.transformOrFail(
  Schema.Union(Schema.NonNegative, Schema.String),
  Schema.DurationFromSelf,
  {
    strict: true,
    decode: (input, _, ast) => {
      const decoded = Duration.decodeUnknown(input)
      return decoded._tag === "Some"
        ? ParseResult.succeed(decoded.value)
        : ParseResult.fail(
          new ParseResult.Type(
            ast,
            input,
            `expected milliseconds or a duration like "5 seconds", got ${JSON.stringify(input)}`
          )
        )
    },
    encode: (duration) => ParseResult.succeed(Duration.toMillis(duration))
  }
).annotations({ identifier: "Duration" })

/**
 * The first issue of a Schema failure as a `SpecError` naming the key.
 *
 * @since 0.1.0
 * @category errors
 */
export const specError = (error: ParseResult.ParseError, prefix?: string): SpecError => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  const path = (issue?.path ?? []).map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
  const key = [prefix, ...path].filter((p) => p !== undefined && p.length > 0).join(".").replace(/\.\[/g, "[")
  return new SpecError({ key: key.length === 0 ? undefined : key, reason: issue?.message ?? error.message })
}

/**
 * The `SpecError` of a Schema failure on `given` (plugin options, a config) quoting no
 * secret: the first issue of a run on a copy with the secret fields redacted.
 *
 * @internal
 */
export const redactedSpecError = (
  decode: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>,
  given: unknown,
  error: ParseResult.ParseError,
  prefix?: string
): SpecError => {
  const shown = Issue.rerun(decode, given, error, Redact.defaults)
  if (shown !== undefined) return specError(shown, prefix)
  const { key } = specError(error, prefix)
  return new SpecError({ key, reason: "the value failed its schema (value redacted)" })
}

/**
 * A factory whose options are decoded by `schema` (unknown options are an error), then
 * handed to `build`, which returns a plugin or the scoped Effect building one. A `build`
 * that throws fails with a `SpecError` too.
 *
 * **Example**
 *
 * ```ts
 * PluginRegistry.fromSchema(Schema.Struct({ limit: Schema.Int }), (options) => Pool.make(options))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSchema = <A, I>(
  schema: Schema.Schema<A, I, never>,
  build: (options: A) => Plugin.Plugin<unknown> | Effect.Effect<Plugin.Plugin<unknown>, SpecError, Scope.Scope>
): Factory => {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "first" })
  return (options) =>
    Effect.suspend(() => {
      const decoded = decode(options ?? {})
      if (Either.isLeft(decoded)) return Effect.fail(redactedSpecError(decode, options ?? {}, decoded.left))
      try {
        const plugin = build(decoded.right)
        return Plugin.isPlugin(plugin) ? Effect.succeed(plugin) : plugin
      } catch (e) {
        return Effect.fail(e instanceof SpecError ? e : new SpecError({ reason: Thrown.message(e) }))
      }
    })
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Looks up a plugin description's `type` in the registry and returns the Effect that
 * builds it. Fails at once with a `SpecError` (key `type`) for an unknown type.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lookup = (
  description: unknown
): Effect.Effect<Effect.Effect<Plugin.Plugin<unknown>, SpecError, Scope.Scope>, SpecError> =>
  Effect.flatMap(PluginRegistry, (registry) => {
    if (!isRecord(description)) {
      return Effect.fail(new SpecError({ reason: "a plugin is described by a mapping with a type" }))
    }
    const { type, ...options } = description
    const factory = typeof type === "string" ? registry.factories.get(type) : undefined
    if (factory === undefined) {
      const known = [...registry.factories.keys()].sort().join(", ")
      return Effect.fail(
        new SpecError({
          key: "type",
          reason: `unknown plugin type ${JSON.stringify(type)} (registered: ${known.length === 0 ? "none" : known})`
        })
      )
    }
    return Effect.succeed(Effect.suspend(() => factory(options)))
  })
