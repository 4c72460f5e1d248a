/**
 * Property: whatever a server answers (any bytes in the body, any header byte the HTTP
 * parser lets through, JSON nested thousands deep, any status), the loggers and LogFormat
 * write one clean line per record and never die, and error messages are one clean line,
 * over every live transport: core's `Transport.layer` over @effect/platform (undici and
 * fetch) and `NodeTransport`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Render, ServiceClient, Spec } from "@service-client/core"
import { InnerLogger, LogFormat, OuterLogger, TrackingToken } from "@service-client/plugins"
import { Cause, Effect, Exit, HashMap, Logger, Option, Runtime, Schema } from "effect"
import * as fc from "fast-check"
import * as Fault from "./faultServer.js"
import { assertNoDefect, liveTransports } from "./support.js"

/** Characters that would end or disguise a log line. */
const lineBreaking =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?:[\ud800-\udbff](?![\udc00-\udfff]))|(?:(?<![\ud800-\udbff])[\udc00-\udfff])/

const Api = Spec.make({
  json: Endpoint.get("/json", { success: Schema.Unknown }),
  text: Endpoint.post("/text")
})

const deepJson = (n: number) => "[".repeat(n) + "]".repeat(n)
const deepObject = (n: number) => "{\"a\":".repeat(n) + "1" + "}".repeat(n)

const body = fc.oneof(
  fc.string({
    unit: fc.constantFrom("\n", "\r", "\u001b", "\u0085", "\u2028", "\u2029", "\ud800", "a", "{", "\"", "é")
  })
    .map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.json().map((s) => Buffer.from(s)),
  fc.constantFrom(deepJson(5_000), deepObject(5_000), JSON.stringify("line1\nline2\r\nINFO forged")).map((s) =>
    Buffer.from(s)
  )
)

/** Header bytes the HTTP parsers may let through: obs-text (C1 as Latin-1), tab, DEL, other C0. */
const headerValue = fc.uint8Array({ minLength: 1, maxLength: 20 })
  .map((b) => Buffer.from(b.filter((x) => x !== 0x0d && x !== 0x0a && x !== 0x00)))
  .filter((b) => b.length > 0)

const sample = fc.record({
  status: fc.constantFrom(200, 200, 500, 404),
  contentType: fc.constantFrom("application/json", "text/plain; charset=utf-8", undefined),
  body,
  header: headerValue,
  endpoint: fc.constantFrom("json" as const, "text" as const)
})

type Sample = typeof sample extends fc.Arbitrary<infer A> ? A : never

describe("hostile responses never forge a log line nor kill a call", () => {
  for (const [name, transport] of liveTransports) {
    it.scoped(`${name}: any body, header or status`, () =>
      Effect.gen(function*() {
        let current: Sample | undefined
        const server = yield* Fault.start((_, c) => {
          const s = current!
          const head = Buffer.concat([
            Buffer.from(`HTTP/1.1 ${s.status} X\r\ncontent-length: ${s.body.length}\r\n`),
            s.contentType === undefined ? Buffer.alloc(0) : Buffer.from(`content-type: ${s.contentType}\r\n`),
            Buffer.from("x-hostile: "),
            s.header,
            Buffer.from("\r\n\r\n")
          ])
          c.socket.write(Buffer.concat([head, s.body]))
        })
        const lines: Array<string> = []
        const pretty: Array<string> = []
        const capture = Logger.make((options) => {
          const annotations: Record<string, unknown> = {}
          for (const [key, value] of HashMap.toEntries(options.annotations)) annotations[key] = value
          lines.push(String(LogFormat.make().log(options)), JSON.stringify({ message: options.message, annotations }))
          // Effect's own loggers print an object annotation (headers, query) as indented JSON
          pretty.push(String(Logger.stringLogger.log(options)), String(Logger.logfmtLogger.log(options)))
        })
        const client = yield* ServiceClient.make(Api, {
          name: "hostile",
          baseUrl: server.url,
          plugins: [TrackingToken.make(), OuterLogger.make(), InnerLogger.make({ maxBodyLength: 300 })]
        })
        const runtime = yield* Effect.runtime<never>()
        const call = (s: Sample) =>
          Effect.exit(
            s.endpoint === "json"
              ? client.json()
              : client.text({ payload: { note: "a\nb\u2028c", deep: JSON.parse(deepJson(3_000)) } })
          ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(sample, async (s) => {
              current = s
              lines.length = 0
              const exit = await Runtime.runPromise(runtime)(call(s))
              if (Exit.isFailure(exit)) {
                assertNoDefect(exit.cause)
                const error = Option.getOrUndefined(Cause.failureOption(exit.cause)) as { message: string } | undefined
                assert.isDefined(error)
                assert.notMatch(error!.message, lineBreaking, `error message: ${JSON.stringify(error!.message)}`)
                assert.isAtMost(error!.message.length, 5_000)
              }
              assert.isAtLeast(lines.length, 2)
              for (const line of lines) {
                assert.notMatch(line, lineBreaking, `log line: ${JSON.stringify(line)}`)
                assert.isAtMost(line.length, 40_000)
              }
              // there, a line break is only the JSON's indentation, never one from a value
              for (const text of pretty) {
                const structural = text.replace(/\n(?= *\\?["}\]])/g, "")
                assert.notMatch(
                  structural,
                  lineBreaking,
                  `log entry: ${JSON.stringify(structural.match(lineBreaking))} in ${
                    JSON.stringify(text).slice(0, 300)
                  }`
                )
              }
            }),
            { numRuns: 40 }
          )
        )
      }).pipe(Effect.provide(transport)), 60_000)
  }

  for (const [name, transport] of liveTransports) {
    it.scoped(`${name}: a trackingToken or trackingTokenPrefix that could forge a line is refused before any I/O`, () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
        const lines: Array<string> = []
        const format = LogFormat.make()
        const capture = Logger.make((options) => void lines.push(String(format.log(options))))
        const client = yield* ServiceClient.make(Api, {
          name: "tokens",
          baseUrl: server.url,
          plugins: [TrackingToken.make({ prefix: "p-" }), InnerLogger.make()]
        })
        const runtime = yield* Effect.runtime<never>()
        const text = fc.oneof(
          fc.string({ unit: "binary", maxLength: 30 }),
          fc.string({
            unit: fc.constantFrom("\r", "\n", "\u0000", "\u0085", "\u2028", "a", "Z", " ", "é"),
            maxLength: 10
          }),
          fc.constant("x".repeat(300))
        )
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.option(text, { nil: undefined }),
              fc.option(text, { nil: undefined }),
              async (token, prefix) => {
                lines.length = 0
                const before = server.requestCount()
                const exit = await Runtime.runPromise(runtime)(
                  Effect.exit(client.json({ trackingToken: token, trackingTokenPrefix: prefix })).pipe(
                    Effect.provide(Logger.replace(Logger.defaultLogger, capture))
                  )
                )
                const clean = (s: string | undefined) =>
                  s === undefined || (!/[^\t\u0020-\u007e\u00a0-\u00ff]/.test(s) && s.length <= 256)
                const full = (prefix ?? "p-") + (token ?? "")
                if (clean(token) && clean(prefix) && full.length <= 256) {
                  assert.isTrue(Exit.isSuccess(exit), `refused ${JSON.stringify([token, prefix])}`)
                  if (token !== undefined) assert.include(lines.join("\n"), Render.escape(full))
                } else {
                  assertNoDefect((exit as Exit.Failure<unknown, unknown>).cause)
                  const error = Option.getOrThrow(Cause.failureOption((exit as Exit.Failure<unknown, any>).cause))
                  assert.strictEqual(error._tag, "InputError")
                  assert.oneOf(error.key, ["trackingToken", "trackingTokenPrefix"])
                  assert.strictEqual(server.requestCount(), before, "a refused call reached the server")
                  assert.deepStrictEqual(lines, [])
                }
                for (const line of lines) assert.notMatch(line, lineBreaking)
              }
            ),
            { numRuns: 60 }
          )
        )
      }).pipe(Effect.provide(transport)))
  }
})
