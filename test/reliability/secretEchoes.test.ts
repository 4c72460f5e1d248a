/**
 * Secrets and disguises a server or a caller can slip past the renderers: a redirect to a
 * Location that is not a URL, an error body that echoes secrets (decoded, or the request's
 * `Cookie` line), bracketed secret query names, a 10 MB URL, bidirectional controls and
 * secret fields in a logged body. Over both live transports; every error is searched in
 * every way it prints, every record in every way a Logger prints it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { InnerLogger, LogFormat, OuterLogger, Tracing } from "@service-client/plugins"
import { Cause, Effect, Exit, HashMap, Layer, Logger, LogLevel, Schema } from "effect"
import * as Util from "node:util"
import * as Fault from "./faultServer.js"
import { transports } from "./support.js"

const Api = Spec.make({
  get: Endpoint.get("/x", { success: Schema.Unknown }),
  err: Endpoint.get("/e", { success: Schema.Unknown, error: Schema.Unknown }),
  typed: Endpoint.get("/t", { success: Schema.Struct({ id: Schema.Number }) })
})

/** Every way a failed call's error prints. */
const printed = (exit: Exit.Exit<unknown, unknown>): string => {
  assert.isTrue(Exit.isFailure(exit))
  const cause = (exit as Exit.Failure<unknown, unknown>).cause
  const error = Cause.squash(cause) as Error
  return [error.message, String(error), JSON.stringify(error), Util.inspect(error), Cause.pretty(cause)].join("\n")
}

/** Every record, as LogFormat, logfmt and JSON of its annotations print it. */
const recorder = (lines: Array<string>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make((o) => {
      const annotations: Record<string, unknown> = {}
      for (const [key, value] of HashMap.toEntries(o.annotations)) annotations[key] = value
      lines.push(
        String(LogFormat.make().log(o)),
        String(Logger.logfmtLogger.log(o)),
        JSON.stringify({ message: o.message, annotations })
      )
    })
  )

const loggers = () => [Tracing.make(), OuterLogger.make({ level: "Debug" }), InnerLogger.make({ level: "Debug" })]

describe.each(transports)("secrets and disguises echoed back (%s)", (_, transport) => {
  const call = <A>(
    handler: Fault.Handler,
    use: (client: ServiceClient.Client<typeof Api>) => Effect.Effect<A, unknown>,
    lines: Array<string>
  ) =>
    Effect.gen(function*() {
      const server = yield* Fault.start(handler)
      const client = yield* ServiceClient.make(Api, { name: "svc", baseUrl: server.url, plugins: loggers() })
      return yield* Effect.exit(use(client))
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(transport, recorder(lines))),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )

  it.effect("a redirect to a Location that is not a URL shows it redacted", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const exit = yield* call(
        (_, c) => Fault.respond(c, 302, "", { location: "http://user:SECRETUI@[zz/?token=SECRETLOC&x=1" }),
        (client) => client.get(),
        lines
      )
      const text = printed(exit) + lines.join("\n")
      assert.include(text, "which is not a URL")
      assert.notInclude(text, "SECRETUI")
      assert.notInclude(text, "SECRETLOC")
    }))

  it.effect("a decoded error body and an echoed Cookie line show no secret", () =>
    Effect.gen(function*() {
      const decoded = yield* call(
        (_, c) => Fault.json(c, 500, { headers: { authorization: "Bearer SECRETAUTH" }, password: "SECRETPW" }),
        (client) => client.err(),
        []
      )
      const shown = printed(decoded)
      assert.notInclude(shown, "SECRETAUTH")
      assert.notInclude(shown, "SECRETPW")
      const echoed = yield* call(
        (request, c) =>
          Fault.respond(c, 500, `GET /e HTTP/1.1\r\nCookie: ${request.headers.cookie}\r\nX: y\r\n`, {
            "content-type": "text/plain"
          }),
        (client) => client.err({ headers: { cookie: "theme=dark; sessionid=SECRETCOOKIE" } }),
        []
      )
      const echo = printed(echoed)
      assert.include(echo, "Cookie: <REDACTED>")
      assert.notInclude(echo, "SECRETCOOKIE")
    }))

  it.effect("bracketed secret query names are redacted in errors and records", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const exit = yield* call(
        (_, c) => Fault.respond(c, 500, "x"),
        (client) =>
          client.get({
            query: { "token[]": "SECRETQ1", "auth[token][]": "SECRETQ2", "api_key[0]": "SECRETQ3", page: "2" }
          }),
        lines
      )
      const text = printed(exit) + lines.join("\n")
      for (const secret of ["SECRETQ1", "SECRETQ2", "SECRETQ3"]) assert.notInclude(text, secret)
      assert.include(text, "page=2")
    }))

  it.effect("a 10 MB URL shows bounded in every record", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const exit = yield* call((_, c) => Fault.respond(c, 500, "x"), (client) =>
        client.get({ query: { q: "A".repeat(10_000_000) } }), lines)
      assert.isTrue(Exit.isFailure(exit))
      assert.isAbove(lines.length, 0)
      for (const line of lines) {
        assert.isBelow(line.length, 40_000)
      }
    }))

  it.effect("bidirectional controls from the server are escaped in errors and records", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const exit = yield* call(
        (_, c) =>
          Fault.respond(c, 500, "{\"msg\":\"evil\u202Etxt.exe \u2066x\u2069 \u200f\"}", {
            "content-type": "text/plain"
          }),
        (client) => client.err(),
        lines
      )
      const text = printed(exit) + lines.join("\n")
      assert.include(text, "\\u202e")
      assert.notMatch(text, /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/)
    }))

  it.effect("a logger's own redactQuery names are redacted in the redirects it records", () =>
    Effect.gen(function*() {
      for (const redirect of ["follow", "error"] as const) {
        const lines: Array<string> = []
        yield* Effect.gen(function*() {
          const server = yield* Fault.start((request, c) =>
            request.target.startsWith("/final")
              ? Fault.json(c, 200, {})
              : Fault.respond(c, 302, "", { location: "/final?otp=SECRETOTP&page=2" })
          )
          const client = yield* ServiceClient.make(Api, {
            name: "svc",
            baseUrl: server.url,
            redirect,
            plugins: [
              OuterLogger.make({ level: "Debug", redactQuery: ["otp"] }),
              InnerLogger.make({ level: "Debug", redactQuery: ["otp"] })
            ]
          })
          yield* Effect.exit(client.get({ query: { otp: "SECRETOTP0" } }))
        }).pipe(
          Effect.scoped,
          Effect.provide(Layer.merge(transport, recorder(lines))),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
        const text = lines.join("\n")
        assert.include(text, "page=2", redirect)
        assert.notInclude(text, "SECRETOTP", redirect)
      }
    }))

  it.effect("secret fields of a logged body are redacted, the rest shows", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      yield* call(
        (_, c) =>
          Fault.respond(c, 200, "<p>password=SECRETHTML&x=1</p> {\"access_token\":\"SECRETJ\",\"id\":7}", {
            "content-type": "text/html"
          }),
        (client) => client.typed(),
        lines
      )
      const text = lines.join("\n")
      assert.include(text, "password=<REDACTED>")
      assert.notInclude(text, "SECRETHTML")
      assert.notInclude(text, "SECRETJ")
      assert.include(text, "\"id\\\":7")
    }))
})
