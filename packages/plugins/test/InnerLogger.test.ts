import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec } from "@service-client/core"
import { InnerLogger } from "@service-client/plugins"
import { Effect, Equal, HashMap, Layer, List, Logger, LogLevel, Option, Stream, TestClock } from "effect"
import { capture, json, records, transport } from "./support/logs.js"

const Api = Spec.make({
  create: Endpoint.post("/items"),
  get: Endpoint.get("/items/{id}"),
  secret: Endpoint.post("/secret", { logger: { hiddenRequestBody: true, hiddenResponseBody: true } }),
  upload: Endpoint.post("/upload", { streamRequest: true }),
  download: Endpoint.get("/download", { streamResponse: true })
})

const attributes = Plugin.make("Attributes", {
  prepareSession: (session) =>
    Effect.sync(() => {
      session.attributes.trackingToken = "TOKEN42"
      session.attributes.timeout = 5000
    }),
  onRead: (session) =>
    Effect.sync(() => {
      session.attributes.elapsed = { headers: 12, read: 3 }
      session.attributes.blockedByPool = 7
    })
})

const run = <A, E>(
  options: InnerLogger.Options | undefined,
  answer: Parameters<typeof transport>[0],
  use: (client: ServiceClient.Client<typeof Api>) => Effect.Effect<A, E>,
  extra: ReadonlyArray<Plugin.Plugin> = []
) => {
  const logs = capture()
  return ServiceClient.make(Api, {
    name: "items",
    baseUrl: "http://127.0.0.1:1",
    plugins: [...extra, InnerLogger.make(options)]
  }).pipe(
    Effect.flatMap(use),
    Effect.scoped,
    Effect.provide(Layer.merge(transport(answer), logs.layer)),
    Effect.map((result) => ({ result, entries: logs.entries, records: records(logs.entries) }))
  )
}

/** The core's default headers, sent with every request. */
const defaults = { "user-agent": ServiceClient.userAgent, accept: "application/json" }

describe("InnerLogger", () => {
  it.effect("logs the serialized request before the send and the raw response after the read", () =>
    Effect.gen(function*() {
      const { entries } = yield* run(
        undefined,
        () => json({ id: 1 }, 201, { "x-server": "a" }),
        (c) => c.call("create", { payload: { name: "n" }, query: { q: "1" }, headers: { "X-Client": "b" } })
      )
      assert.deepStrictEqual(entries.map((e) => e.annotations.record ?? e.message), [
        "request",
        "transport.send",
        "response"
      ])
      const [request, , response] = entries
      assert.strictEqual(request!.level, "INFO")
      assert.strictEqual(request!.message, "items.create request POST http://127.0.0.1:1/items?q=1")
      assert.deepStrictEqual(request!.annotations, {
        logger: "InnerLogger",
        record: "request",
        service: "items",
        endpoint: "create",
        method: "POST",
        url: "http://127.0.0.1:1/items?q=1",
        query: { q: "1" },
        headers: { "x-client": "b", ...defaults, "content-type": "application/json" },
        body: "{\"name\":\"n\"}"
      })
      assert.strictEqual(response!.message, "items.create response 201 POST http://127.0.0.1:1/items?q=1")
      assert.strictEqual(response!.annotations.status, 201)
      assert.deepStrictEqual(response!.annotations.headers, { "content-type": "application/json", "x-server": "a" })
      assert.strictEqual(response!.annotations.body, "{\"id\":1}")
    }))

  it.effect("cuts bodies at maxBodyLength and marks the cut", () =>
    Effect.gen(function*() {
      const { records } = yield* run(
        { maxBodyLength: 10 },
        () => ({ body: JSON.stringify("x".repeat(5000)) }),
        (c) => c.call("create", { payload: "é".repeat(50) })
      )
      assert.strictEqual(records[0]!.annotations.body, `"${"é".repeat(9)}…<CUT 52 chars>`)
      assert.strictEqual(records[1]!.annotations.body, `"${"x".repeat(9)}…<CUT 5002 bytes>`)
    }))

  it.effect("never cuts with maxBodyLength Infinity; decodes bytes as UTF-8", () =>
    Effect.gen(function*() {
      const { records } = yield* run(
        { maxBodyLength: Infinity },
        () => ({ body: new Uint8Array([0x22, 0xe2, 0x82, 0xac, 0x41, 0x22]) }),
        (c) => c.call("create", { payload: "y".repeat(3000) })
      )
      assert.strictEqual((records[0]!.annotations.body as string).length, 3002)
      assert.strictEqual(records[1]!.annotations.body, "\"€A\"")
    }))

  it.effect("prints <HIDDEN> for hidden bodies, whatever they hold", () =>
    Effect.gen(function*() {
      const { entries, records } = yield* run(
        undefined,
        () => json({ password: "hunter2-response" }),
        (c) => c.call("secret", { payload: { password: "hunter2-request" } })
      )
      assert.deepStrictEqual(records.map((r) => r.annotations.body), ["<HIDDEN>", "<HIDDEN>"])
      assert.notInclude(JSON.stringify(entries), "hunter2")
    }))

  it.effect("prints <STREAM> for streamed bodies and <NO BODY> for none", () =>
    Effect.gen(function*() {
      const { records } = yield* run(undefined, () => ({ body: "\"streamed\"" }), (c) =>
        Effect.gen(function*() {
          yield* c.call("upload", { payload: Stream.make(new TextEncoder().encode("abc")) })
          yield* c.call("upload", { payload: "as it is" })
          yield* c.call("download")
        }))
      assert.deepStrictEqual(records.map((r) => `${r.annotations.record} ${r.annotations.body}`), [
        "request <STREAM>",
        "response \"streamed\"",
        "request <STREAM>",
        "response \"streamed\"",
        "request <NO BODY>",
        "response <STREAM>"
      ])
      const empty = yield* run(undefined, () => ({ status: 204 }), (c) => c.call("get", { id: 1 }))
      assert.deepStrictEqual(empty.records.map((r) => r.annotations.body), ["<NO BODY>", "<NO BODY>"])
    }))

  it.effect("redacts the sensitive headers by default", () =>
    Effect.gen(function*() {
      const { entries, records } = yield* run(
        undefined,
        () => ({ headers: { "set-cookie": "sid=server-secret", "x-ok": "1" } }),
        (c) =>
          c.call("get", {
            id: 1,
            headers: {
              Authorization: "Bearer s3cret-a",
              "Proxy-Authorization": "Basic s3cret-b",
              Cookie: "sid=s3cret-c",
              "X-Api-Key": "s3cret-d",
              "X-Visible": "yes"
            }
          })
      )
      assert.deepStrictEqual(records[0]!.annotations.headers, {
        authorization: "<REDACTED>",
        "proxy-authorization": "<REDACTED>",
        cookie: "<REDACTED>",
        "x-api-key": "<REDACTED>",
        "x-visible": "yes",
        ...defaults
      })
      assert.deepStrictEqual(records[1]!.annotations.headers, { "set-cookie": "<REDACTED>", "x-ok": "1" })
      assert.notInclude(JSON.stringify(entries), "s3cret")
      assert.notInclude(JSON.stringify(entries), "server-secret")
    }))

  it.effect("redacts configured headers too, and only those when the defaults are off", () =>
    Effect.gen(function*() {
      const headers = { authorization: "Bearer a", "x-session": "b", "x-other": "c" }
      const more = yield* run({ redactHeaders: ["X-Session"] }, () => ({}), (c) => c.call("get", { id: 1, headers }))
      assert.deepStrictEqual(more.records[0]!.annotations.headers, {
        authorization: "<REDACTED>",
        "x-session": "<REDACTED>",
        "x-other": "c",
        ...defaults
      })
      const only = yield* run(
        { redactDefaultHeaders: false, redactHeaders: ["x-other"] },
        () => ({}),
        (c) => c.call("get", { id: 1, headers })
      )
      assert.deepStrictEqual(only.records[0]!.annotations.headers, {
        authorization: "Bearer a",
        "x-session": "b",
        "x-other": "<REDACTED>",
        ...defaults
      })
    }))

  it.effect("logs each kind at its level; None and levels under the minimum log nothing", () =>
    Effect.gen(function*() {
      const debug = yield* run(
        { level: "Debug", levels: { response: LogLevel.Warning } },
        () => ({}),
        (c) => c.call("get", { id: 1 })
      ).pipe(Logger.withMinimumLogLevel(LogLevel.Debug))
      assert.deepStrictEqual(debug.records.map((r) => r.level), ["DEBUG", "WARN"])
      const hidden = yield* run({ level: "Debug" }, () => ({}), (c) => c.call("get", { id: 1 }))
      assert.deepStrictEqual(hidden.records, [])
      const none = yield* run({ levels: { request: "None", response: "Off" } }, () => ({}), (c) =>
        c.call("get", { id: 1 }))
      assert.deepStrictEqual(none.records, [])
      const plugin = InnerLogger.make({ level: LogLevel.None, levels: { exception: "None", parseException: "None" } })
      assert.deepStrictEqual(
        [plugin.beforeRequest, plugin.onResponse, plugin.onRead, plugin.onException, plugin.onParseException],
        [undefined, undefined, undefined, undefined, undefined]
      )
    }))

  it.effect("builds no record for a level under the minimum log level", () =>
    Effect.gen(function*() {
      let reads = 0
      const probe = Plugin.make("Probe", {
        prepareSession: (session) =>
          Effect.sync(() => {
            Object.defineProperty(session.attributes, "probe", {
              enumerable: true,
              get: () => ++reads
            })
          })
      })
      const off = yield* run({ level: "Debug" }, () => ({}), (c) => c.call("get", { id: 1 }), [probe])
      assert.deepStrictEqual([off.records.length, reads], [0, 0])
      const on = yield* run({ level: "Info" }, () => ({}), (c) => c.call("get", { id: 1 }), [probe])
      assert.deepStrictEqual([on.records.length, reads], [2, 2])
    }))

  it.effect("includes the session's attributes", () =>
    Effect.gen(function*() {
      const { records } = yield* run(undefined, () => ({}), (c) => c.call("get", { id: 1 }), [attributes])
      assert.strictEqual(records[0]!.annotations.trackingToken, "TOKEN42")
      assert.strictEqual(records[0]!.annotations.timeout, 5000)
      assert.deepStrictEqual(records[1]!.annotations.elapsed, { headers: 12, read: 3 })
      assert.strictEqual(records[1]!.annotations.blockedByPool, 7)
    }))

  it.effect("never lets an attribute replace a record field", () =>
    Effect.gen(function*() {
      const clash = Plugin.make("Clash", {
        prepareSession: (session) =>
          Effect.sync(() => {
            session.attributes.headers = { authorization: "s3cret-attribute" }
            session.attributes.body = "s3cret-body"
            session.attributes.record = "other"
            session.attributes.custom = "kept"
          })
      })
      const { entries, records } = yield* run(
        undefined,
        () => ({}),
        (c) => c.call("get", { id: 1, headers: { authorization: "s3cret-header" } }),
        [clash]
      )
      assert.deepStrictEqual(records[0]!.annotations.headers, { authorization: "<REDACTED>", ...defaults })
      assert.deepStrictEqual(records.map((r) => [r.annotations.record, r.annotations.body, r.annotations.custom]), [
        ["request", "<NO BODY>", "kept"],
        ["response", "<NO BODY>", "kept"]
      ])
      assert.notInclude(JSON.stringify(entries), "s3cret")
    }))

  it.effect("logs the send's exception", () =>
    Effect.gen(function*() {
      const { entries, result } = yield* run(
        undefined,
        (session) =>
          Effect.fail(
            new (class extends Error {
              readonly _tag = "RequestError"
            })(`connection refused to ${session.url}`)
          ),
        (c) => Effect.flip(c.call("get", { id: 1 })),
        [attributes]
      )
      assert.strictEqual((result as { _tag: string })._tag, "RequestError")
      const records = entries.filter((e) => e.annotations.record !== undefined)
      assert.deepStrictEqual(records.map((r) => `${r.level} ${r.annotations.record}`), [
        "INFO request",
        "ERROR exception"
      ])
      const exception = records[1]!
      assert.strictEqual(exception.message, "items.get exception RequestError GET http://127.0.0.1:1/items/1")
      assert.strictEqual(exception.annotations.error, "RequestError: connection refused to http://127.0.0.1:1/items/1")
      assert.strictEqual(exception.annotations.trackingToken, "TOKEN42")
    }))

  it.effect("logs the parse exception, without the body when it is hidden", () =>
    Effect.gen(function*() {
      const shown = yield* run(undefined, () => ({ body: "not json at all" }), (c) =>
        Effect.flip(c.call("get", { id: 1 })))
      assert.strictEqual(shown.result._tag, "ParseError")
      const record = shown.records[2]!
      assert.strictEqual(record.level, "ERROR")
      assert.strictEqual(record.annotations.record, "parseException")
      assert.strictEqual(record.annotations.status, 200)
      assert.strictEqual(record.annotations.body, "not json at all")
      assert.match(record.annotations.error as string, /^ParseError: the body is not valid json/)
      const hidden = yield* run(
        undefined,
        () => ({ body: "hunter2 is not json" }),
        (c) =>
          Effect.flip(c.call("secret", { payload: { a: 1 } }))
      )
      const parse = hidden.records.find((r) =>
        r.annotations.record === "parseException"
      )!
      assert.deepStrictEqual([parse.annotations.body, parse.annotations.error], ["<HIDDEN>", "ParseError: <HIDDEN>"])
      assert.notInclude(JSON.stringify(hidden.entries), "hunter2")
    }))

  it.effect("hands a record to the loggers as Effect.log does: the fiber's annotations, log spans and clock", () =>
    Effect.gen(function*() {
      const seen: Array<{ annotations: Record<string, unknown>; spans: Array<string>; date: number; level: string }> =
        []
      const logger = Logger.make<unknown, void>((o) => {
        seen.push({
          annotations: Object.fromEntries(HashMap.toEntries(o.annotations)),
          spans: List.toArray(o.spans).map((s) => s.label),
          date: o.date.getTime(),
          level: o.logLevel.label
        })
      })
      yield* TestClock.setTime(1_700_000_000_000)
      yield* ServiceClient.make(Api, {
        name: "items",
        baseUrl: "http://127.0.0.1:1",
        plugins: [InnerLogger.make({ levels: { request: "Warning" } })]
      }).pipe(
        Effect.flatMap((c) => c.call("get", { id: 1 })),
        Effect.zipRight(Effect.log("after the call")),
        Effect.withLogSpan("outer-span"),
        Effect.annotateLogs({ requestId: "r-1" }),
        Effect.scoped,
        Effect.provide(Layer.merge(transport(() => json({ ok: true })), Logger.replace(Logger.defaultLogger, logger)))
      )
      const [request, send, response, after] = seen
      assert.strictEqual(seen.length, 4)
      assert.strictEqual(request!.level, "WARN")
      assert.strictEqual(response!.level, "INFO")
      for (const entry of seen) {
        assert.strictEqual(entry.annotations.requestId, "r-1")
        assert.deepStrictEqual(entry.spans, ["outer-span"])
        assert.strictEqual(entry.date, 1_700_000_000_000)
      }
      assert.strictEqual(request!.annotations.record, "request")
      assert.strictEqual(response!.annotations.record, "response")
      // the record's fields are on its own entry only
      assert.isUndefined(send!.annotations.record)
      assert.isUndefined(after!.annotations.record)
    }))

  it.effect("a record's annotations are a HashMap that every HashMap function and Effect's loggers read alike", () =>
    Effect.gen(function*() {
      const seen: Array<HashMap.HashMap<string, unknown>> = []
      const lines: Array<string> = []
      const keep = Logger.make<unknown, void>((o) => void seen.push(o.annotations))
      const logfmt = Logger.map(Logger.logfmtLogger, (l) => void lines.push(l))
      const call = (annotate: boolean) =>
        ServiceClient.make(Api, { name: "items", baseUrl: "http://127.0.0.1:1", plugins: [InnerLogger.make()] }).pipe(
          Effect.flatMap((c) => c.call("get", { id: 1 })),
          annotate ? Effect.annotateLogs({ requestId: "r-1", service: "the fiber's" }) : (e) => e,
          Effect.scoped,
          Effect.provide(Layer.mergeAll(
            transport(() => json({ ok: true })),
            Logger.replace(Logger.defaultLogger, keep),
            Logger.add(logfmt)
          ))
        )
      yield* call(false)
      yield* call(true)
      const [plain, , annotated] = seen.filter((m) => HashMap.has(m, "record"))
      for (const [map, extra] of [[plain!, {}], [annotated!, { requestId: "r-1" }]] as const) {
        const entries = [...map]
        const expected = { logger: "InnerLogger", record: "request", service: "items", endpoint: "get", ...extra }
        for (const [key, value] of Object.entries(expected)) {
          assert.strictEqual(Option.getOrUndefined(HashMap.get(map, key)), value)
          assert.deepStrictEqual(entries.find(([k]) => k === key), [key, value])
        }
        assert.strictEqual(HashMap.size(map), entries.length)
        assert.strictEqual(new Set(entries.map(([k]) => k)).size, entries.length)
        assert.deepStrictEqual([...HashMap.keys(map)].sort(), entries.map(([k]) => k).sort())
        assert.isTrue(Equal.equals(map, HashMap.fromIterable(entries)))
        assert.isTrue(Equal.equals(HashMap.fromIterable(entries), map))
        assert.strictEqual(HashMap.size(HashMap.set(map, "more", 1)), entries.length + 1)
        assert.strictEqual(HashMap.size(map), entries.length)
        assert.strictEqual(Option.getOrUndefined(HashMap.get(HashMap.remove(map, "service"), "service")), undefined)
      }
      // Effect's own loggers print the record's fields
      const request = lines.filter((l) => l.includes("record=request"))
      assert.strictEqual(request.length, 2)
      assert.include(request[0], "logger=InnerLogger")
      assert.include(request[1], "requestId=r-1")
      assert.include(request[1], "service=items")
      assert.notInclude(request[1], "the fiber's")
    }))

  it("rejects invalid options with a SpecError", () => {
    assert.throws(() => InnerLogger.make({ maxBodyLength: -1 }), /maxBodyLength/)
    assert.throws(() => InnerLogger.make({ level: "Loud" as "Info" }), /unknown log level/)
  })
})
