/**
 * The users service, declared once as a typed Spec, and once more as plain data (the
 * shape a JSON/YAML spec file has).
 */
import type { ServiceClient } from "@service-client/core"
import { Endpoint, Spec } from "@service-client/core"
import { Effect, Schema } from "effect"

export class User extends Schema.Class<User>("User")({
  id: Schema.Number,
  username: Schema.String,
  email: Schema.optional(Schema.String)
}) {}

export const NewUser = Schema.Struct({ username: Schema.String, email: Schema.optional(Schema.String) })
export const ApiError = Schema.Struct({ error: Schema.String })

export const UserApi = Spec.make({
  listUsers: Endpoint.get("/users", {
    success: Schema.Array(User),
    querySchema: Schema.Struct({ limit: Schema.optional(Schema.NumberFromString) })
  }),
  getUser: Endpoint.get("/users/{user_id}", { success: User, error: ApiError }),
  createUser: Endpoint.post("/users", { payload: NewUser, success: User, error: ApiError }),
  updateUser: Endpoint.put("/users/{user_id}", { payload: NewUser, success: User, error: ApiError }),
  deleteUser: Endpoint.del("/users/{user_id}", { error: ApiError })
})

/** The same service as plain data: untyped, decoded by `SpecLoader.fromRecord`. */
export const userApiRecord = {
  listUsers: { path: "/users" },
  getUser: { path: "/users/{user_id}", method: "get" },
  createUser: { path: "/users", method: "post" },
  updateUser: { path: "/users/{user_id}", method: "put" },
  deleteUser: { path: "/users/{user_id}", method: "delete" }
}

/** The tag programs depend on: `yield* UserService.getUser({ user_id: 1 })`. */
export class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}
