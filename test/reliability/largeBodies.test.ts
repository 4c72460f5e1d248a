/**
 * A huge response (200 MB streamed by the server from one reused chunk, with
 * backpressure) over the live transport: `maxResponseBytes` (client or endpoint level)
 * fails the call with `RequestError` "ResponseTooLarge" once exceeded without buffering
 * the body, and a `streamResponse` endpoint consumes it all in bounded memory.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, Parser, ServiceClient, Spec } from "@service-client/core"
import { Effect, Stream } from "effect"
import * as Fault from "./faultServer.js"
import { expectFailure, transports } from "./support.js"

const MB = 1024 * 1024
const HUGE = 200 * MB

const Api = Spec.make({
  plain: Endpoint.get("/huge/{mode}"),
  capped: Endpoint.get("/huge/{mode}", { maxResponseBytes: 1 * MB }),
  roomy: Endpoint.get("/huge/{mode}", { maxResponseBytes: 4 * MB }),
  download: Endpoint.get("/huge/{mode}", { streamResponse: true })
})
const where = (endpoint: string) => ({ service: "large", endpoint })

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [])
})

/** `/huge/chunked`, `/huge/length` (Content-Length 200 MB), `/huge/2mb` (2 MB, with length). */
const hugeServer = Fault.start((request, c) => {
  switch (request.target) {
    case "/huge/chunked":
      return Fault.stream(c, HUGE, { contentLength: false })
    case "/huge/length":
      return Fault.stream(c, HUGE)
    case "/huge/2mb":
      return Fault.stream(c, 2 * MB)
    case "/huge/stall":
      return void c.socket.write(Fault.head(200, { "content-length": HUGE }))
    default:
      return Fault.respond(c, 404)
  }
})

/** Samples the process's memory every 5 ms while `effect` runs; reports the peak growth. */
const measure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = process.memoryUsage()
    let peakRss = before.rss
    let peakHeap = before.heapUsed + before.arrayBuffers
    const sample = () => {
      const m = process.memoryUsage()
      peakRss = Math.max(peakRss, m.rss)
      peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers)
    }
    const timer = setInterval(sample, 5)
    const started = Date.now()
    const result = yield* Effect.ensuring(effect, Effect.sync(() => clearInterval(timer)))
    sample()
    const figures = {
      ms: Date.now() - started,
      rssBeforeMB: Math.round(before.rss / MB),
      rssGrowthMB: Math.round((peakRss - before.rss) / MB),
      heapAndBuffersGrowthMB: Math.round((peakHeap - before.heapUsed - before.arrayBuffers) / MB)
    }
    return { result, figures }
  })

const report = (label: string, figures: object) => console.log(`[large bodies] ${label}: ${JSON.stringify(figures)}`)

for (const [transportName, Live] of transports) {
  describe(`a 200 MB response (${transportName})`, () => {
    it.scoped("client-level maxResponseBytes: ResponseTooLarge once exceeded, nothing more read", () =>
      Effect.gen(function*() {
        const server = yield* hugeServer
        const client = yield* ServiceClient.make(Api, { name: "large", baseUrl: server.url, maxResponseBytes: 1 * MB })
        const { figures, result: exit } = yield* measure(Effect.exit(client.plain({ mode: "chunked" })))
        const error = expectFailure(exit, "RequestError", where("plain"))
        assert.strictEqual(error.reason, "ResponseTooLarge")
        assert.include(error.message, `larger than ${MB} bytes`)
        const connection = yield* server.closed(1)
        assert.isTrue(connection.closedByClient)
        report("client cap 1 MB, chunked 200 MB", { ...figures, serverSentMB: Math.round(connection.bytesSent / MB) })
        assert.isBelow(connection.bytesSent, 32 * MB, "the server could send far more than the cap")
        assert.isBelow(figures.heapAndBuffersGrowthMB, 64)
        assert.isBelow(figures.rssGrowthMB, 100)
      }).pipe(Effect.provide(Live)))

    it.scoped("endpoint-level maxResponseBytes with a Content-Length over it: fails before reading, the socket closes", () =>
      Effect.gen(function*() {
        const server = yield* hugeServer
        const client = yield* ServiceClient.make(Api, { name: "large", baseUrl: server.url })
        const { figures, result: exit } = yield* measure(Effect.exit(client.capped({ mode: "length" })))
        const error = expectFailure(exit, "RequestError", where("capped"))
        assert.strictEqual(error.reason, "ResponseTooLarge")
        const connection = yield* server.closed(1)
        report("endpoint cap 1 MB, Content-Length 200 MB", {
          ...figures,
          serverSentMB: Math.round(connection.bytesSent / MB)
        })
        assert.isBelow(connection.bytesSent, 32 * MB)
        assert.isBelow(figures.heapAndBuffersGrowthMB, 64)
      }).pipe(Effect.provide(Live)))

    it.scoped("a Content-Length over the cap and a body that never comes: fails at once, the socket closes", () =>
      Effect.gen(function*() {
        const server = yield* hugeServer
        const client = yield* ServiceClient.make(Api, { name: "large", baseUrl: server.url })
        const error = expectFailure(
          yield* Effect.exit(client.capped({ mode: "stall" })),
          "RequestError",
          where("capped")
        )
        assert.strictEqual(error.reason, "ResponseTooLarge")
        assert.isTrue((yield* server.closed(1)).closedByClient)
      }).pipe(Effect.provide(Live)))

    it.scoped("the endpoint's cap overrides the client's, both ways", () =>
      Effect.gen(function*() {
        const server = yield* hugeServer
        const strict = yield* ServiceClient.make(Api, { name: "large", baseUrl: server.url, maxResponseBytes: 1 * MB })
          .pipe(
            Effect.provide(Parser.layer(Parser.bytes))
          )
        // the endpoint allows 4 MB: a 2 MB body passes although the client caps at 1 MB
        const body = yield* Effect.map(strict.call("roomy", { mode: "2mb" }), (r) => r.body!)
        assert.strictEqual(body.length, 2 * MB)
        const loose = yield* ServiceClient.make(Api, { name: "large", baseUrl: server.url, maxResponseBytes: 100 * MB })
        const error = expectFailure(yield* Effect.exit(loose.capped({ mode: "2mb" })), "RequestError", where("capped"))
        assert.strictEqual(error.reason, "ResponseTooLarge")
      }).pipe(Effect.provide(Live)))

    it.scoped("a streamResponse endpoint reads all 200 MB in bounded memory", () =>
      Effect.gen(function*() {
        const server = yield* hugeServer
        const client = yield* ServiceClient.make(Api, { name: "large", baseUrl: server.url, maxResponseBytes: 1 * MB })
        const { figures, result: bytes } = yield* measure(
          Effect.flatMap(client.download({ mode: "chunked" }), (stream) =>
            Stream.runFold(stream, 0, (n, chunk) => n + chunk.length))
        )
        report("streamResponse, chunked 200 MB", {
          ...figures,
          MBperSecond: Math.round(HUGE / MB / (figures.ms / 1000))
        })
        assert.strictEqual(bytes, HUGE)
        assert.isBelow(figures.heapAndBuffersGrowthMB, 100)
        assert.isBelow(figures.rssGrowthMB, 150)
      }).pipe(Effect.provide(Live)), 60_000)
  })
}
