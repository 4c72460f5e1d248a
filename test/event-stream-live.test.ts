import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, EventStream, ServiceClient, Spec, SpecLoader, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Chunk, Effect, Either, Layer, Schema, Stream } from "effect"
import * as Server from "./support/server.js"

const Tick = Schema.Struct({ n: Schema.Number })
const Api = Spec.make({
  ticks: Endpoint.get("/ticks", { streamResponse: true, events: "sse", success: Tick }),
  text: Endpoint.get("/text", { streamResponse: true, events: "sse" }),
  rows: Endpoint.get("/rows", { streamResponse: true, events: "ndjson", success: Tick, maxEventBytes: 100 })
})

const transports = [
  ["NodeTransport", NodeTransport.layer],
  ["Transport.layer", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))]
] as const

describe("Event streams against a real server", () => {
  for (const [name, transport] of transports) {
    it.scopedLive(`${name}: SSE events decoded by the Schema; a dropped connection resumes with Last-Event-ID after retry:`, () =>
      Effect.gen(function*() {
        let connection = 0
        const server = yield* Server.start((req, res, raw) => {
          connection++
          if (connection === 3) {
            res.writeHead(204)
            return void res.end()
          }
          res.writeHead(200, { "content-type": "text/event-stream" })
          if (connection === 1) {
            res.write("\uFEFF: a comment\nretry: 10\n\nid: 1\ndata: {\"n\":\n")
            res.write("data: 1}\n\nevent: tick\r\nid: 2\r\ndata: {\"n\": 2}\r\n\r\n")
            // dropped mid-event: the half event is not delivered
            res.write("id: 9\ndata: {\"n\": 9}\n")
            setTimeout(() => raw.socket.destroy(), 20)
            return
          }
          assert.strictEqual(req.headers["last-event-id"], "9")
          res.end("id: 3\ndata: {\"n\": 3}\n\n")
        })
        const client = yield* ServiceClient.make(Api, { name: "feed", baseUrl: server.url })
        const events = Chunk.toArray(yield* Stream.runCollect(yield* client.ticks()))
        assert.deepStrictEqual(events, [
          { event: "message", data: { n: 1 }, id: "1" },
          { event: "tick", data: { n: 2 }, id: "2" },
          { event: "message", data: { n: 3 }, id: "3" }
        ])
        assert.strictEqual(server.received[0]!.headers.accept, "text/event-stream")
        assert.strictEqual(connection, 3)
      }).pipe(Effect.provide(transport)))
  }

  it.scopedLive("SSE without a Schema: text data; a clean end without ids is the end", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" })
        res.end("data: first line\ndata: second line\n\ndata\n\ndata:  spaced\n\n")
      })
      const client = yield* ServiceClient.make(Api, { name: "feed", baseUrl: server.url })
      const events = Chunk.toArray(yield* Stream.runCollect(yield* client.text()))
      assert.deepStrictEqual(events.map((e) => e.data), ["first line\nsecond line", "", " spaced"])
      assert.strictEqual(server.received.length, 1)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scopedLive("NDJSON: values across chunks, decoded; typed failures for bad JSON, a bad value, a long line", () =>
    Effect.gen(function*() {
      let body = ""
      const server = yield* Server.start((_req, res) => {
        res.writeHead(200, { "content-type": "application/x-ndjson" })
        res.write(body.slice(0, 5))
        setTimeout(() => res.end(body.slice(5)), 5)
      })
      const client = yield* ServiceClient.make(Api, { name: "feed", baseUrl: server.url })
      body = "{\"n\":1}\n\n{\"n\":2}\r\n{\"n\":3}"
      const values = Chunk.toArray(yield* Stream.runCollect(yield* client.rows()))
      assert.deepStrictEqual(values, [{ n: 1 }, { n: 2 }, { n: 3 }])
      assert.strictEqual(server.received[0]!.headers.accept, "application/x-ndjson")

      const failure = (text: string) =>
        Effect.gen(function*() {
          body = text
          const stream = yield* client.rows()
          return yield* Effect.flip(Stream.runDrain(stream))
        })
      const notJson = yield* failure("{\"n\":1}\nnope\n")
      assert.strictEqual(notJson._tag, "EventStreamError")
      assert.isTrue(notJson instanceof EventStream.EventStreamError && notJson.reason === "Parse")
      const badValue = yield* failure("{\"n\":\"one\"}\n")
      assert.isTrue(badValue instanceof EventStream.EventStreamError && badValue.reason === "Decode")
      assert.match(badValue.message, /^feed\.rows: event stream \(Decode\)/)
      const long = yield* failure(`{"n":${"1".repeat(200)}}\n`)
      assert.isTrue(long instanceof EventStream.EventStreamError && long.reason === "TooLarge")
      assert.isAtMost(long.message.length, 400)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it("events needs streamResponse; a spec file's events are checked", () => {
    assert.throws(() => Endpoint.get("/x", { events: "sse" }), /events/)
    const bad = SpecLoader.fromRecordEither({ feed: { path: "/feed", streamResponse: true, events: "xml" } })
    assert.isTrue(Either.isLeft(bad))
    const good = SpecLoader.fromRecordEither({ feed: { path: "/feed", streamResponse: true, events: "ndjson" } })
    assert.isTrue(Either.isRight(good))
  })
})
