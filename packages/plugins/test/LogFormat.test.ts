import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec } from "@service-client/core"
import { InnerLogger, LogFormat, OuterLogger } from "@service-client/plugins"
import { Cause, Effect, FiberId, FiberRefs, HashMap, Layer, List, Logger, LogLevel } from "effect"
import { json, transport } from "./support/logs.js"

const Api = Spec.make({
  create: Endpoint.post("/items"),
  get: Endpoint.get("/items/{id}")
})

const attributes = Plugin.make("Attributes", {
  prepareSession: (session) =>
    Effect.sync(() => {
      session.attributes.trackingToken = "TOKEN42"
      session.attributes.timeout = 5000
      session.attributes.blockedByPool = 1.234
    }),
  onRead: (session) => Effect.sync(() => void (session.attributes.elapsed = { headers: 12, read: 3.456 }))
})

const T = "1970-01-01T00:00:00.000Z"
const URL = "http://127.0.0.1:1"

const lines = <A, E>(
  options: LogFormat.Options | undefined,
  answer: Parameters<typeof transport>[0],
  use: (client: ServiceClient.Client<typeof Api>) => Effect.Effect<A, E>,
  plugins: ReadonlyArray<Plugin.Plugin> = [attributes, InnerLogger.make()]
) => {
  const out: Array<string> = []
  const logger = Logger.map(LogFormat.make(options), (line) => void out.push(line))
  return ServiceClient.make(Api, { name: "items", baseUrl: URL, plugins }).pipe(
    Effect.flatMap(use),
    Effect.scoped,
    Effect.provide(Layer.merge(transport(answer), Logger.replace(Logger.defaultLogger, logger))),
    Effect.as(out)
  )
}

describe("LogFormat", () => {
  it.effect("renders request and response lines with the default templates", () =>
    Effect.gen(function*() {
      const out = yield* lines(
        undefined,
        () => json({ id: 1 }, 201),
        (c) =>
          c.call("create", {
            payload: { name: "n" },
            query: { q: "1" },
            headers: { "X-Client": "b", Authorization: "x" }
          })
      )
      assert.deepStrictEqual(out.filter((l) => !l.includes("transport.send")), [
        `${T} INFO items.create TOKEN42 SENT POST ${URL}/items?q=1 | x-client: b, authorization: <REDACTED>, user-agent: ${ServiceClient.userAgent}, accept: application/json, content-type: application/json | {"name":"n"}`,
        `${T} INFO items.create TOKEN42 RECEIVED 201 Created POST ${URL}/items?q=1 (headers=12ms read=3.46ms) | content-type: application/json | {"id":1}`
      ])
    }))

  it.effect("renders exception and parse exception lines", () =>
    Effect.gen(function*() {
      const failed = yield* lines(
        undefined,
        () =>
          Effect.fail(
            new (class extends Error {
              readonly _tag = "RequestError"
            })("connection refused")
          ),
        (c) => Effect.flip(c.call("get", { id: 1 }))
      )
      assert.strictEqual(
        failed[2],
        `${T} ERROR items.get TOKEN42 EXCEPTION GET ${URL}/items/1 | RequestError: connection refused`
      )
      const parse = yield* lines(
        undefined,
        () => ({ status: 200, body: "{oops" }),
        (c) => Effect.flip(c.call("get", { id: 1 }))
      )
      assert.match(
        parse[3]!,
        new RegExp(
          `^${T} ERROR items.get TOKEN42 PARSE EXCEPTION 200 OK GET ${URL}/items/1 \\| ParseError: the body is not valid json: .* \\| \\{oops$`
        )
      )
    }))

  it.effect("renders custom templates, nested values, durations and the header separator", () =>
    Effect.gen(function*() {
      const out = yield* lines(
        {
          request: "{{{record}}} {logger} {method} {query} [{headers}] {missing} {unclosed",
          response:
            "{statusCode}/{statusText}/{status} in {elapsed.headers} pool {blockedByPool} timeout {timeout} {level}",
          headerSeparator: "; "
        },
        () => json({}, 599),
        (c) => Effect.flip(c.call("get", { id: 1, query: { a: ["1", "2"] }, headers: { a: "1", b: "2" } })),
        [attributes, OuterLogger.make({ level: "Warning" })]
      )
      assert.deepStrictEqual(out.filter((l) => !l.includes("transport.send")), [
        `{request} OuterLogger GET {"a":["1","2"]} [a: 1; b: 2; user-agent: ${ServiceClient.userAgent}; accept: application/json] - {unclosed`,
        "599/-/599 in 12ms pool 1.23ms timeout 5000ms WARN"
      ])
    }))

  it.effect("escapes the fiber's own annotations, template text and forged records in a line", () =>
    Effect.gen(function*() {
      const out = yield* lines(
        { request: "{user}\u2028{obj.deep} {service}\n{headers.a}", response: "{record}\r{message}" },
        () => json({}, 200),
        (c) =>
          c.call("get", { id: 1, headers: { a: "x" } }).pipe(
            Effect.annotateLogs({ user: "a\nb", service: "forged\n" }),
            Effect.annotateLogs("obj", { deep: "d\u001b" })
          ),
        [attributes, OuterLogger.make()]
      )
      assert.deepStrictEqual(out.filter((l) => !l.includes("transport.send")), [
        "a\\nb\\u2028d\\u001b items\\nx",
        `response\\ritems.get response 200 GET ${URL}/items/1`
      ])
      const forged: Array<string> = []
      yield* Effect.log("evil\nline").pipe(
        Effect.annotateLogs({ record: "request", logger: "InnerLogger", service: "s\u2029", method: "G\r" }),
        Effect.provide(
          Logger.replace(
            Logger.defaultLogger,
            Logger.map(LogFormat.make({ request: "{message} {service} {method}" }), (l) => void forged.push(l))
          )
        )
      )
      assert.deepStrictEqual(forged, ["evil\\nline s\\u2029 G\\r"])
    }))

  it.effect("renders other entries the default way", () =>
    Effect.gen(function*() {
      const out: Array<string> = []
      yield* Effect.log("hello").pipe(
        Effect.annotateLogs({ record: "request", logger: "SomeoneElse" }),
        Effect.provide(Logger.replace(Logger.defaultLogger, Logger.map(LogFormat.make(), (l) => void out.push(l))))
      )
      assert.match(
        out[0]!,
        /^timestamp=1970-01-01T00:00:00.000Z level=INFO fiber=#\d+ message=hello record=request logger=SomeoneElse$/
      )
      assert.strictEqual(
        LogFormat.recordKind(HashMap.make(["record", "request"], ["logger", "InnerLogger"])),
        "request"
      )
      assert.isUndefined(LogFormat.recordKind(HashMap.make(["record", "other"], ["logger", "InnerLogger"])))
    }))

  it.effect("layer replaces the default logger and writes each line to the console", () =>
    Effect.gen(function*() {
      const out: Array<unknown> = []
      const console = { unsafe: { log: (...args: Array<unknown>) => void out.push(...args) } }
      yield* Effect.logWarning("plain").pipe(
        Effect.annotateLogs({ logger: "InnerLogger", record: "exception", error: "Boom: x", method: "GET", url: "u" }),
        Effect.withConsole(console as never),
        Effect.provide(LogFormat.layer({ exception: "{level} {method} {url} {error} {trackingToken}" })),
        Logger.withMinimumLogLevel(LogLevel.Info)
      )
      assert.deepStrictEqual(out, ["WARN GET u Boom: x -"])
    }))

  it("prints durations as their milliseconds rounded to hundredths", () => {
    const format = LogFormat.make({ exception: "{timeout} {elapsed}" })
    const line = (timeout: unknown, elapsed: unknown) =>
      format.log({
        fiberId: FiberId.none,
        logLevel: LogLevel.Error,
        message: "m",
        cause: Cause.empty,
        context: FiberRefs.empty(),
        spans: List.empty(),
        annotations: HashMap.make(["logger", "InnerLogger"], ["record", "exception"], ["timeout", timeout], [
          "elapsed",
          elapsed
        ]),
        date: new Date(0)
      })
    const values = [0, 0.004, 0.005, 0.01, 0.05, 0.1, 0.125, 0.995, 1, 1.005, 12.345, 99.999, 1e7 + 0.07, 2 ** 40 + 0.5]
    for (let i = 0; i < 20_000; i++) values.push(i / 1000, i * 1.37, -i / 7, i ** 2 / 3)
    for (const x of values) {
      const ms = `${Math.round(x * 100) / 100}ms`
      assert.strictEqual(line(x, { headers: x, read: 2 }), `${ms} headers=${ms} read=2ms`)
    }
    assert.strictEqual(line("soon", { a: "x", b: 0.5 }), "soon b=0.5ms")
  })

  it("knows the status texts", () => {
    assert.strictEqual(LogFormat.statusText(404), "Not Found")
    assert.strictEqual(LogFormat.statusText(599), "")
  })
})
