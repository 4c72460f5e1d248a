import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Mock, MockTransport, Recording, Replay } from "@service-client/mock"
import { Effect, Layer, Random, Schema } from "effect"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String, created: Schema.DateFromString })

const Api = Spec.make({
  good: Endpoint.get("/good", {
    success: User,
    mock: { type: "json", data: { id: 1, username: "a", created: "2024-01-01T00:00:00.000Z" } }
  }),
  wrongType: Endpoint.get("/wrong", { success: User, mock: { type: "json", data: { id: "1", username: "a" } } }),
  unchecked: Endpoint.get("/unchecked", { success: User, mock: { type: "json", data: { id: "1" }, check: false } }),
  badError: Endpoint.get("/bad-error", {
    success: User,
    error: { 404: Schema.Struct({ error: Schema.String }) },
    mock: { type: "json", status: 404, data: { message: "nope" } }
  }),
  rawJson: Endpoint.get("/raw", { success: User, mock: { type: "raw", data: "{\"id\":1}" } }),
  text: Endpoint.get("/text", {
    success: Schema.String,
    mock: { type: "raw", data: "plain", headers: { "content-type": "text/plain" } }
  }),
  generated: Endpoint.get("/generated", { success: Schema.Array(User), mock: { type: "arbitrary", seed: 7 } }),
  noSchema: Endpoint.get("/none", { mock: { type: "arbitrary" } }),
  secretWrong: Endpoint.get("/secret-wrong", {
    success: Schema.Struct({ id: Schema.Number, access_token: Schema.Number }),
    mock: { type: "json", data: { id: 1, access_token: "tok-SECRET-123" } }
  }),
  secretBeside: Endpoint.get("/secret-beside", {
    success: Schema.Struct({ id: Schema.Number, password: Schema.String }),
    mock: { type: "json", data: { id: "x", password: "pw-SECRET-456" } }
  })
})

const client = ServiceClient.make(Api, { name: "api", baseUrl: "http://api.test" })
const TestLayer = MockTransport.layer.pipe(Layer.provide(NodeFileSystem.layer))

describe("Schema-checked mocks", () => {
  it.scoped("a mock that matches its Schemas answers", () =>
    Effect.gen(function*() {
      const api = yield* client
      const user = yield* api.good()
      assert.instanceOf(user.created, Date)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a spec mock the service could not send fails with NoMock naming the mock", () =>
    Effect.gen(function*() {
      const api = yield* client
      const e = yield* Effect.flip(api.wrongType())
      assert.strictEqual(e._tag, "NoMock")
      assert.include(e.message, "api.wrongType")
      assert.include(e.message, "the endpoint's mock")
      assert.include(e.message, "success Schema")
      assert.include(e.message, "check: false")
      // opted out: the data reaches the core, whose decoder fails as with a real server
      const unchecked = yield* Effect.flip(api.unchecked())
      assert.strictEqual(unchecked._tag, "ParseError")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("the Schema issue of a mock answer quotes no secret field", () =>
    Effect.gen(function*() {
      const api = yield* client
      // the secret itself fails: only its path is told
      const onSecret = yield* Effect.flip(api.secretWrong())
      assert.strictEqual(onSecret._tag, "NoMock")
      assert.include(onSecret.message, "access_token")
      assert.notInclude(onSecret.message, "SECRET")
      // another field fails: the issue is told from a copy with the secret redacted
      const beside = yield* Effect.flip(api.secretBeside())
      assert.include(beside.message, "id")
      assert.notInclude(beside.message, "SECRET")
      assert.notInclude(JSON.stringify(beside), "SECRET")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("error answers are checked against the error Schema of their status", () =>
    Effect.gen(function*() {
      const api = yield* client
      const e = yield* Effect.flip(api.badError())
      assert.strictEqual(e._tag, "NoMock")
      assert.include(e.message, "error (404) Schema")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("Mock.use and Mock.patch answers are checked; raw JSON too; non-JSON is left to the parser", () =>
    Effect.gen(function*() {
      const api = yield* client
      yield* Mock.use(() => Mock.json({ id: 1 }), { endpoint: "good" })
      const used = yield* Effect.flip(api.good())
      assert.include(used.message, "the Mock.use handler's response")
      yield* Mock.use(() => Mock.json({ id: 1 }, { check: false }), { endpoint: "good" })
      assert.strictEqual((yield* Effect.flip(api.good()))._tag, "ParseError")
      yield* Mock.patch({ data: { id: 2 } }, { endpoint: "good" })
      assert.include((yield* Effect.flip(api.good())).message, "patched by Mock.patch")
      assert.strictEqual((yield* Effect.flip(api.rawJson()))._tag, "NoMock")
      assert.strictEqual((yield* Effect.flip(api.text()))._tag, "ParseError") // the parser's own error
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a recording's answer is checked and named by file and entry", () =>
    Effect.gen(function*() {
      const api = yield* client
      const recording = Recording.make(
        [{
          service: "api",
          endpoint: "good",
          request: { method: "GET", path: "/good" },
          response: { type: "json", data: { id: 1, username: 2, created: "x" } }
        }],
        "recordings/api.yaml"
      )
      yield* Replay.use(recording)
      const e = yield* Effect.flip(api.good())
      assert.strictEqual(e._tag, "NoMock")
      assert.include(e.message, "the recording recordings/api.yaml (api.good[0]: GET /good)")
    }).pipe(Effect.provide(TestLayer)))
})

describe("generated answers", () => {
  it.scoped("a spec arbitrary mock answers data of the success Schema, the same for the same seed", () =>
    Effect.gen(function*() {
      const api = yield* client
      const a = yield* api.call("generated")
      const b = yield* api.call("generated")
      assert.deepStrictEqual(a.body, b.body)
      assert.isTrue(Array.isArray(a.data))
      for (const user of a.data) assert.instanceOf(user.created, Date)
      yield* Mock.use(() => Mock.arbitrary({ seed: 8 }), { endpoint: "generated" })
      const c = yield* api.call("generated")
      assert.notDeepEqual(c.body, a.body)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("without a seed, the call's Random picks one; no success Schema is a NoMock", () =>
    Effect.gen(function*() {
      const api = yield* client
      yield* Mock.use(() => Mock.arbitrary(), { endpoint: "generated", limit: 0 })
      const a = yield* api.call("generated").pipe(Effect.withRandom(Random.make("seed")))
      const b = yield* api.call("generated").pipe(Effect.withRandom(Random.make("seed")))
      assert.deepStrictEqual(a.body, b.body)
      const e = yield* Effect.flip(api.noSchema())
      assert.strictEqual(e._tag, "NoMock")
      assert.include(e.message, "no success Schema")
      const bad = yield* Effect.flip(
        Effect.zipRight(Mock.use(() => Mock.arbitrary({ status: 500 }), { endpoint: "generated" }), api.generated())
      )
      assert.include(bad.message, "2xx")
    }).pipe(Effect.provide(TestLayer)))
})
