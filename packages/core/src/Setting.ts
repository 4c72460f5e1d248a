/**
 * A setting a plugin owns: a key of the endpoint settings (in code or in a spec file) and
 * of the call input, with the Schema that decodes it. The plugin lists its settings in
 * `Plugin.make(name, hooks, { settings })`; the client decodes each endpoint's value once
 * when it is built (a `SpecError` naming the file, line, endpoint and key otherwise) and
 * each call's value before any I/O (an `InputError`), and the plugin's hooks read the
 * decoded values with `get`.
 *
 * Typing the key in `Endpoint.get(path, { ... })` and in a call's input is a module
 * augmentation of `Endpoint.Settings` / `Endpoint.CommonInput`:
 *
 * ```ts
 * declare module "@service-client/core/Endpoint" {
 *   interface Settings { readonly breaker?: { readonly threshold?: number } | undefined }
 * }
 * ```
 *
 * @since 0.1.0
 */
import { type Either, type ParseResult, Schema } from "effect"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import { noSettings } from "./internal/noSettings.js"
import type { Session } from "./Session.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId = "~@service-client/core/Setting" as const

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category models
 */
export interface Setting<in out A> extends Pipeable {
  readonly [TypeId]: TypeId
  readonly key: string
  /** Decodes the plain value (from a spec file, a config, code or a call's input). */
  readonly schema: Schema.Schema<A, any, never>
  /** The Schema's decoder (unknown keys of a struct are an error). */
  readonly decode: (u: unknown) => Either.Either<A, ParseResult.ParseError>
  /** Whether an endpoint may set it (default true). */
  readonly endpoint: boolean
  /** Whether a call's input may set it (default false). */
  readonly call: boolean
  /** The endpoint's decoded value, if it sets one. */
  readonly fromEndpoint: (session: Session) => A | undefined
  /** The call's decoded value, if its input sets one. */
  readonly fromCall: (session: Session) => A | undefined
  /** The call's value, else the endpoint's. */
  readonly get: (session: Session) => A | undefined
}

/**
 * The decoded type of a setting.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Type<S> = S extends Setting<infer A> ? A : never

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/**
 * A setting `key` decoded by `schema`. `call: true` lets a call's input set it too.
 *
 * **Example**
 *
 * ```ts
 * const breaker = Setting.make("breaker", Schema.Struct({ threshold: Schema.Int }))
 * const plugin = Plugin.make("Breaker", {
 *   prepareSession: (session) => Effect.sync(() => console.log(breaker.get(session)?.threshold))
 * }, { settings: [breaker] })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I>(
  key: string,
  schema: Schema.Schema<A, I, never>,
  options?: { readonly endpoint?: boolean | undefined; readonly call?: boolean | undefined }
): Setting<A> => {
  const self = Object.create(Proto)
  self.key = key
  self.schema = schema
  self.decode = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "first" })
  self.endpoint = options?.endpoint !== false
  self.call = options?.call === true
  // most calls and endpoints set nothing: their settings are one shared object (no lookup)
  const read = (settings: Readonly<Record<string, unknown>>) =>
    (settings === noSettings ? undefined : settings[key]) as A | undefined
  self.fromEndpoint = (session: Session) => read(session.settings)
  self.fromCall = (session: Session) => read(session.callSettings)
  self.get = (session: Session) => {
    const fromCall = read(session.callSettings)
    return fromCall === undefined ? read(session.settings) : fromCall
  }
  return Object.freeze(self)
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isSetting = (u: unknown): u is Setting<unknown> => typeof u === "object" && u !== null && TypeId in u
