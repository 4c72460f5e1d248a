import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Mock, MockTransport, Recorder, Recording, Redaction, Replay } from "@service-client/mock"
import { Effect, Either, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const entry = (
  endpoint: string,
  path: string,
  extra: Partial<Recording.Request> = {},
  data: unknown = { ok: true }
) => ({
  service: "svc",
  endpoint,
  request: { method: "GET", path, ...extra },
  response: { type: "json" as const, data }
})

describe("Redaction", () => {
  it("redacts headers and query by name (any case), body paths with [] and *", () => {
    const rules = Redaction.make({
      headers: ["X-Session"],
      query: ["Sess"],
      body: ["password", "items[].token", "*.secret"]
    })
    assert.deepStrictEqual(Redaction.headers(rules, { Authorization: "b", "x-session": "s", accept: "a" }), {
      Authorization: "<REDACTED>",
      "x-session": "<REDACTED>",
      accept: "a"
    })
    assert.deepStrictEqual(Redaction.query(rules, { SESS: 1, api_key: "k", page: 2 }), {
      SESS: "<REDACTED>",
      api_key: "<REDACTED>",
      page: 2
    })
    const body = { password: "p", items: [{ token: "t", id: 1 }], a: { secret: "s", b: 1 }, keep: "k" }
    assert.deepStrictEqual(Redaction.body(rules, body), {
      password: "<REDACTED>",
      items: [{ token: "<REDACTED>", id: 1 }],
      a: { secret: "<REDACTED>", b: 1 },
      keep: "k"
    })
    assert.strictEqual(body.password, "p") // not changed in place
    const none = Redaction.make({ defaults: false })
    assert.deepStrictEqual(Redaction.headers(none, { authorization: "b" }), { authorization: "b" })
  })
})

describe("Recording", () => {
  it("keeps one entry per request (the latest), in a stable order whatever the key order", () => {
    const a = Recording.make([
      entry("b", "/b"),
      entry("a", "/a", { query: { x: 1, y: 2 } }, 1),
      entry("a", "/a", { query: { y: 2, x: 1 } }, 2)
    ])
    assert.deepStrictEqual(a.entries.map((e) => [e.endpoint, e.response.type === "json" ? e.response.data : null]), [
      ["a", 2],
      ["b", { ok: true }]
    ])
    const merged = Recording.merge(a, Recording.make([entry("b", "/b", {}, "new"), entry("c", "/c")]))
    assert.deepStrictEqual(merged.entries.map((e) => e.endpoint), ["a", "b", "c"])
    const round = Recording.fromData(Recording.toData(merged))
    assert.isTrue(Either.isRight(round))
    if (Either.isRight(round)) assert.deepStrictEqual(round.right.entries, merged.entries)
  })

  it("specMocks: one mock per endpoint, a 2xx answer first", () => {
    const recording = Recording.make([
      { ...entry("a", "/a/1"), response: { type: "json", status: 404, data: { error: "no" } } },
      entry("a", "/a/2", {}, { id: 2 }),
      entry("b", "/b"),
      { ...entry("c", "/c"), service: "other" }
    ])
    assert.deepStrictEqual(Recording.specMocks(recording, "svc"), {
      a: { type: "json", data: { id: 2 } },
      b: { type: "json", data: { ok: true } }
    })
  })

  it("a bad file is a RecordingError naming the file and the key", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-recording-"))
      try {
        const file = Path.join(dir, "bad.yaml")
        Fs.writeFileSync(
          file,
          "recordings:\n  svc:\n    a:\n      - request: { method: GET }\n        response: { type: json }\n"
        )
        const e = yield* Effect.flip(Recording.load(file))
        assert.strictEqual(e._tag, "RecordingError")
        assert.include(e.message, file)
        assert.include(e.message, "path")
        Fs.writeFileSync(file, "recordings: [")
        assert.include((yield* Effect.flip(Recording.load(file))).message, "cannot parse")
        assert.include((yield* Effect.flip(Recording.load(Path.join(dir, "none.yaml")))).message, "cannot read")
        const empty = yield* Recording.loadOrEmpty(Path.join(dir, "none.yaml"))
        assert.strictEqual(empty.entries.length, 0)
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(NodeFileSystem.layer), Effect.runPromise))
})

const Api = Spec.make({
  search: Endpoint.post("/search", { mock: { type: "json", data: "the endpoint's own" } }),
  other: Endpoint.get("/other", { mock: { type: "json", data: "other's own" } })
})

describe("Replay matchers", () => {
  const recording = Recording.make([
    {
      service: "svc",
      endpoint: "search",
      request: { method: "POST", path: "/search", payload: { q: "a" }, headers: { "x-tenant": "1" } },
      response: { type: "json", data: "recorded" }
    }
  ])
  const run = (options: Replay.Options, input: Record<string, unknown>) =>
    Effect.gen(function*() {
      const api = yield* ServiceClient.make(Api, { name: "svc", baseUrl: "http://svc.test" })
      yield* Replay.use(recording, options)
      return yield* Effect.either(api.search(input))
    }).pipe(
      Effect.scoped,
      Effect.provide(MockTransport.layer.pipe(Layer.provide(NodeFileSystem.layer))),
      Effect.runPromise
    )

  it("payload compared by default; payload: false; headers on demand; a custom matcher", async () => {
    const miss = await run({}, { payload: { q: "b" } })
    assert.isTrue(Either.isLeft(miss))
    if (Either.isLeft(miss)) assert.include(miss.left.message, "the payload differs (recorded {\"q\":\"a\"})")
    assert.deepStrictEqual(await run({ match: { payload: false } }, { payload: { q: "b" } }), Either.right("recorded"))
    const header = await run({ match: { headers: ["X-Tenant"] } }, {
      payload: { q: "a" },
      headers: { "x-tenant": "2" }
    })
    assert.isTrue(Either.isLeft(header))
    if (Either.isLeft(header)) assert.include(header.left.message, "header x-tenant=2 (recorded 1)")
    assert.deepStrictEqual(await run({ match: () => [] }, { payload: { q: "zzz" } }), Either.right("recorded"))
    assert.deepStrictEqual(await run({ strict: false }, { payload: { q: "b" } }), Either.right("recorded"))
  })

  it("an endpoint without recordings falls through to its own mock", () =>
    Effect.gen(function*() {
      const api = yield* ServiceClient.make(Api, { name: "svc", baseUrl: "http://svc.test" })
      yield* Replay.use(recording)
      assert.strictEqual(yield* api.other(), "other's own")
    }).pipe(
      Effect.scoped,
      Effect.provide(MockTransport.layer.pipe(Layer.provide(NodeFileSystem.layer))),
      Effect.runPromise
    ))
})

describe("Recorder over any transport", () => {
  it("redacts by the client's own redact option too, and records the call's headers, query and payload", () =>
    Effect.gen(function*() {
      const api = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://svc.test",
        redact: { headers: ["x-session"], query: ["tenantSecret"] }
      })
      yield* Mock.use(() => Mock.json({ ok: 1 }, { headers: { "set-cookie": "c=1", "x-kept": "k" } }), {
        endpoint: "search"
      })
      yield* api.search({
        payload: { q: "a" },
        headers: { "x-session": "s3", "x-plain": "p" },
        query: { tenant_secret: "t", page: 1 }
      })
      const [recorded] = (yield* Recorder.recording).entries
      assert.deepStrictEqual(recorded!.request, {
        method: "POST",
        path: "/search",
        query: { tenant_secret: "<REDACTED>", page: 1 },
        headers: { "x-session": "<REDACTED>", "x-plain": "p" },
        payload: { q: "a" }
      })
      assert.deepStrictEqual(recorded!.response, {
        type: "json",
        data: { ok: 1 },
        status: 200,
        headers: { "set-cookie": "<REDACTED>", "x-kept": "k", "content-type": "application/json" }
      })
    }).pipe(
      Effect.scoped,
      Effect.provide(
        Recorder.layer().pipe(Layer.provideMerge(MockTransport.layer), Layer.provide(NodeFileSystem.layer))
      ),
      Effect.runPromise
    ))
})
