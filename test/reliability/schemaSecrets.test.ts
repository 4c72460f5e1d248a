/**
 * Property: a secret in a value a Schema refuses never shows in the error (message,
 * `String(e)`, JSON, `util.inspect`, `Cause.pretty`): payload fields named like secrets
 * at any depth, a request model's headers and payload, a plugin's call setting; and, over
 * every live transport, a response body holding secret fields: one failing the success
 * Schema or its status's error Schema, one that is not valid JSON, one quoted by a
 * `ResponseError`'s message (JSON or form text). The data itself stays with the program
 * (`ResponseError.text`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Setting, Spec } from "@service-client/core"
import type { Exit } from "effect"
import { Cause, Effect, Option, Runtime, Schema } from "effect"
import * as fc from "fast-check"
import * as Fault from "./faultServer.js"
import { assertHidden, liveTransports, renderings, secret } from "./support.js"

const secretName = fc.constantFrom("password", "access_token", "apiKey", "client_secret", "token", "Authorization")

class Login extends Schema.Class<Login>("Login")({
  user: Schema.String,
  headers: Schema.Struct({ authorization: Schema.String.pipe(Schema.startsWith("Bearer ")) }),
  payload: Schema.Struct({ password: Schema.String.pipe(Schema.minLength(40)) })
}) {}

const credentials = Setting.make(
  "credentials",
  Schema.Struct({ token: Schema.String.pipe(Schema.pattern(/^[0-9]+$/)) }),
  { call: true, endpoint: false }
)
const withCredentials = Plugin.make("Credentials", {}, { settings: [credentials] })

/** A union the value matches no member of: the issue quotes the whole value. */
const Shape = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("a"), n: Schema.Number }),
  Schema.Struct({ kind: Schema.Literal("b"), list: Schema.Array(Schema.Number) })
)

const Api = Spec.make({
  create: Endpoint.post("/create", { payload: Schema.Struct({ item: Shape }) }),
  nested: Endpoint.post("/nested", {
    payload: Schema.Struct({ items: Schema.Array(Schema.Struct({ secret: Schema.String.pipe(Schema.maxLength(3)) })) })
  }),
  login: Endpoint.post("/login/{user}", { input: Login }),
  read: Endpoint.get("/read", { success: Shape }),
  strict: Endpoint.get("/strict", { error: { 404: Schema.Struct({ code: Schema.Number }) } }),
  raw: Endpoint.get("/raw")
})

describe("no secret from a value a Schema refuses", () => {
  it.scoped("request side: payload fields, a request model, a call setting (nothing sent)", () =>
    Effect.gen(function*() {
      const server = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
      const client = yield* ServiceClient.make(Api, { name: "s", baseUrl: server.url, plugins: [withCredentials] })
      const runtime = yield* Effect.runtime<never>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            secretName,
            secret,
            fc.integer({ min: 0, max: 3 }),
            fc.nat(3),
            async (name, s, which, at) => {
              const call = which === 0
                ? client.call("create", { payload: { item: { kind: "c", [name]: s, deep: { [name]: [s] } } } } as never)
                : which === 1
                ? client.call("nested", {
                  payload: { items: [...Array.from({ length: at }, () => ({ secret: "ok" })), { secret: s }] }
                })
                : which === 2
                ? client.call("login", {
                  user: "u",
                  headers: { authorization: at % 2 === 0 ? s : "Bearer x" },
                  payload: { password: s }
                })
                : client.call("create", { payload: { item: { kind: "a", n: 1 } }, credentials: { token: s } } as never)
              const exit = await Runtime.runPromiseExit(runtime)(call)
              const texts = renderings(exit)
              assert.include(texts[0], "invalid input")
              assertHidden(texts, [s])
            }
          ),
          { numRuns: 60 }
        )
      )
      assert.strictEqual(server.requests.length, 0)
    }).pipe(Effect.provide(liveTransports[2]![1])))

  for (const [name, transport] of liveTransports) {
    it.scopedLive(`${name}: response bodies with secret fields`, () =>
      Effect.gen(function*() {
        let answer: { status: number; body: string; type: string } = { status: 200, body: "{}", type: "" }
        const server = yield* Fault.start((_, c) =>
          Fault.respond(c, answer.status, answer.body, { "content-type": answer.type })
        )
        const client = yield* ServiceClient.make(Api, { name: "r", baseUrl: server.url })
        const runtime = yield* Effect.runtime<never>()
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              secretName,
              secret,
              fc.constantFrom("success", "errorSchema", "invalidJson", "json500", "form500", "long500"),
              async (field, s, kind) => {
                const json = "application/json"
                const body = { kind: "c", [field]: s, nested: { [field]: { value: s } } }
                answer = kind === "success"
                  ? { status: 200, body: JSON.stringify(body), type: json }
                  : kind === "errorSchema"
                  ? { status: 404, body: JSON.stringify({ code: "x", [field]: s }), type: json }
                  : kind === "invalidJson"
                  ? { status: 200, body: `{"${field}": "${s}", oops`, type: json }
                  : kind === "json500"
                  ? { status: 500, body: JSON.stringify({ error: body }), type: json }
                  : kind === "form500"
                  ? { status: 500, body: `error=denied&${field}=${s}&x=1`, type: "text/plain" }
                  : { status: 500, body: `${"x".repeat(150)} ${field}: ${s}\n${"y".repeat(3000)}`, type: "text/plain" }
                const endpoint = kind === "success" || kind === "invalidJson"
                  ? "read"
                  : kind === "errorSchema"
                  ? "strict"
                  : "raw"
                const exit = await Runtime.runPromiseExit(runtime)(client.call(endpoint, {}))
                const texts = renderings(exit)
                assertHidden(texts, [s])
                const error = Option.getOrThrow(Cause.failureOption((exit as Exit.Failure<unknown, any>).cause))
                assert.strictEqual(error._tag, kind.endsWith("500") ? "ResponseError" : "ParseError")
                if (error._tag === "ResponseError") {
                  // the program still has the body; only its printing is redacted
                  assert.include(error.text, s)
                  assert.include(error.message, "<REDACTED>")
                }
              }
            ),
            { numRuns: 30 }
          )
        )
      }).pipe(Effect.provide(transport)))
  }
})
