import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Effect, Schema } from "effect"
import * as Fake from "./fakeTransport.js"

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

const NotFound = Schema.Struct({ missing: Schema.String })
const Conflict = Schema.Struct({ conflictsWith: Schema.Number })

const Api = Spec.make({
  byStatus: Endpoint.get("/u/{id}", { error: { 404: NotFound, 409: Conflict } }),
  oneSchema: Endpoint.get("/v", { error: NotFound })
})

const answers: Record<string, { status: number; body: string }> = {
  "/u/1": { status: 404, body: `{"missing":"user 1"}` },
  "/u/2": { status: 409, body: `{"conflictsWith":7}` },
  "/u/3": { status: 500, body: `oops` },
  "/u/4": { status: 404, body: `{"other":true}` },
  "/v": { status: 500, body: `{"other":true}` }
}

const client = Effect.gen(function*() {
  const fake = Fake.make((session) => answers[new URL(session.url).pathname]!)
  return yield* ServiceClient.make(Api, { name: "users", baseUrl: "http://127.0.0.1:9" }).pipe(
    Effect.provide(fake.layer)
  )
})

describe("per-status error bodies", () => {
  it.scoped("checking the status narrows the decoded body", () =>
    Effect.gen(function*() {
      const users = yield* client
      const described = (id: number) =>
        users.byStatus({ id }).pipe(
          Effect.as("ok"),
          Effect.catchTag("ResponseError", (e) => {
            if (e.status === 404) {
              const exact: Equals<typeof e.error, { readonly missing: string }> = true
              return Effect.succeed(`${exact} missing ${e.error.missing}`)
            }
            if (e.status === 409) return Effect.succeed(`conflict ${e.error.conflictsWith}`)
            const none: Equals<typeof e.error, undefined> = true
            // @ts-expect-error no decoded body for an undeclared status
            const never = (): unknown => e.error.missing
            return Effect.succeed(`${none && typeof never === "function"} status ${e.status}`)
          })
        )
      assert.strictEqual(yield* described(1), "true missing user 1")
      assert.strictEqual(yield* described(2), "conflict 7")
      assert.strictEqual(yield* described(3), "true status 500")
    }))

  it.scoped("a declared status whose body fails its Schema is a ParseError (its type is exact)", () =>
    Effect.gen(function*() {
      const users = yield* client
      const error = yield* Effect.flip(users.byStatus({ id: 4 }))
      assert.strictEqual(error._tag, "ParseError")
      if (error._tag === "ParseError") {
        assert.strictEqual(error.status, 404)
        assert.include(error.reason, "the 404 body does not match its error schema")
      }
    }))

  it.scoped("one Schema for every status keeps a body that does not match as undefined", () =>
    Effect.gen(function*() {
      const users = yield* client
      const error = yield* Effect.flip(users.oneSchema())
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag === "ResponseError") {
        const loose: Equals<typeof error.error, { readonly missing: string } | undefined> = true
        assert.isTrue(loose)
        assert.strictEqual(error.error, undefined)
      }
    }))
})
