/**
 * A typed attribute of a call: a key object owned by the plugin that writes it (Pool's
 * `blockedByPool`, Retry's `attempts`, Elapsed's `elapsed`...), read by other plugins from
 * the session and by users from the response, with its type. The value lives on the
 * session's `attributes` under the key's name, so loggers print it and
 * `ServiceResponse.attributes` / `ResponseError.attributes` carry it; a `hidden` key (a
 * plugin's private slot on the session, such as a function) is stored under a symbol,
 * which loggers do not print.
 *
 * @since 0.1.0
 */
import { type Pipeable, pipeArguments } from "effect/Pipeable"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId = "~@service-client/core/Attribute" as const

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * What carries attributes: a `Session`, a `ServiceResponse`, a `ResponseError`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Holder {
  readonly attributes: object
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Attribute<in out A> extends Pipeable {
  readonly [TypeId]: TypeId
  /** The name it is printed under (`attributes[name]`). */
  readonly name: string
  /** The property it is stored under: the name, or a symbol for a hidden key. */
  readonly key: string | symbol
  /** The value on `holder`, `undefined` when no plugin wrote it. */
  readonly get: (holder: Holder) => A | undefined
  /** Writes the value on a session (or any mutable holder). */
  readonly set: (holder: Holder, value: A) => void
}

/**
 * The type of an attribute's value.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Type<K> = K extends Attribute<infer A> ? A : never

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/**
 * A new attribute key. `hidden: true` stores the value under a symbol (not printed by
 * loggers, not a key of `Object.keys(attributes)`): a plugin's private state on a session.
 *
 * **Example**
 *
 * ```ts
 * const failures = Attribute.make<number>("breakerFailures")
 * // a plugin writes it: failures.set(session, 3); another reads it: failures.get(response)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A>(name: string, options?: { readonly hidden?: boolean | undefined }): Attribute<A> => {
  const key: string | symbol = options?.hidden === true ? Symbol(name) : name
  const self = Object.create(Proto)
  self.name = name
  self.key = key
  self.get = (holder: Holder) => (holder.attributes as Record<PropertyKey, unknown>)[key] as A | undefined
  self.set = (holder: Holder, value: A) => {
    ;(holder.attributes as Record<PropertyKey, unknown>)[key] = value
  }
  return Object.freeze(self)
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isAttribute = (u: unknown): u is Attribute<unknown> => typeof u === "object" && u !== null && TypeId in u
