/**
 * Transport faults over the live transport (core `Transport.layer` + undici): every
 * fault ends the call with a typed `RequestError` naming service and endpoint, or, for a
 * call that the test stops, a clean interruption that closes the socket. Never a defect,
 * never an unhandled rejection.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Effect, Exit, Fiber, Stream, TestClock } from "effect"
import * as Fault from "./faultServer.js"
import { expectFailure, expectInterrupted, transports } from "./support.js"

const Api = Spec.make({
  item: Endpoint.get("/item/{id}"),
  capped: Endpoint.get("/item/{id}", { maxResponseBytes: 1_000_000 }),
  download: Endpoint.get("/item/{id}", { streamResponse: true }),
  upload: Endpoint.post("/upload", { streamRequest: true })
})
const where = (endpoint: string) => ({ service: "faults", endpoint })

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [], "an unhandled rejection or uncaught exception fired")
})

const client = (url: string) => ServiceClient.make(Api, { name: "faults", baseUrl: url })

/** Writes the head and part of a body, then runs `then` once the bytes had time to arrive. */
const partialBody = (then: (c: Fault.Connection) => void) => (_: Fault.Request, c: Fault.Connection) => {
  c.socket.write(Fault.head(200, { "content-type": "application/json", "content-length": 1000 }))
  c.socket.write("[" + "1,".repeat(49))
  c.bytesSent += 99
  setTimeout(() => then(c), 30)
}

for (const [transportName, Live] of transports) {
  describe(`transport faults (${transportName})`, () => {
    it.scoped("connection refused: RequestError naming service, endpoint and request", () =>
      Effect.gen(function*() {
        const url = yield* Fault.refusedUrl
        const faults = yield* client(url)
        const exit = yield* Effect.exit(faults.item({ id: 1 }))
        const error = expectFailure(exit, "RequestError", where("item"))
        assert.strictEqual(error.reason, "Transport")
        assert.strictEqual(error.url, `${url}/item/1`)
        assert.include(error.message, `GET ${url}/item/1`)
      }).pipe(Effect.provide(Live)))

    it.scoped("connection reset before the headers: RequestError", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => Fault.reset(c))
        const faults = yield* client(server.url)
        const error = expectFailure(yield* Effect.exit(faults.item({ id: 1 })), "RequestError", where("item"))
        assert.strictEqual(error.reason, "Transport")
        assert.strictEqual(server.requests.length, 1)
      }).pipe(Effect.provide(Live)))

    it.scoped("connection closed without a response (FIN, empty reply): RequestError", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => Fault.hangUp(c))
        const faults = yield* client(server.url)
        expectFailure(yield* Effect.exit(faults.item({ id: 1 })), "RequestError", where("item"))
      }).pipe(Effect.provide(Live)))

    it.scoped("a garbled status line: RequestError", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => {
          c.socket.write("HTTP/1.1 2x0 ??\r\nno colon here\r\n\r\n")
          Fault.hangUp(c)
        })
        const faults = yield* client(server.url)
        expectFailure(yield* Effect.exit(faults.item({ id: 1 })), "RequestError", where("item"))
      }).pipe(Effect.provide(Live)))

    it.scoped("connection reset mid-body: RequestError, whichever way the body is read", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(partialBody(Fault.reset))
        const faults = yield* client(server.url)
        // without a size cap the body is read whole; with one it is collected chunk by chunk
        expectFailure(yield* Effect.exit(faults.item({ id: 1 })), "RequestError", where("item"))
        expectFailure(yield* Effect.exit(faults.capped({ id: 1 })), "RequestError", where("capped"))
        const stream = yield* faults.download({ id: 1 })
        const exit = yield* Effect.exit(Stream.runDrain(stream))
        const error = expectFailure(exit, "RequestError", where("download"))
        assert.strictEqual(error.reason, "Transport")
      }).pipe(Effect.provide(Live)))

    it.scoped("a body shorter than its Content-Length, then FIN: RequestError", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(partialBody(Fault.hangUp))
        const faults = yield* client(server.url)
        expectFailure(yield* Effect.exit(faults.item({ id: 1 })), "RequestError", where("item"))
        expectFailure(yield* Effect.exit(faults.capped({ id: 1 })), "RequestError", where("capped"))
        const stream = yield* faults.download({ id: 1 })
        expectFailure(yield* Effect.exit(Stream.runDrain(stream)), "RequestError", where("download"))
      }).pipe(Effect.provide(Live)))

    it.scoped("a chunked body cut before its last chunk: RequestError", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => {
          c.socket.write(Fault.head(200, { "content-type": "application/json", "transfer-encoding": "chunked" }))
          c.socket.write("3\r\n[1,\r\n")
          setTimeout(() => Fault.hangUp(c), 30)
        })
        const faults = yield* client(server.url)
        expectFailure(yield* Effect.exit(faults.item({ id: 1 })), "RequestError", where("item"))
      }).pipe(Effect.provide(Live)))

    it.scoped("headers that never come: interrupting the call closes the socket", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(() => {})
        const faults = yield* client(server.url)
        const fiber = yield* Effect.fork(faults.item({ id: 1 }))
        yield* server.request(1)
        const exit = yield* Fiber.interrupt(fiber)
        expectInterrupted(exit)
        const connection = yield* server.closed(1)
        assert.isTrue(connection.closedByClient)
      }).pipe(Effect.provide(Live)))

    it.scoped("headers that never come: Effect.timeout from the caller stops the call and closes the socket", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(() => {})
        const faults = yield* client(server.url)
        const fiber = yield* Effect.fork(Effect.exit(Effect.timeout(faults.item({ id: 1 }), "2 seconds")))
        yield* server.request(1)
        yield* TestClock.adjust("2 seconds")
        const exit = yield* Fiber.join(fiber)
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) assert.include(String(exit.cause), "TimeoutException")
        const connection = yield* server.closed(1)
        assert.isTrue(connection.closedByClient)
      }).pipe(Effect.provide(Live)))

    it.scoped("a body that stalls: interrupting the call closes the socket, with or without a size cap", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(partialBody(() => {}))
        const faults = yield* client(server.url)
        let n = 0
        for (const call of [faults.item({ id: 1 }), faults.capped({ id: 2 })]) {
          n++
          const fiber = yield* Effect.fork(call)
          yield* server.request(n)
          yield* server.waitUntil("the partial body", () => server.connections.length >= n)
          expectInterrupted(yield* Fiber.interrupt(fiber))
          assert.isTrue((yield* server.closed(n)).closedByClient)
        }
      }).pipe(Effect.provide(Live)))

    it.scoped("a streamed body that stalls: interrupting the consumer closes the socket", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(partialBody(() => {}))
        const faults = yield* client(server.url)
        const stream = yield* faults.download({ id: 1 })
        let seen = 0
        const fiber = yield* Effect.fork(
          Stream.runForEach(stream, (chunk) => Effect.sync(() => void (seen += chunk.length)))
        )
        yield* server.waitUntil("the client got the first bytes", () => seen > 0)
        expectInterrupted(yield* Fiber.interrupt(fiber))
        assert.isTrue((yield* server.closed(1)).closedByClient)
      }).pipe(Effect.provide(Live)))

    it.scoped("a body that stalls, then the server resets: RequestError", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(partialBody((c) => setTimeout(() => Fault.reset(c), 50)))
        const faults = yield* client(server.url)
        expectFailure(yield* Effect.exit(faults.item({ id: 1 })), "RequestError", where("item"))
      }).pipe(Effect.provide(Live)))

    it.scoped("a request body stream that fails mid-way: RequestError, the socket closes", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => Fault.json(c, 200, { ok: true }))
        const faults = yield* client(server.url)
        const payload = Stream.concat(
          Stream.make(new TextEncoder().encode("first bytes")),
          Stream.fail(new Error("the upload source broke"))
        )
        const error = expectFailure(yield* Effect.exit(faults.upload({ payload })), "RequestError", where("upload"))
        assert.strictEqual(error.reason, "Transport")
        yield* server.waitUntil("the upload's socket closed", () => server.connections.every((c) => c.closed))
        assert.strictEqual(server.requests.length, 0)
      }).pipe(Effect.provide(Live)))

    it.scoped("the server resets while the request body still streams: RequestError", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(() => {})
        const faults = yield* client(server.url)
        const payload = Stream.repeatEffect(Effect.succeed(new Uint8Array(16 * 1024)))
        const fiber = yield* Effect.fork(Effect.exit(faults.upload({ payload })))
        yield* server.waitUntil("a connection", () => server.connections.length === 1)
        Fault.reset(server.connections[0]!)
        const error = expectFailure(yield* Fiber.join(fiber), "RequestError", where("upload"))
        assert.strictEqual(error.reason, "Transport")
      }).pipe(Effect.provide(Live)))

    it.scoped("interrupting an upload in flight closes the socket", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start(() => {})
        const faults = yield* client(server.url)
        const payload = Stream.repeatEffect(Effect.succeed(new Uint8Array(16 * 1024)))
        const fiber = yield* Effect.fork(faults.upload({ payload }))
        yield* server.waitUntil("a connection", () => server.connections.length === 1)
        expectInterrupted(yield* Fiber.interrupt(fiber))
        yield* server.waitUntil("the upload's socket closed", () => server.connections[0]!.closed)
        assert.isTrue(server.connections[0]!.closedByClient)
      }).pipe(Effect.provide(Live)))

    it.scoped("200 concurrent calls, each meeting a different fault: typed errors only, the good ones succeed", () =>
      Effect.gen(function*() {
        const faultsById: ReadonlyArray<(c: Fault.Connection) => void> = [
          (c) => Fault.json(c, 200, { ok: true }),
          (c) => Fault.reset(c),
          (c) => Fault.hangUp(c),
          (c) => partialBody(Fault.reset)(undefined as never, c),
          (c) => partialBody(Fault.hangUp)(undefined as never, c),
          (c) => Fault.respond(c, 200, "{not json", { "content-type": "application/json" }),
          (c) => Fault.json(c, 503, { busy: true })
        ]
        const server = yield* Fault.start((request, c) => faultsById[Number(request.target.split("/")[2]) % 7]!(c))
        const faults = yield* client(server.url)
        const exits = yield* Effect.forEach(
          Array.from({ length: 200 }, (_, i) => i),
          (id) => Effect.exit(faults.item({ id })),
          { concurrency: 200 }
        )
        const tags = exits.map((exit, id) => {
          if (exit._tag === "Success") return "ok"
          return expectFailure(
            exit,
            id % 7 === 5 ? "ParseError" : id % 7 === 6 ? "ResponseError" : "RequestError",
            where("item")
          )._tag
        })
        assert.strictEqual(tags.filter((t) => t === "ok").length, Math.ceil(200 / 7))
        assert.deepStrictEqual(
          exits.flatMap((exit, id) => exit._tag === "Success" ? [id % 7] : []).filter((k) => k !== 0),
          []
        )
      }).pipe(Effect.provide(Live)))

    it.scoped("interrupting calls in flight: every socket closes, later calls still work", () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((request, c) => {
          if (request.target === "/item/ok") Fault.json(c, 200, { ok: true })
        })
        const faults = yield* client(server.url)
        const fibers = yield* Effect.forEach([1, 2, 3, 4, 5], (id) => Effect.fork(faults.item({ id })))
        yield* server.waitUntil("five requests", () => server.requests.length === 5)
        yield* Effect.forEach(fibers, (fiber) => Effect.map(Fiber.interrupt(fiber), expectInterrupted))
        yield* server.waitUntil("five closed sockets", () => server.connections.filter((c) => c.closed).length === 5)
        assert.deepStrictEqual(
          server.requests.map((r) => [r.connection.closed, r.connection.closedByClient]),
          [[true, true], [true, true], [true, true], [true, true], [true, true]]
        )
        assert.deepStrictEqual(yield* faults.item({ id: "ok" }), { ok: true })
      }).pipe(Effect.provide(Live)))
  })
}
