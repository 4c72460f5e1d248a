/**
 * Type tests of the `dual` APIs (checked by `tsc -b`): the data-first and the data-last
 * (pipeable) forms infer the same types, and wrong uses are compile errors.
 */
import { Deadline, Endpoint, type Errors, type Session, Spec } from "@service-client/core"
import type { Effect } from "effect"
import { pipe, Schema } from "effect"

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const ok = <T extends true>(_?: T) => {}

class Boom extends Schema.TaggedError<Boom>()("Boom", {}) {}
interface Needs {
  readonly _: unique symbol
}

declare const session: Session.Session
declare const effect: Effect.Effect<number, Boom, Needs>

// Deadline.bound adds the deadline's TimeoutError and keeps the success and the requirements
type Bounded = Effect.Effect<number, Boom | Errors.TimeoutError, Needs>
const boundFirst = Deadline.bound(effect, session)
ok<Equals<typeof boundFirst, Bounded>>()
const boundLast = effect.pipe(Deadline.bound(session))
ok<Equals<typeof boundLast, Bounded>>()
const boundPiped = pipe(effect, Deadline.bound(session))
ok<Equals<typeof boundPiped, Bounded>>()
const boundCurried = Deadline.bound(session)
ok<Equals<ReturnType<typeof boundCurried<string, never, never>>, Effect.Effect<string, Errors.TimeoutError>>>()
// @ts-expect-error: a session is needed
Deadline.bound(effect)
// @ts-expect-error: not a session
Deadline.bound(effect, { service: "s" })
// @ts-expect-error: not a session
effect.pipe(Deadline.bound(42))
// @ts-expect-error: the data-last form takes the session only
Deadline.bound(session, session)

// Deadline.within keeps the effect's type whole (its deadline ends the wait inside it)
type Within = Effect.Effect<number, Boom, Needs>
const withinFirst = Deadline.within(effect, session, "2 seconds")
ok<Equals<typeof withinFirst, Within>>()
const withinLast = effect.pipe(Deadline.within(session, "2 seconds"))
ok<Equals<typeof withinLast, Within>>()
const withinMillis = pipe(effect, Deadline.within(session, 500))
ok<Equals<typeof withinMillis, Within>>()
// @ts-expect-error: the timeout is a duration
Deadline.within(effect, session, "soon")
// @ts-expect-error: the timeout is a duration
effect.pipe(Deadline.within(session, { ms: 5 }))
// @ts-expect-error: a timeout is needed
effect.pipe(Deadline.within(session))
// @ts-expect-error: not a session
Deadline.within(effect, "2 seconds", session)

// Spec.withFile / withLocate / withBaseUrl keep the endpoints' types
const Api = Spec.make({ getUser: Endpoint.get("/users/{user_id}", { success: Schema.Struct({ id: Schema.Number }) }) })
type Api = typeof Api
const locate: Spec.Locate = () => ({ file: "api.yaml", line: 3 })

const fileFirst = Spec.withFile(Api, "api.yaml")
ok<Equals<typeof fileFirst, Api>>()
const fileLast = Api.pipe(Spec.withFile("api.yaml"))
ok<Equals<typeof fileLast, Api>>()
const locateFirst = Spec.withLocate(Api, locate)
ok<Equals<typeof locateFirst, Api>>()
const locateLast = pipe(Api, Spec.withLocate(locate))
ok<Equals<typeof locateLast, Api>>()
const baseFirst = Spec.withBaseUrl(Api, "http://127.0.0.1:1")
ok<Equals<typeof baseFirst, Api>>()
const baseLast = Api.pipe(Spec.withBaseUrl("http://127.0.0.1:1"))
ok<Equals<typeof baseLast, Api>>()
// the endpoint types survive: the success of getUser is still known
ok<Equals<Endpoint.Success<typeof baseLast.endpoints.getUser>, { readonly id: number }>>()

// @ts-expect-error: a file is a string
Spec.withFile(Api, 1)
// @ts-expect-error: a file is a string
Api.pipe(Spec.withFile(undefined))
// @ts-expect-error: not a spec
Spec.withFile({ endpoints: {} }, "api.yaml")
// @ts-expect-error: a locate answers a file and a line
Spec.withLocate(Api, () => "api.yaml:3")
// @ts-expect-error: a locate is a function
pipe(Api, Spec.withLocate({ file: "api.yaml" }))
// @ts-expect-error: a base URL is a string
Spec.withBaseUrl(Api, new URL("http://127.0.0.1:1"))
