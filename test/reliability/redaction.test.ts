/**
 * Property: no secret shows in an error (its message, `String(e)`, `JSON.stringify`,
 * `util.inspect`, `Cause.pretty` with and without the causes) nor in a log record:
 * credentials of a baseUrl (as text, `Redacted`, `Config`, `Config.redacted`), secret
 * headers failing a `headersSchema`, secret query values (default names and the client's
 * and the logger's own) in the URL of every error a call can end with, over every live
 * transport, and secret response headers kept by a `ResponseError`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Redact, ServiceClient, Spec, Transport } from "@service-client/core"
import { InnerLogger, LogFormat, OuterLogger, Timeout, Tracing } from "@service-client/plugins"
import type { Exit } from "effect"
import {
  Cause,
  Config,
  ConfigProvider,
  Effect,
  HashMap,
  Layer,
  Logger,
  Option,
  Redacted,
  Runtime,
  Schema
} from "effect"
import * as fc from "fast-check"
import * as MemoryTracer from "../support/memoryTracer.js"
import * as Fault from "./faultServer.js"
import { assertHidden, liveTransports, renderings, secret } from "./support.js"

const Api = Spec.make({
  get: Endpoint.get("/items/{id}"),
  typed: Endpoint.get("/typed", {
    headersSchema: Schema.Struct({
      authorization: Schema.String.pipe(Schema.pattern(/^Bearer [a-z]+$/)),
      "x-session": Schema.optional(Schema.String.pipe(Schema.maxLength(3)))
    }),
    querySchema: Schema.Struct({ api_key: Schema.optional(Schema.String.pipe(Schema.maxLength(3))) })
  })
})

describe("no secret in an error or a log record", () => {
  it.effect("a baseUrl with credentials: SpecError never shows them, however the URL is given", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          secret,
          secret,
          fc.constantFrom("text", "redacted", "config", "configRedacted"),
          fc.constantFrom("", "/base", "?x=1", "#frag", "/a/../b", " "),
          async (user, password, how, tail) => {
            const raw = `http://${user}:${password}@127.0.0.1:1${tail}`
            const provider = ConfigProvider.fromMap(new Map([["URL", raw]]))
            const baseUrl = how === "text"
              ? raw
              : how === "redacted"
              ? Redacted.make(raw)
              : how === "config"
              ? Config.string("URL")
              : Config.redacted("URL")
            const exit = await Effect.runPromiseExit(
              ServiceClient.make(Api, { name: "creds", baseUrl }).pipe(
                Effect.scoped,
                Effect.withConfigProvider(provider),
                Effect.provide(Layer.succeed(Transport.Transport, Transport.make(() => Effect.die("no send"))))
              )
            )
            const texts = renderings(exit)
            assert.include(texts[0], "baseUrl")
            assertHidden(texts, [password, user])
          }
        ),
        { numRuns: 60 }
      )
    ))

  it.scoped("a headersSchema or querySchema failing on a secret value: InputError never shows it", () =>
    Effect.gen(function*() {
      const server = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
      const client = yield* ServiceClient.make(Api, {
        name: "typed",
        baseUrl: server.url,
        redact: { headers: ["X-Session"] }
      })
      const runtime = yield* Effect.runtime<never>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(secret, secret, secret, fc.integer({ min: 0, max: 2 }), async (a, b, c, which) => {
            const input = which === 0
              ? { headers: { authorization: a } }
              : which === 1
              ? { headers: { authorization: "Bearer ok", "x-session": b } }
              : { headers: { authorization: "Bearer ok" }, query: { api_key: c } }
            const exit = await Runtime.runPromiseExit(runtime)(client.call("typed", input as never))
            const texts = renderings(exit)
            assert.include(texts[0], "typed.typed: invalid input")
            assertHidden(texts, [a, b, c])
          }),
          { numRuns: 60 }
        )
      )
      assert.strictEqual(server.requests.length, 0)
    }).pipe(Effect.provide(liveTransports[2]![1])))

  for (const [name, transport] of liveTransports) {
    it.scopedLive(
      `${name}: secret query values and response headers never show, whatever the call ends with`,
      () =>
        Effect.gen(function*() {
          let outcome: "500" | "invalidJson" | "reset" | "stall" | "ok" = "ok"
          let cookie = ""
          const server = yield* Fault.start((_, c) => {
            const headers = { "content-type": "application/json", "set-cookie": cookie, "x-session": cookie }
            switch (outcome) {
              case "500":
                return Fault.respond(c, 500, "{\"error\":1}", headers)
              case "invalidJson":
                return Fault.respond(c, 200, "{not json", headers)
              case "reset":
                return Fault.reset(c)
              case "stall":
                return
              case "ok":
                return Fault.respond(c, 200, "{}", headers)
            }
          })
          const lines: Array<string> = []
          const capture = Logger.make((options) => {
            const annotations: Record<string, unknown> = {}
            for (const [key, value] of HashMap.toEntries(options.annotations)) annotations[key] = value
            lines.push(
              String(LogFormat.make().log(options)),
              JSON.stringify({ message: options.message, annotations }),
              String(Logger.logfmtLogger.log(options))
            )
          })
          const tracer = MemoryTracer.make()
          const client = yield* ServiceClient.make(Api, {
            name: "q",
            baseUrl: server.url,
            redact: { query: ["session_id"], headers: ["x-session"] },
            plugins: [
              Tracing.make(),
              Timeout.make({ timeout: "300 millis" }),
              OuterLogger.make({ redactQuery: ["otp"] }),
              InnerLogger.make({ redactQuery: ["OTP"] })
            ]
          })
          const runtime = yield* Effect.runtime<never>()
          const names = fc.constantFrom(
            "api_key",
            "API-KEY",
            "apiKey",
            "access_token",
            "token",
            "signature",
            "password",
            "client_secret",
            "auth[token]",
            "session_id"
          )
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(
                fc.array(fc.tuple(names, secret), { minLength: 1, maxLength: 3 }),
                fc.stringMatching(/^[0-9]{8,12}$/).map((s) => `otp${s}`),
                fc.constantFrom(
                  "500" as const,
                  "invalidJson" as const,
                  "reset" as const,
                  "stall" as const,
                  "ok" as const
                ),
                async (pairs, otp, ending) => {
                  outcome = ending
                  cookie = pairs[0]![1] + "c"
                  lines.length = 0
                  const query: Record<string, string> = { plain: "visible" }
                  for (const [k, v] of pairs) query[k] = v
                  const exit = await Runtime.runPromiseExit(runtime)(
                    client.call("get", { id: 1, query: { ...query, otp } }).pipe(
                      Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
                      Effect.withTracer(tracer.tracer)
                    )
                  )
                  const secrets = [...pairs.map(([, v]) => v), cookie]
                  if (ending !== "ok") {
                    const texts = renderings(exit)
                    assert.include(texts[0], "plain=visible")
                    assertHidden(texts, secrets)
                    if (ending === "500") {
                      const error = Option.getOrThrow(Cause.failureOption((exit as Exit.Failure<unknown, any>).cause))
                      // the data is kept for the program, only its printing is redacted
                      assert.strictEqual(error.headers["set-cookie"], cookie)
                    }
                  }
                  assert.isAtLeast(lines.length, 3)
                  assertHidden(lines, [...secrets, otp])
                  const span = tracer.spans[tracer.spans.length - 1]!
                  assertHidden([String(span.attributes.get("url.full"))], secrets)
                }
              ),
              { numRuns: 25 }
            )
          )
          // the secrets did go over the wire
          assert.include(server.requests[0]!.target, "S3CR")
        }).pipe(Effect.provide(transport)),
      60_000
    )
  }

  it("Redact.url hides credentials and secret query and fragment values, and nothing else", () => {
    assert.strictEqual(
      Redact.url("https://u:p@h.example/a?x=1&api_key=s&Access-Token=t&auth%5Btoken%5D=z#access_token=f&y=2"),
      "https://<REDACTED>@h.example/a?x=1&api_key=<REDACTED>&Access-Token=<REDACTED>&auth%5Btoken%5D=<REDACTED>#access_token=<REDACTED>&y=2"
    )
    assert.strictEqual(Redact.url("http://h/p?q=1"), "http://h/p?q=1")
    assert.strictEqual(Redact.url("http//user:pw@host"), "http//<REDACTED>@host")
  })
})
