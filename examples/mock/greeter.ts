/**
 * An example program with a planted bug, found by a property test over generated answers
 * (greeter.test.ts): `initials` assumes every username has a first letter, but the
 * service's Schema allows an empty one.
 */
import type { ServiceClient } from "@service-client/core"
import { Endpoint, Spec } from "@service-client/core"
import { Effect, Schema } from "effect"

export const User = Schema.Struct({ id: Schema.Number, username: Schema.String, email: Schema.String })

export const UserApi = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: User })
})

export class Users extends Effect.Tag("examples/mock/Users")<Users, ServiceClient.Client<typeof UserApi>>() {}

/** The bug: `username[0]` is `undefined` for an empty username. */
export const initials = (username: string): string => username[0]!.toUpperCase()

/** The fix. */
export const initialsFixed = (username: string): string => (username.length === 0 ? "?" : username[0]!.toUpperCase())

export const greet = (initialsOf: (username: string) => string) =>
  Effect.map(Users.getUser({ user_id: 1 }), (user) => `Hello ${initialsOf(user.username)} <${user.email}>`)
