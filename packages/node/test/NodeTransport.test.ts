import { assert, describe, it } from "@effect/vitest"
import { Deadline, Endpoint, InputError, Plugin, ServiceClient, Spec, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Cause, Chunk, Duration, Effect, Exit, Fiber, Option, Schema, Stream, TestClock } from "effect"
import * as Server from "../../../test/support/server.js"

const Api = Spec.make({
  get: Endpoint.get("/item/{id}"),
  post: Endpoint.post("/item"),
  put: Endpoint.put("/item/{id}"),
  patch: Endpoint.patch("/item/{id}"),
  del: Endpoint.del("/item/{id}"),
  head: Endpoint.head("/item/{id}"),
  options: Endpoint.options("/item"),
  upload: Endpoint.post("/upload", { streamRequest: true }),
  download: Endpoint.get("/download", { streamResponse: true }),
  big: Endpoint.get("/big", { maxResponseBytes: 100_000 }),
  small: Endpoint.get("/small", { maxResponseBytes: 10 }),
  slow: Endpoint.get("/slow")
})

const echo: Server.Handler = (req, res) =>
  Server.json(res, 200, { method: req.method, url: req.url, body: req.body.toString() }, { "x-seen": "yes" })

/** Waits (wall clock, bounded) until `check` holds. */
const eventually = (check: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !check(); i++) yield* Effect.sleep("10 millis")
    assert.isTrue(check())
  })

const client = (url: string) => ServiceClient.make(Api, { name: "items", baseUrl: url })

describe("NodeTransport", () => {
  it.scoped("sends every method and reads the JSON answer", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(echo)
      const items = yield* client(server.url)
      assert.deepStrictEqual(yield* items.get({ id: 1 }), { method: "GET", url: "/item/1", body: "" })
      assert.deepStrictEqual(yield* items.post({ payload: { a: 1 } }), {
        method: "POST",
        url: "/item",
        body: "{\"a\":1}"
      })
      assert.strictEqual(((yield* items.put({ id: 2, payload: "x" })) as any).method, "PUT")
      assert.strictEqual(((yield* items.patch({ id: 3, payload: [1] })) as any).body, "[1]")
      assert.strictEqual(((yield* items.del({ id: 4 })) as any).method, "DELETE")
      assert.strictEqual(((yield* items.options()) as any).method, "OPTIONS")
      const head = yield* items.call("head", { id: 5, headers: { "X-Custom": "v" } })
      assert.strictEqual(head.status, 200)
      assert.strictEqual(head.headers["x-seen"], "yes")
      assert.strictEqual(head.body?.length, 0)
      assert.deepStrictEqual(server.received.map((r) => r.method), [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "HEAD"
      ])
      assert.strictEqual(server.received[1]!.headers["content-type"], "application/json")
      assert.strictEqual(server.received[6]!.headers["x-custom"], "v")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("sends and receives bytes, joins repeated response headers", () =>
    Effect.gen(function*() {
      const payload = new Uint8Array(256 * 1024).map((_, i) => i % 251)
      const server = yield* Server.start((req, res) => {
        res.writeHead(201, [["Content-Type", "application/json"], ["X-Many", "a"], ["X-Many", "b"]])
        res.end(JSON.stringify({ size: req.body.length, sum: req.body.reduce((a, b) => a + b, 0) }))
      })
      const items = yield* client(server.url)
      const res = yield* items.call("upload", { payload })
      assert.strictEqual(res.status, 201)
      assert.deepStrictEqual(res.data, { size: payload.length, sum: payload.reduce((a, b) => a + b, 0) })
      assert.strictEqual(res.headers["x-many"], "a, b")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("streams a request body from an Effect Stream", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(echo)
      const items = yield* client(server.url)
      const encoder = new TextEncoder()
      const payload = Stream.range(1, 50).pipe(Stream.map((i) => encoder.encode(`${i},`)))
      const res = yield* items.call("upload", { payload })
      assert.strictEqual((res.data as any).body, Array.from({ length: 50 }, (_, i) => `${i + 1},`).join(""))
      assert.strictEqual(server.received[0]!.headers["transfer-encoding"], "chunked")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a failing request stream fails the call with RequestError", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(echo)
      const items = yield* client(server.url)
      const payload = Stream.concat(Stream.make(new Uint8Array([1])), Stream.fail("boom"))
      const error = yield* Effect.flip(items.call("upload", { payload }))
      assert.strictEqual(error._tag, "RequestError")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.live("streams a response body chunk by chunk", () =>
    Effect.gen(function*() {
      let release: () => void = () => {}
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        res.write("first;")
        release = () => res.end("second")
      })
      const items = yield* client(server.url)
      const res = yield* items.call("download")
      const stream = res.data as Stream.Stream<Uint8Array, unknown>
      const decoder = new TextDecoder()
      const fiber = yield* Stream.runCollect(stream).pipe(Effect.fork)
      yield* Effect.sleep("50 millis")
      assert.isNull(fiber.unsafePoll())
      release()
      const chunks = yield* Fiber.join(fiber)
      assert.strictEqual(Chunk.join(Chunk.map(chunks, (c) => decoder.decode(c)), ""), "first;second")
    }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))

  it.live("a large streamed response is read with backpressure", () =>
    Effect.gen(function*() {
      const block = Buffer.alloc(64 * 1024, 7)
      const blocks = 64
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" })
        let sent = 0
        const write = () => {
          while (sent < blocks) {
            sent++
            if (!res.write(block)) return void res.once("drain", write)
          }
          res.end()
        }
        write()
      })
      const items = yield* client(server.url)
      const res = yield* items.call("download")
      const size = yield* Stream.runFold(res.data as Stream.Stream<Uint8Array>, 0, (n, c) => n + c.length)
      assert.strictEqual(size, block.length * blocks)
    }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))

  it.live("interrupting a call aborts the request: the server sees the close", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(() => {})
      const items = yield* client(server.url)
      const fiber = yield* Effect.fork(items.slow())
      yield* eventually(() => server.received.length === 1)
      yield* Fiber.interrupt(fiber)
      yield* eventually(() => server.aborted.includes("/slow"))
    }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))

  it.live("interrupting a body read aborts the request", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.write("[1,")
      })
      const items = yield* client(server.url)
      const fiber = yield* Effect.fork(items.slow())
      yield* eventually(() => server.received.length === 1)
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(fiber)
      yield* eventually(() => server.aborted.includes("/slow"))
    }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))

  it.scoped("a refused connection fails with RequestError", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(Server.start(echo), (s) => s.port))
      const items = yield* client(`http://127.0.0.1:${port}`)
      const error = yield* Effect.flip(items.get({ id: 1 }))
      assert.strictEqual(error._tag, "RequestError")
      if (error._tag === "RequestError") {
        assert.strictEqual(error.reason, "Transport")
        assert.strictEqual(error.method, "GET")
        assert.strictEqual(error.url, `http://127.0.0.1:${port}/item/1`)
      }
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("maxBytes: a declared content-length past the limit fails at once", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 200, "x".repeat(100)))
      const items = yield* client(server.url)
      const error = yield* Effect.flip(items.small())
      assert.strictEqual(error._tag, "RequestError")
      if (error._tag === "RequestError") assert.strictEqual(error.reason, "ResponseTooLarge")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.live("maxBytes: a chunked body stops being read past the limit", () =>
    Effect.gen(function*() {
      const block = Buffer.alloc(16 * 1024, 32)
      let written = 0
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        const timer = setInterval(() => {
          if (written >= 1000 || res.destroyed) return clearInterval(timer)
          written++
          res.write(block)
        }, 2)
        res.on("close", () => clearInterval(timer))
      })
      const items = yield* client(server.url)
      const error = yield* Effect.flip(items.big())
      assert.strictEqual(error._tag, "RequestError")
      if (error._tag === "RequestError") assert.strictEqual(error.reason, "ResponseTooLarge")
      yield* eventually(() => server.aborted.includes("/big"))
      assert.isBelow(written, 1000)
    }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))

  it.scoped("maxBytes: a body within the limit is read whole", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.write("[1,")
        res.end("2]")
      })
      const items = yield* client(server.url)
      assert.deepStrictEqual(yield* items.small(), [1, 2])
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.effect("closes its agent with the layer's scope", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(echo)
      const exit = yield* Effect.gen(function*() {
        const items = yield* client(server.url)
        return yield* items.get({ id: 1 })
      }).pipe(Effect.provide(NodeTransport.layer), Effect.exit)
      assert.isTrue(Exit.isSuccess(exit))
      // the agent is gone: a transport kept past its scope cannot send any more
      const transport = yield* Effect.scoped(
        Effect.provide(Transport.Transport, NodeTransport.layer)
      )
      const items = yield* ServiceClient.make(Api, { name: "items", baseUrl: server.url }).pipe(
        Effect.provideService(Transport.Transport, transport)
      )
      const error = yield* Effect.flip(items.get({ id: 2 }))
      assert.strictEqual(error._tag, "RequestError")
    }).pipe(Effect.scoped))

  it.scoped("decodes with the success Schema over the Node transport", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 200, { id: 1 }))
      const Typed = Spec.make({ one: Endpoint.get("/one", { success: Schema.Struct({ id: Schema.Number }) }) })
      const typed = yield* ServiceClient.make(Typed, { name: "typed", baseUrl: server.url })
      assert.deepStrictEqual(yield* typed.one(), { id: 1 })
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.live("a failing onResponse hook cancels the unread body: the request is aborted", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.write("[" + "1,".repeat(100_000))
      })
      const refuse = Plugin.make("refuse", {
        onResponse: (session) =>
          Effect.fail(new InputError({ service: session.service, endpoint: session.endpoint, reason: "refused" }))
      })
      const items = yield* ServiceClient.make(Api, { name: "items", baseUrl: server.url, plugins: [refuse] })
      const exit = yield* Effect.exit(items.slow())
      assert.isTrue(Exit.isFailure(exit))
      yield* eventually(() => server.aborted.includes("/slow"))
    }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))

  describe("the session's deadline", () => {
    // what the Timeout plugin does, with the core alone: a deadline on every call's send
    const deadline = (ms: number) =>
      Plugin.make("deadline", { aroundSend: (s, send) => Deadline.within(send, s, Duration.millis(ms)) }, {
        honoursDeadline: true
      })
    const bounded = (url: string, ms: number) =>
      ServiceClient.make(Api, { name: "items", baseUrl: url, plugins: [deadline(ms)] })
    const timeoutOf = (exit: Exit.Exit<unknown, unknown>) => {
      assert.isTrue(Exit.isFailure(exit))
      const error = Option.getOrThrow(Cause.failureOption((exit as Exit.Failure<unknown, any>).cause))
      assert.strictEqual(error._tag, "TimeoutError")
      return error
    }

    for (
      const [label, handler] of [
        ["headers that never come", () => {}],
        ["a body that stalls", (_req: unknown, res: any) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": 100 })
          res.write("[1,")
        }]
      ] as const
    ) {
      it.live(`${label}: TimeoutError at the deadline (a Node timer), the request aborted`, () =>
        Effect.gen(function*() {
          const server = yield* Server.start(handler as Server.Handler)
          const items = yield* bounded(server.url, 300)
          const started = Date.now()
          const error = timeoutOf(yield* Effect.exit(items.slow()))
          const took = Date.now() - started
          assert.isAtLeast(took, 250)
          assert.isBelow(took, 5000)
          assert.strictEqual(error.endpoint, "slow")
          assert.isTrue(Duration.equals(error.timeout, Duration.millis(300)))
          yield* eventually(() => server.aborted.includes("/slow"))
        }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))
    }

    it.live("calls in flight together each end at their own deadline, in any order", () =>
      Effect.gen(function*() {
        // /item/{id} answers after id ms; /slow never answers
        const server = yield* Server.start((req, res, raw) => {
          if (req.url?.startsWith("/item/")) setTimeout(() => echo(req, res, raw), Number(req.url.slice(6)))
        })
        // one client per deadline, one transport (the layer's) for all of them
        const at = (ms: number) => bounded(server.url, ms)
        const [long, short, middle] = [yield* at(900), yield* at(150), yield* at(450)]
        const started = Date.now()
        const timed = (call: Effect.Effect<unknown, unknown>) =>
          Effect.map(Effect.exit(call), (exit) => ({ exit, took: Date.now() - started }))
        const [slowLong, slowShort, answered, slowMiddle] = yield* Effect.all([
          timed(long.slow()),
          timed(short.slow()),
          timed(long.get({ id: 50 })),
          timed(middle.slow())
        ], { concurrency: "unbounded" })
        assert.isTrue(Exit.isSuccess(answered.exit))
        timeoutOf(slowShort.exit)
        timeoutOf(slowMiddle.exit)
        timeoutOf(slowLong.exit)
        assert.isAtLeast(slowShort.took, 120)
        assert.isBelow(slowShort.took, slowMiddle.took)
        assert.isAtLeast(slowMiddle.took, 420)
        assert.isBelow(slowMiddle.took, slowLong.took)
        assert.isAtLeast(slowLong.took, 870)
        assert.isBelow(slowLong.took, 5000)
        yield* eventually(() => server.aborted.filter((u) => u === "/slow").length === 3)
      }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))

    it.scoped("under a TestClock the deadline follows the TestClock (the generic bound)", () =>
      Effect.gen(function*() {
        const server = yield* Server.start(() => {})
        const items = yield* bounded(server.url, 1000)
        const fiber = yield* Effect.fork(Effect.exit(items.slow()))
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
        assert.isNull(fiber.unsafePoll(), "ended before the TestClock moved")
        yield* TestClock.adjust("1 second")
        timeoutOf(yield* Fiber.join(fiber))
        yield* Effect.promise(async () => {
          for (let i = 0; i < 200 && !server.aborted.includes("/slow"); i++) await new Promise((r) => setTimeout(r, 10))
        })
        assert.include(server.aborted, "/slow")
      }).pipe(Effect.provide(NodeTransport.layer)))

    it.live("a call answered in time is not cut, and a streamed body may outlive the deadline", () =>
      Effect.gen(function*() {
        const server = yield* Server.start((req, res, raw) => {
          if (req.url === "/download") {
            res.writeHead(200, { "content-type": "text/plain" })
            res.write("first;")
            setTimeout(() => res.end("second"), 400)
          } else echo(req, res, raw)
        })
        const items = yield* bounded(server.url, 200)
        for (let i = 0; i < 20; i++) {
          const answer = (yield* items.get({ id: i })) as { url: string }
          assert.strictEqual(answer.url, `/item/${i}`)
        }
        const res = yield* items.call("download")
        const chunks = yield* Stream.runCollect(res.data as Stream.Stream<Uint8Array, unknown>)
        const decoder = new TextDecoder()
        assert.strictEqual(Chunk.join(Chunk.map(chunks, (c) => decoder.decode(c)), ""), "first;second")
      }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))
  })
})
