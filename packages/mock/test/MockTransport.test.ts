import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import {
  Deadline,
  Endpoint,
  type Errors,
  Parser,
  Plugin,
  ServiceClient,
  type ServiceResponse,
  Spec,
  TimeoutError
} from "@service-client/core"
import { Mock, MockTransport } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Chunk, Duration, Effect, Fiber, Layer, Schema, Stream, TestClock } from "effect"
import * as Path from "node:path"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", {
    success: User,
    mock: { type: "json", data: { id: 12, username: "foo" } }
  }),
  createUser: Endpoint.post("/user", {
    payload: Schema.Struct({ username: Schema.String }),
    success: User,
    mock: { type: "json", data: { id: 2, username: "bar" }, status: 201, headers: { "X-Id": "2" } }
  }),
  greeting: Endpoint.get("/greeting", {
    mock: { type: "raw", data: "hello", headers: { "content-type": "text/plain" } }
  }),
  bytes: Endpoint.get("/bytes", { mock: { type: "raw", data: new Uint8Array([1, 2, 3]) } }),
  missing: Endpoint.get("/missing", { mock: { type: "json", data: { error: "nope" }, status: 404 } }),
  unmocked: Endpoint.get("/unmocked"),
  big: Endpoint.get("/big", { maxResponseBytes: 5, mock: { type: "raw", data: "0123456789" } }),
  download: Endpoint.get("/download", { streamResponse: true, mock: { type: "raw", data: "streamed body" } }),
  upload: Endpoint.post("/upload", { streamRequest: true, mock: { type: "json", data: { ok: true } } }),
  slow: Endpoint.get("/slow", { mock: { type: "json", data: { ok: true }, delay: "2 seconds" } }),
  ping: Endpoint.head("/ping", { mock: { type: "raw", data: "not sent" } })
})

const users = ServiceClient.make(Api, { name: "users", baseUrl: "http://users.test/api" })

const TestLayer = MockTransport.layer.pipe(Layer.provide(NodeFileSystem.layer))

const timeoutPlugin = (ms: number) =>
  Plugin.make("Timeout", {
    aroundSend: (session, send) =>
      Effect.timeoutFail(send, {
        duration: Duration.millis(ms),
        onTimeout: () =>
          new TimeoutError({
            service: session.service,
            endpoint: session.endpoint,
            method: session.method,
            url: session.url,
            timeout: Duration.millis(ms)
          })
      })
  })

const badMock = (mock: unknown) =>
  Effect.gen(function*() {
    const spec = Spec.make({ thing: Endpoint.get("/thing", { mock: mock as Endpoint.MockDescription }) })
    const client = yield* ServiceClient.make(spec, { name: "users", baseUrl: "http://users.test" })
    return yield* Effect.flip(client.thing())
  })

describe("MockTransport", () => {
  it.scoped("answers from the endpoint's json mock", () =>
    Effect.gen(function*() {
      const client = yield* users
      assert.deepStrictEqual(yield* client.getUser({ user_id: 12 }), { id: 12, username: "foo" })
      const res = yield* client.call("createUser", { payload: { username: "bar" } })
      assert.strictEqual(res.status, 201)
      assert.strictEqual(res.headers["x-id"], "2")
      assert.strictEqual(res.headers["content-type"], "application/json")
      assert.deepStrictEqual(res.data, { id: 2, username: "bar" })
      assert.strictEqual(text(res.body), `{"id":2,"username":"bar"}`)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("answers raw strings and bytes as they are", () =>
    Effect.gen(function*() {
      const client = yield* users
      const greeting = yield* client.call("greeting")
      assert.strictEqual(greeting.data, "hello")
      assert.strictEqual(greeting.headers["content-length"], "5")
      const bytes = yield* client.call("bytes")
      assert.deepStrictEqual([...bytes.body!], [1, 2, 3])
    }).pipe(Effect.provide(TestLayer), Effect.provide(Parser.layer(Parser.text))))

  it.scoped("reads file mocks through FileSystem, absolute or relative to the cwd", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const file = Path.join(dir, "user.json")
      yield* fs.writeFileString(file, JSON.stringify({ id: 7, username: "from-file" }))
      const spec = Spec.make({
        absolute: Endpoint.get("/a", { success: User, mock: { type: "file", file } }),
        relative: Endpoint.get("/r", {
          success: User,
          mock: { type: "file", file: Path.relative(process.cwd(), file) }
        })
      })
      const client = yield* ServiceClient.make(spec, { name: "users", baseUrl: "http://users.test" })
      assert.deepStrictEqual(yield* client.absolute(), { id: 7, username: "from-file" })
      assert.deepStrictEqual(yield* client.relative(), { id: 7, username: "from-file" })
    }).pipe(Effect.provide(NodeMockTransport.layer), Effect.provide(NodeFileSystem.layer)))

  it.scoped("a missing file is a NoMock naming the service, the endpoint and the file", () =>
    Effect.gen(function*() {
      const error = yield* badMock({ type: "file", file: "/nonexistent/mock-user.json" })
      assert.strictEqual(error._tag, "NoMock")
      assert.include(error.message, "users.thing")
      assert.include(error.message, "/nonexistent/mock-user.json")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("bad mock data fails with a clear NoMock, never a defect", () =>
    Effect.gen(function*() {
      const circular: Record<string, unknown> = {}
      circular.self = circular
      const cases: Array<[unknown, string]> = [
        [{ type: "json", data: circular }, "cannot be encoded as JSON"],
        [{ type: "json", data: 10n }, "cannot be encoded as JSON"],
        [{ type: "json", data: undefined }, "cannot be encoded as JSON: got undefined"],
        [{ data: "x" }, "\"type\" is missing"],
        [{ type: "raw", data: 42 }, "must be a string or bytes, got a number"],
        [{ type: "file" }, "needs \"file\""],
        [{ type: "yaml", data: "a: 1" }, "unknown mock type \"yaml\""],
        [{ type: "json", data: {}, status: 1000 }, "HTTP status"],
        [{ type: "json", data: {}, headers: { "x-a": 1 } }, "the header \"x-a\" must be a string"],
        [{ type: "json", data: {}, delay: "soon" }, "\"delay\" is not a duration"]
      ]
      for (const [mock, reason] of cases) {
        const error = yield* badMock(mock)
        assert.strictEqual(error._tag, "NoMock")
        assert.include(error.message, "users.thing")
        assert.include(error.message, reason)
      }
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("an endpoint without a mock fails with NoMock", () =>
    Effect.gen(function*() {
      const client = yield* users
      const error = yield* Effect.flip(client.unmocked())
      assert.strictEqual(error._tag, "NoMock")
      assert.deepInclude(error, { service: "users", endpoint: "unmocked" })
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a non-2xx mock fails with ResponseError carrying the body", () =>
    Effect.gen(function*() {
      const client = yield* users
      const error = yield* Effect.flip(client.missing())
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag !== "ResponseError") return
      assert.strictEqual(error.status, 404)
      assert.strictEqual(error.text, `{"error":"nope"}`)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("honours maxResponseBytes", () =>
    Effect.gen(function*() {
      const client = yield* users
      const error = yield* Effect.flip(client.big())
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual((error as Errors.RequestError).reason, "ResponseTooLarge")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("gives streamResponse endpoints a body stream", () =>
    Effect.gen(function*() {
      const client = yield* users
      const stream = yield* client.download()
      const chunks = yield* Stream.runCollect(stream)
      assert.strictEqual(Chunk.toReadonlyArray(chunks).map(text).join(""), "streamed body")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("reads a streamed request body to its end and records it as bytes", () =>
    Effect.gen(function*() {
      const client = yield* users
      const encoder = new TextEncoder()
      yield* client.upload({ payload: Stream.make(encoder.encode("part1,"), encoder.encode("part2")) })
      const [call] = yield* Mock.calls
      assert.isTrue(call!.streamed)
      assert.strictEqual(call!.text, "part1,part2")
      assert.instanceOf(call!.body, Uint8Array)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a HEAD answer has headers but no body", () =>
    Effect.gen(function*() {
      const client = yield* users
      const res = yield* client.call("ping")
      assert.strictEqual(res.headers["content-length"], "8")
      assert.strictEqual(res.body!.length, 0)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("sleeps the mock's delay on the Clock, so TestClock drives it and timeouts fire", () =>
    Effect.gen(function*() {
      const client = yield* users
      const fiber = yield* Effect.fork(client.slow())
      yield* TestClock.adjust("1999 millis")
      assert.isTrue((yield* Fiber.poll(fiber))._tag === "None")
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { ok: true })

      const hurried = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://users.test",
        plugins: [timeoutPlugin(500)]
      })
      const timedOut = yield* Effect.fork(Effect.flip(hurried.slow()))
      yield* TestClock.adjust("500 millis")
      assert.strictEqual((yield* Fiber.join(timedOut))._tag, "TimeoutError")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("honours the session's deadline: a delay and a Mock.use handler's wait end at it", () =>
    Effect.gen(function*() {
      // what the Timeout plugin does, with the core alone
      const deadline = Plugin.make("deadline", {
        aroundSend: (session, send) => send.pipe(Deadline.within(session, Duration.seconds(1)))
      }, { honoursDeadline: true })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://users.test",
        plugins: [deadline]
      })
      const delayed = yield* Effect.fork(Effect.flip(client.slow()))
      yield* TestClock.adjust("999 millis")
      assert.isTrue((yield* Fiber.poll(delayed))._tag === "None")
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(delayed)
      assert.strictEqual(error._tag, "TimeoutError")
      if (error._tag === "TimeoutError") assert.isTrue(Duration.equals(error.timeout, Duration.seconds(1)))
      let interrupted = false
      yield* Mock.use(() =>
        Effect.sleep("5 seconds").pipe(
          Effect.onInterrupt(() => Effect.sync(() => void (interrupted = true))),
          Effect.zipRight(Mock.json({ id: 1 }))
        )
      )
      const waiting = yield* Effect.fork(Effect.flip(client.slow()))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "TimeoutError")
      assert.isTrue(interrupted)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a delayed mock holds a pool's slot for its delay on the TestClock", () =>
    Effect.gen(function*() {
      const semaphore = yield* Effect.makeSemaphore(1)
      const pool = Plugin.make("Pool", { aroundSend: (_, send) => semaphore.withPermits(1)(send) })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: "http://users.test", plugins: [pool] })
      const first = yield* Effect.fork(client.slow())
      const second = yield* Effect.fork(client.slow())
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Mock.calls).length, 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.poll(first))._tag, "Some")
      assert.strictEqual((yield* Fiber.poll(second))._tag, "None")
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Fiber.join(second), { ok: true })
      assert.strictEqual((yield* Mock.calls).length, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("runs every hook over the mock, in order, and records the request as the plugins left it", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const hook = (name: string) => () => Effect.sync(() => void seen.push(name))
      const recorder = Plugin.make("Recorder", {
        prepareSession: hook("prepareSession"),
        preparePath: hook("preparePath"),
        prepareRequest: (session) =>
          Effect.sync(() => {
            seen.push("prepareRequest")
            session.headers["x-added"] = "by-plugin"
          }),
        preparePayload: hook("preparePayload"),
        beforeRequest: hook("beforeRequest"),
        aroundSend: (_, send) =>
          Effect.sync(() => seen.push("aroundSend:before")).pipe(
            Effect.zipRight(send),
            Effect.tap(() => Effect.sync(() => void seen.push("aroundSend:after")))
          ),
        onResponse: hook("onResponse"),
        onRead: hook("onRead"),
        onParsedResponse: hook("onParsedResponse"),
        onException: hook("onException")
      })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://users.test",
        plugins: [recorder]
      })
      yield* client.createUser({ payload: { username: "bar" } })
      assert.deepStrictEqual(seen, [
        "prepareSession",
        "preparePath",
        "prepareRequest",
        "preparePayload",
        "beforeRequest",
        "aroundSend:before",
        "onResponse",
        "onRead",
        "aroundSend:after",
        "onParsedResponse"
      ])
      const [call] = yield* Mock.calls
      assert.strictEqual(call!.headers["x-added"], "by-plugin")
      assert.strictEqual(call!.headers["content-type"], "application/json")
      assert.strictEqual(call!.body, `{"username":"bar"}`)
      seen.length = 0
      yield* Effect.flip(client.unmocked())
      assert.deepStrictEqual(seen.slice(-1), ["onException"])
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("refuses, as a live transport does, a header a plugin set after the core checked the request", () =>
    Effect.gen(function*() {
      const setHeader = (name: string, value: string) =>
        Plugin.make("SetHeader", {
          aroundSend: (session, send) => Effect.suspend(() => ((session.headers[name] = value), send))
        })
      for (const [name, value] of [["x-evil", "a\r\nx-injected: 1"], ["bad name", "ok"], ["x-euro", "€"]] as const) {
        const client = yield* ServiceClient.make(Api, {
          name: "users",
          baseUrl: "http://users.test/api",
          plugins: [setHeader(name, value)]
        })
        const error = yield* Effect.flip(client.getUser({ user_id: 1 }))
        assert.strictEqual(error._tag, "RequestError")
        if (error._tag === "RequestError") {
          assert.strictEqual(error.reason, "Transport")
          assert.include(error.message, "cannot be sent")
        }
      }
      assert.strictEqual((yield* Mock.calls).length, 0, "the request never left")
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("a logger-like plugin sees the request body and reads the response body in onRead", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Plugin.make("BodyLogger", {
        beforeRequest: (session) =>
          Effect.sync(() => {
            lines.push(`> ${session.method} ${session.url} ${String(session.body ?? "<NO BODY>")}`)
          }),
        onRead: (_, response: ServiceResponse.ServiceResponse) =>
          Effect.sync(() => void lines.push(`< ${response.status} ${text(response.body)}`)),
        onException: (_, error) => Effect.sync(() => void lines.push(`! ${error._tag}`))
      })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: "http://users.test", plugins: [logger] })
      yield* client.createUser({ payload: { username: "bar" } })
      yield* Effect.flip(client.missing())
      yield* Effect.flip(client.unmocked())
      assert.deepStrictEqual(lines, [
        `> POST http://users.test/user {"username":"bar"}`,
        `< 201 {"id":2,"username":"bar"}`,
        `> GET http://users.test/missing <NO BODY>`,
        `< 404 {"error":"nope"}`,
        `> GET http://users.test/unmocked <NO BODY>`,
        `! NoMock`
      ])
    }).pipe(Effect.provide(TestLayer)))
})
