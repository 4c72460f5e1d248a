import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec } from "@service-client/core"
import { InnerLogger, OuterLogger } from "@service-client/plugins"
import { Effect, Layer, Logger, LogLevel, Schema, Stream } from "effect"
import { capture, json, records, transport } from "./support/logs.js"

const Item = Schema.Struct({ id: Schema.NumberFromString, tags: Schema.Array(Schema.String) })

const Api = Spec.make({
  create: Endpoint.post("/items", { success: Item }),
  get: Endpoint.get("/items/{id}"),
  secret: Endpoint.post("/secret", { logger: { hiddenRequestBody: true, hiddenResponseBody: true } }),
  upload: Endpoint.post("/upload", { streamRequest: true }),
  download: Endpoint.get("/download", { streamResponse: true })
})

const attributes = Plugin.make("Attributes", {
  prepareSession: (session) =>
    Effect.sync(() => {
      session.attributes.trackingToken = "TOKEN42"
      session.attributes.blockedByRateLimit = 3
    }),
  onRead: (session) => Effect.sync(() => void (session.attributes.elapsed = { headers: 1, read: 2 }))
})

const run = <A, E>(
  plugins: ReadonlyArray<Plugin.Plugin>,
  answer: Parameters<typeof transport>[0],
  use: (client: ServiceClient.Client<typeof Api>) => Effect.Effect<A, E>
) => {
  const logs = capture()
  return ServiceClient.make(Api, { name: "items", baseUrl: "http://127.0.0.1:1", plugins }).pipe(
    Effect.flatMap(use),
    Effect.scoped,
    Effect.provide(Layer.merge(transport(answer), logs.layer)),
    Effect.map((result) => ({ result, entries: logs.entries, records: records(logs.entries) }))
  )
}

describe("OuterLogger", () => {
  it.effect("logs the payload before serialization and the data after parsing", () =>
    Effect.gen(function*() {
      const { entries } = yield* run(
        [OuterLogger.make()],
        () => json({ id: "7", tags: ["a"] }, 201),
        (c) => c.call("create", { payload: { name: "n" }, query: { q: "1" } })
      )
      assert.deepStrictEqual(entries.map((e) => e.annotations.record ?? e.message), [
        "request",
        "transport.send",
        "response"
      ])
      const [request, , response] = entries
      assert.deepStrictEqual(request!.annotations, {
        logger: "OuterLogger",
        record: "request",
        service: "items",
        endpoint: "create",
        method: "POST",
        url: "http://127.0.0.1:1/items?q=1",
        query: { q: "1" },
        headers: { "user-agent": ServiceClient.userAgent, accept: "application/json" },
        body: "{\"name\":\"n\"}"
      })
      assert.strictEqual(response!.message, "items.create response 201 POST http://127.0.0.1:1/items?q=1")
      assert.strictEqual(response!.annotations.status, 201)
      assert.strictEqual(response!.annotations.body, "{\"id\":7,\"tags\":[\"a\"]}")
    }))

  it.effect("wraps InnerLogger: outer request, inner request, send, inner response, outer response", () =>
    Effect.gen(function*() {
      const { entries } = yield* run(
        [OuterLogger.make(), InnerLogger.make()],
        () => json({ id: "1", tags: [] }),
        (c) => c.call("create", { payload: { name: "n" } })
      )
      assert.deepStrictEqual(
        entries.map((e) =>
          e.annotations.logger === undefined ? e.message : `${e.annotations.logger} ${e.annotations.record}`
        ),
        ["OuterLogger request", "InnerLogger request", "transport.send", "InnerLogger response", "OuterLogger response"]
      )
      assert.deepStrictEqual(entries.map((e) => e.annotations.body).filter((b) => b !== undefined), [
        "{\"name\":\"n\"}",
        "{\"name\":\"n\"}",
        "{\"id\":\"1\",\"tags\":[]}",
        "{\"id\":1,\"tags\":[]}"
      ])
    }))

  it.effect("logs a non-2xx response before its ResponseError", () =>
    Effect.gen(function*() {
      const { records, result } = yield* run(
        [OuterLogger.make()],
        () => json({ message: "no such item" }, 404),
        (c) => Effect.flip(c.call("get", { id: 9 }))
      )
      assert.strictEqual(result._tag, "ResponseError")
      assert.deepStrictEqual(records.map((r) => [r.annotations.record, r.annotations.status, r.annotations.body]), [
        ["request", undefined, "<NO BODY>"],
        ["response", 404, "{\"message\":\"no such item\"}"]
      ])
    }))

  it.effect("cuts payloads at maxBodyLength and prints text payloads as they are", () =>
    Effect.gen(function*() {
      const { records } = yield* run(
        [OuterLogger.make({ maxBodyLength: 8 })],
        () => ({}),
        (c) =>
          Effect.zipRight(
            c.call("get", { id: 1 }).pipe(Effect.zipRight(c.call("secret", { payload: "plain text payload" }))),
            c.call("upload", { payload: "short" })
          )
      )
      assert.deepStrictEqual(records.map((r) => r.annotations.body), [
        "<NO BODY>",
        "<NO BODY>",
        "<HIDDEN>",
        "<HIDDEN>",
        "<STREAM>",
        "<NO BODY>"
      ])
      const cut = yield* run(
        [OuterLogger.make({ maxBodyLength: 8 })],
        () => ({}),
        (c) =>
          c.call("get", { id: 1 }).pipe(
            Effect.zipRight(c.call("create", { payload: { text: "0123456789" } })),
            Effect.ignore
          )
      )
      assert.strictEqual(cut.records[2]!.annotations.body, "{\"text\":…<CUT 21 chars>")
    }))

  it.effect("prints <HIDDEN>, <STREAM> and JSON of odd values safely", () =>
    Effect.gen(function*() {
      const cyclic: Record<string, unknown> = { n: 1n }
      cyclic.self = cyclic
      const { entries, records } = yield* run(
        [OuterLogger.make()],
        () => json({ token: "hunter2-response" }),
        (c) =>
          Effect.all([
            c.call("secret", { payload: { token: "hunter2-request" } }),
            c.call("upload", { payload: Stream.make(new Uint8Array([1])) }),
            c.call("download"),
            c.call("create", { payload: cyclic }).pipe(Effect.flip)
          ])
      )
      assert.deepStrictEqual(records.map((r) => r.annotations.body), [
        "<HIDDEN>",
        "<HIDDEN>",
        "<STREAM>",
        // a secret-looking field of a logged body is redacted
        "{\"token\":\"<REDACTED>\"}",
        "<NO BODY>",
        "<STREAM>",
        "{\"n\":1,\"self\":\"[Circular]\"}"
      ])
      assert.notInclude(JSON.stringify(entries.slice(0, 2)), "hunter2")
    }))

  it.effect("redacts sensitive headers in the request and the response", () =>
    Effect.gen(function*() {
      const { entries, records } = yield* run(
        [OuterLogger.make({ redactHeaders: ["X-Token"] })],
        () => json({}, 200, { "set-cookie": "sid=s3cret-1", "x-token": "s3cret-2" }),
        (c) => c.call("get", { id: 1, headers: { authorization: "s3cret-3", "x-token": "s3cret-4", "x-plain": "p" } })
      )
      assert.deepStrictEqual(records[0]!.annotations.headers, {
        authorization: "<REDACTED>",
        "x-token": "<REDACTED>",
        "x-plain": "p",
        "user-agent": ServiceClient.userAgent,
        accept: "application/json"
      })
      assert.deepStrictEqual(records[1]!.annotations.headers, {
        "content-type": "application/json",
        "set-cookie": "<REDACTED>",
        "x-token": "<REDACTED>"
      })
      assert.notInclude(JSON.stringify(entries), "s3cret")
    }))

  it.effect("redacts secret query values in the URL, the message and the query, by each logger's names", () =>
    Effect.gen(function*() {
      const logs = capture()
      const query = { q: "s3cret-1", token: "s3cret-2", plain: "p", "x-extra": "s3cret-3" }
      const shown = (client: ServiceClient.Client<typeof Api>) => client.call("get", { id: 1, query })
      yield* ServiceClient.make(Api, {
        name: "items",
        baseUrl: "http://127.0.0.1:1",
        redact: { query: ["x_extra"] },
        plugins: [OuterLogger.make(), InnerLogger.make({ redactQuery: ["Q"] })]
      }).pipe(
        Effect.flatMap((c) => Effect.zipRight(shown(c), shown(c))),
        Effect.scoped,
        Effect.provide(Layer.merge(transport(() => json({})), logs.layer))
      )
      const base = "http://127.0.0.1:1/items/1"
      const outer = `${base}?q=s3cret-1&token=<REDACTED>&plain=p&x-extra=<REDACTED>`
      const inner = `${base}?q=<REDACTED>&token=<REDACTED>&plain=p&x-extra=<REDACTED>`
      const written = records(logs.entries)
      assert.deepStrictEqual(
        written.map((r) => [r.annotations.logger, r.annotations.url, r.message.endsWith(` GET ${r.annotations.url}`)]),
        [0, 1].flatMap(() => [
          ["OuterLogger", outer, true],
          ["InnerLogger", inner, true],
          ["InnerLogger", inner, true],
          ["OuterLogger", outer, true]
        ])
      )
      assert.deepStrictEqual(written[1]!.annotations.query, {
        q: "<REDACTED>",
        token: "<REDACTED>",
        plain: "p",
        "x-extra": "<REDACTED>"
      })
      assert.deepStrictEqual(written[0]!.annotations.query, {
        q: "s3cret-1",
        token: "<REDACTED>",
        plain: "p",
        "x-extra": "<REDACTED>"
      })
      assert.notInclude(JSON.stringify(written.filter((r) => r.annotations.logger === "InnerLogger")), "s3cret")
    }))

  it.effect("includes the session's attributes, at the time of the record", () =>
    Effect.gen(function*() {
      const { records } = yield* run([attributes, OuterLogger.make()], () => json({}), (c) => c.call("get", { id: 1 }))
      assert.deepStrictEqual(records[0]!.annotations.trackingToken, "TOKEN42")
      assert.deepStrictEqual(records[0]!.annotations.blockedByRateLimit, 3)
      assert.isUndefined(records[0]!.annotations.elapsed)
      assert.deepStrictEqual(records[1]!.annotations.elapsed, { headers: 1, read: 2 })
    }))

  it.effect("logs exceptions and parse exceptions at their levels", () =>
    Effect.gen(function*() {
      const failing = yield* run(
        [OuterLogger.make({ levels: { exception: "Warning" } })],
        () =>
          Effect.fail(
            new (class extends Error {
              readonly _tag = "TimeoutError"
            })("no response after 5s")
          ),
        (c) => Effect.flip(c.call("get", { id: 1 }))
      )
      assert.deepStrictEqual(failing.records.map((r) => `${r.level} ${r.annotations.record} ${r.annotations.error}`), [
        "INFO request undefined",
        "WARN exception TimeoutError: no response after 5s"
      ])
      const parse = yield* run(
        [OuterLogger.make({ levels: { parseException: "Fatal" } })],
        () => json({ id: "x", tags: [] }),
        (c) => Effect.flip(c.call("create", { payload: {} }))
      )
      assert.strictEqual(parse.result._tag, "ParseError")
      const record = parse.records[1]!
      assert.strictEqual(record.level, "FATAL")
      assert.strictEqual(record.annotations.record, "parseException")
      assert.strictEqual(record.annotations.body, "{\"id\":\"x\",\"tags\":[]}")
      assert.match(record.annotations.error as string, /^ParseError: the body does not match the success schema/)
    }))

  it.effect("cuts long error descriptions at maxBodyLength", () =>
    Effect.gen(function*() {
      const { records } = yield* run(
        [OuterLogger.make({ maxBodyLength: 20 })],
        () =>
          Effect.fail(
            new (class extends Error {
              readonly _tag = "RequestError"
            })("x".repeat(100))
          ),
        (c) => Effect.flip(c.call("get", { id: 1 }))
      )
      assert.strictEqual(records[1]!.annotations.error, "RequestError: xxxxxx…<CUT 114 chars>")
    }))

  it.effect("logs nothing for a level that is off", () =>
    Effect.gen(function*() {
      const off = yield* run(
        [OuterLogger.make({ level: "Debug", levels: { exception: "Debug" } })],
        () => json({}),
        (c) => c.call("get", { id: 1 })
      )
      assert.deepStrictEqual(off.records, [])
      const on = yield* run([OuterLogger.make({ level: "Debug" })], () => json({}), (c) => c.call("get", { id: 1 }))
        .pipe(
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
      assert.deepStrictEqual(on.records.map((r) => r.level), ["DEBUG", "DEBUG"])
      const plugin = OuterLogger.make({ level: "None" })
      assert.deepStrictEqual([plugin.preparePayload, plugin.onParsedResponse], [undefined, undefined])
      assert.isDefined(plugin.onException)
    }))
})
