/**
 * A typed spec from an @effect/platform `HttpApi` definition, so that a service written
 * with HttpApi gets a client with every plugin and the mock transport. Kept out of `Spec`
 * so that a bundle building its specs with `Spec.make` carries no HttpApi mapping.
 *
 * @since 0.3.0
 */
import type { HttpApi } from "@effect/platform"
import type * as Endpoint from "./Endpoint.js"
import { endpointsOf, type FromHttpApi as FromHttpApiInternal } from "./internal/httpApi.js"
import * as Spec from "./Spec.js"

/**
 * The endpoints `fromHttpApi` derives from an HttpApi definition, by name.
 *
 * @since 0.3.0
 * @category type-level
 */
export type FromHttpApi<A> = FromHttpApiInternal<A> extends infer E extends Record<string, Endpoint.Any> ? E : never

/**
 * A typed spec derived from an @effect/platform `HttpApi` definition: one endpoint per
 * endpoint of each group, named `group` + `Endpoint` (`users` + `getUser` →
 * `usersGetUser`; a top-level group's endpoints keep their names), its path
 * (`/users/:id` → `/users/{id}`), payload, url params (`querySchema`), headers, success
 * Schema, and error Schemas by status (the api's, the group's and the endpoint's, each
 * at its `HttpApiSchema` status; HttpApi's decode error at 400). Throws a `SpecError` for
 * what a client cannot express (a wildcard or optional path parameter, a reserved name).
 *
 * **Example**
 *
 * ```ts
 * const UsersApi = HttpApiSpec.fromHttpApi(MyApi)
 * const users = yield* ServiceClient.make(UsersApi, { name: "users", baseUrl })
 * const user = yield* users.usersGetUser({ id: 1 })
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const fromHttpApi = <A extends HttpApi.HttpApi.Any>(api: A): Spec.Spec<FromHttpApi<A>> => {
  const endpoints = endpointsOf(api)
  for (const name of Object.keys(endpoints)) {
    const error = Spec.checkName(name)
    if (error) throw error
  }
  return Spec.unsafeMake(endpoints) as Spec.Spec<FromHttpApi<A>>
}
