/**
 * A spec is a named record of endpoints, typed with `Spec.make`, or derived from an
 * @effect/platform `HttpApi` with `Spec.fromHttpApi`. Plain data (the seed's dictionary
 * shape) is decoded by `SpecLoader.fromRecord`, outside this module, so that a bundle
 * building its specs in code does not carry the decoder.
 *
 * @since 0.1.0
 */
import type { HttpApi } from "@effect/platform"
import { dual } from "effect/Function"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import * as Endpoint from "./Endpoint.js"
import { SpecError } from "./Errors.js"
import { endpointsOf, type FromHttpApi as FromHttpApiInternal } from "./internal/httpApi.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId = "~@service-client/core/Spec" as const

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category models
 */
export interface Spec<out Endpoints extends Record<string, Endpoint.Any> = Record<string, Endpoint.Any>>
  extends Pipeable
{
  readonly [TypeId]: TypeId
  readonly endpoints: Endpoints
  /** The file the spec was loaded from, if any: mock files are relative to it. */
  readonly file?: string | undefined
  /** The base URL a client uses when its options give none (an OpenAPI document's server). */
  readonly baseUrl?: string | undefined
  /**
   * Where a key of an endpoint was written (the file and line of a spec file), so that a
   * plugin's setting checked when the client is built is reported at its line.
   */
  readonly locate?: Locate | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export type Locate = (endpoint: string, path: ReadonlyArray<string | number>) => {
  readonly file?: string | undefined
  readonly line?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export type Any = Spec<Record<string, Endpoint.Any>>

/**
 * A spec decoded from plain data.
 *
 * @since 0.1.0
 * @category models
 */
export type Untyped = Spec<Record<string, Endpoint.Untyped>>

/**
 * Names an endpoint may not take: the client's own members, and the statics an
 * `Effect.Tag` class or a function already has (they would hide the accessor).
 *
 * @since 0.1.0
 * @category models
 */
export const reservedNames = [
  "call",
  "paginate",
  "service",
  "spec",
  "use",
  "of",
  "key",
  "context",
  "pipe",
  "name",
  "length",
  "apply",
  "bind",
  "caller",
  "arguments",
  "prototype",
  "toString",
  "toJSON",
  "valueOf",
  "constructor",
  "then",
  "__proto__",
  "hasOwnProperty",
  "Service",
  "Identifier",
  "stack"
] as const

/**
 * @since 0.1.0
 * @category type-level
 */
export type ReservedName = typeof reservedNames[number]

/**
 * @since 0.1.0
 * @category type-level
 */
export type CheckNames<E> = [Extract<keyof E, ReservedName>] extends [never] ? unknown
  : { readonly [K in Extract<keyof E, ReservedName>]: `the endpoint name "${K}" is reserved` }

const reserved: ReadonlySet<string> = new Set(reservedNames)

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/**
 * A spec of endpoints already checked (`fromHttpApi`, `SpecLoader.fromRecord`).
 *
 * @internal
 */
export const unsafeMake = <E extends Record<string, Endpoint.Any>>(
  endpoints: E,
  file?: string,
  baseUrl?: string,
  locate?: Locate
): Spec<E> => {
  const self = Object.create(Proto)
  self.endpoints = Object.freeze({ ...endpoints })
  if (file !== undefined) self.file = file
  if (baseUrl !== undefined) self.baseUrl = baseUrl
  if (locate !== undefined) self.locate = locate
  return Object.freeze(self)
}

/**
 * Why an endpoint may not take this name, if it may not.
 *
 * @internal
 */
export const checkName = (name: string, file?: string): SpecError | undefined => {
  if (name.length === 0) return new SpecError({ file, reason: "an endpoint name may not be empty" })
  if (reserved.has(name)) {
    return new SpecError({ file, endpoint: name, reason: `"${name}" is reserved for the client's own members` })
  }
  return undefined
}

/**
 * A typed spec. Throws a `SpecError` for a reserved endpoint name (also a compile error).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <const E extends Record<string, Endpoint.Any>>(endpoints: E & CheckNames<E>): Spec<E> => {
  for (const name of Object.keys(endpoints)) {
    const error = checkName(name)
    if (error) throw error
    if (!Endpoint.isEndpoint(endpoints[name])) throw new SpecError({ endpoint: name, reason: "not an Endpoint" })
  }
  return unsafeMake(endpoints)
}

/**
 * A spec of the same endpoints, remembering the file it came from.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withFile: {
  (file: string): <E extends Record<string, Endpoint.Any>>(self: Spec<E>) => Spec<E>
  <E extends Record<string, Endpoint.Any>>(self: Spec<E>, file: string): Spec<E>
} = dual(
  2,
  <E extends Record<string, Endpoint.Any>>(self: Spec<E>, file: string): Spec<E> =>
    unsafeMake(self.endpoints, file, self.baseUrl, self.locate)
)

/**
 * A spec of the same endpoints that reports where their keys were written (`SpecLoader`
 * does this for spec files).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLocate: {
  (locate: Locate): <E extends Record<string, Endpoint.Any>>(self: Spec<E>) => Spec<E>
  <E extends Record<string, Endpoint.Any>>(self: Spec<E>, locate: Locate): Spec<E>
} = dual(
  2,
  <E extends Record<string, Endpoint.Any>>(self: Spec<E>, locate: Locate): Spec<E> =>
    unsafeMake(self.endpoints, self.file, self.baseUrl, locate)
)

/**
 * A spec of the same endpoints with a default base URL: a client built without `baseUrl`
 * uses it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withBaseUrl: {
  (baseUrl: string): <E extends Record<string, Endpoint.Any>>(self: Spec<E>) => Spec<E>
  <E extends Record<string, Endpoint.Any>>(self: Spec<E>, baseUrl: string): Spec<E>
} = dual(
  2,
  <E extends Record<string, Endpoint.Any>>(self: Spec<E>, baseUrl: string): Spec<E> =>
    unsafeMake(self.endpoints, self.file, baseUrl, self.locate)
)

/**
 * @since 0.1.0
 * @category guards
 */
export const isSpec = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

/**
 * The endpoints `fromHttpApi` derives from an HttpApi definition, by name.
 *
 * @since 0.1.0
 * @category type-level
 */
export type FromHttpApi<A> = FromHttpApiInternal<A> extends infer E extends Record<string, Endpoint.Any> ? E : never

/**
 * A typed spec derived from an @effect/platform `HttpApi` definition, so that a service
 * written with HttpApi gets a client with every plugin and the mock transport: one
 * endpoint per endpoint of each group, named `group` + `Endpoint` (`users` + `getUser` →
 * `usersGetUser`; a top-level group's endpoints keep their names), its path
 * (`/users/:id` → `/users/{id}`), payload, url params (`querySchema`), headers, success
 * Schema, and error Schemas by status (the api's, the group's and the endpoint's, each
 * at its `HttpApiSchema` status; HttpApi's decode error at 400). Throws a `SpecError` for
 * what a client cannot express (a wildcard or optional path parameter, a reserved name).
 *
 * **Example**
 *
 * ```ts
 * const UsersApi = Spec.fromHttpApi(MyApi)
 * const users = yield* ServiceClient.make(UsersApi, { name: "users", baseUrl })
 * const user = yield* users.usersGetUser({ id: 1 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpApi = <A extends HttpApi.HttpApi.Any>(api: A): Spec<FromHttpApi<A>> => {
  const endpoints = endpointsOf(api)
  for (const name of Object.keys(endpoints)) {
    const error = checkName(name)
    if (error) throw error
  }
  return unsafeMake(endpoints) as Spec<FromHttpApi<A>>
}
