/**
 * Wire parity, compression: every live transport announces what it decodes, decodes it as
 * the body streams, counts `maxResponseBytes` in decoded bytes (a gzip bomb stops at the
 * cap), and fails with a ParseError naming a coding it cannot decode.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Chunk, Effect, Exit, Stream } from "effect"
import * as Zlib from "node:zlib"
import { expectFailure } from "../reliability/support.js"
import { Fault, transports } from "./support.js"

const Api = Spec.make({
  get: Endpoint.get("/data"),
  capped: Endpoint.get("/bomb", { maxResponseBytes: 1024 * 1024 }),
  stream: Endpoint.get("/stream", { streamResponse: true })
})
const where = (endpoint: string) => ({ service: "wire", endpoint })

const data = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i} ü` })) }
const text = JSON.stringify(data)
const encoders: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => Zlib.gzipSync(b),
  "x-gzip": (b) => Zlib.gzipSync(b),
  deflate: (b) => Zlib.deflateSync(b),
  br: (b) => Zlib.brotliCompressSync(b)
}

/** Answers `text` encoded as the request's `x-encode` header asks (codings applied in order). */
const server = Fault.start((request, c) => {
  const asked = request.headers["x-encode"]
  if (asked === undefined) return Fault.respond(c, 200, text, { "content-type": "application/json" })
  let body: Buffer = Buffer.from(text)
  for (const coding of asked.split(",").map((s) => s.trim())) body = encoders[coding]?.(body) ?? body
  Fault.respond(c, 200, body, { "content-type": "application/json", "content-encoding": asked })
})

const announced = (transport: Transport.Service) => transport.acceptEncoding ?? ""

describe("wire parity: compression", () => {
  for (const [name, Live] of transports) {
    describe(name, () => {
      it.scoped("announces what it decodes, and decodes gzip, x-gzip, deflate and stacked codings", () =>
        Effect.gen(function*() {
          const s = yield* server
          const transport = yield* Transport.Transport
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const codings = ["gzip", "x-gzip", "deflate", "deflate, gzip"]
          if (announced(transport).includes("br")) codings.push("br", "gzip, br")
          for (const coding of codings) {
            assert.deepStrictEqual(yield* client.get({ headers: { "x-encode": coding } }), data, coding)
          }
          assert.strictEqual(s.requests[0]!.headers["accept-encoding"], announced(transport))
          assert.match(announced(transport), /^gzip, deflate(, br)?$/)
          // a call opts out with its own header
          yield* client.get({ headers: { "accept-encoding": "identity" } })
          assert.strictEqual(s.requests.at(-1)!.headers["accept-encoding"], "identity")
        }).pipe(Effect.provide(Live)))

      it.scoped("a coding it does not decode is a ParseError naming it", () =>
        Effect.gen(function*() {
          const s = yield* server
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const exit = yield* Effect.exit(client.get({ headers: { "x-encode": "x-custom" } }))
          const error = expectFailure(exit, "ParseError", where("get"))
          assert.include(error.reason, `"x-custom"`)
        }).pipe(Effect.provide(Live)))

      it.scoped("maxResponseBytes counts decoded bytes: a gzip bomb stops at the cap", () =>
        Effect.gen(function*() {
          const bomb = Zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
          assert.isBelow(bomb.length, 100 * 1024)
          const s = yield* Fault.start((_, c) =>
            Fault.respond(c, 200, bomb, { "content-type": "application/json", "content-encoding": "gzip" })
          )
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const before = process.memoryUsage().arrayBuffers
          const error = expectFailure(yield* Effect.exit(client.capped()), "RequestError", where("capped"))
          assert.strictEqual(error.reason, "ResponseTooLarge")
          assert.isBelow(process.memoryUsage().arrayBuffers - before, 32 * 1024 * 1024)
        }).pipe(Effect.provide(Live)))

      it.scoped("a streamed response is decoded as it streams; an empty encoded body is empty", () =>
        Effect.gen(function*() {
          const s = yield* Fault.start((request, c) => {
            if (request.target === "/data") {
              return Fault.respond(c, 200, "", { "content-type": "application/json", "content-encoding": "gzip" })
            }
            Fault.respond(c, 200, Zlib.gzipSync(Buffer.from(text)), { "content-encoding": "gzip" })
          })
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const stream = yield* client.stream()
          const bytes = Chunk.toReadonlyArray(yield* Stream.runCollect(stream))
          assert.strictEqual(Buffer.concat(bytes).toString(), text)
          assert.strictEqual(yield* client.get(), undefined)
        }).pipe(Effect.provide(Live)))

      it.scoped("a body that does not decode is a RequestError (Decoding), never retried as a transport fault", () =>
        Effect.gen(function*() {
          // a wrong CRC in the gzip trailer
          const broken = Zlib.gzipSync(Buffer.from(text))
          broken[broken.length - 8] ^= 0xff
          const s = yield* Fault.start((_, c) =>
            Fault.respond(c, 200, broken, { "content-type": "application/json", "content-encoding": "gzip" })
          )
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const error = expectFailure(yield* Effect.exit(client.get()), "RequestError", where("get"))
          assert.strictEqual(error.reason, "Decoding")
          assert.include(error.message, "gzip")
        }).pipe(Effect.provide(Live)))
    })
  }

  it.scoped("NodeTransport with decompress: false announces nothing; a ParseError names the coding", () =>
    Effect.gen(function*() {
      const s = yield* server
      const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
      const exit = yield* Effect.exit(client.get({ headers: { "x-encode": "gzip" } }))
      assert.isTrue(Exit.isFailure(exit))
      const error = expectFailure(exit, "ParseError", where("get"))
      assert.include(error.reason, "gzip")
      assert.include(error.reason, "decoding is off")
      assert.notProperty(s.requests[0]!.headers, "accept-encoding")
    }).pipe(Effect.provide(NodeTransport.layer({ decompress: false }))))
})
