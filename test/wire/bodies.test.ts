/**
 * Bodies: the JSON serializer sends plain data only; anything JSON would silently change
 * (a FormData sent as `{}`, a Map, NaN as `null`...) is an InputError before any I/O.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Serializer, ServiceClient, Spec } from "@service-client/core"
import { Effect, Layer, Stream } from "effect"
import * as Zlib from "node:zlib"
import { expectFailure } from "../reliability/support.js"
import { Fault, transports } from "./support.js"

const Api = Spec.make({ send: Endpoint.post("/items") })

class Point {
  constructor(readonly x: number) {}
}
class Money {
  constructor(readonly cents: number) {}
  toJSON() {
    return { cents: this.cents }
  }
}

describe("the JSON serializer", () => {
  it.scoped("refuses what is not plain data, naming where", () =>
    Effect.gen(function*() {
      const s = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
      const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
      const circular: Record<string, unknown> = {}
      circular.self = circular
      const bad: Array<readonly [unknown, string]> = [
        [new FormData(), "FormData"],
        [new Blob(["x"]), "Blob"],
        [{ tags: new Set(["a"]) }, "payload.tags is a Set"],
        [{ byId: new Map() }, "payload.byId is a Map"],
        [{ n: 10n }, "BigInt"],
        [{ f: () => 1 }, "payload.f is a function"],
        [{ list: [1, Number.NaN] }, "payload.list[1] is NaN"],
        [{ list: [undefined] }, "payload.list[0] is undefined"],
        [{ at: new Point(1) }, "payload.at is a Point"],
        [{ "a key": new Uint8Array(2) }, "payload[\"a key\"] is a Uint8Array"],
        [circular, "payload.self refers back to itself"],
        [Infinity, "the payload is Infinity"]
      ]
      for (const [payload, expected] of bad) {
        const error = expectFailure(yield* Effect.exit(client.send({ payload })), "InputError", {
          service: "wire",
          endpoint: "send"
        })
        assert.strictEqual(error.key, "payload")
        assert.include(error.message, expected)
      }
      assert.strictEqual(s.requests.length, 0)
      // plain data, toJSON, Date, null and undefined properties go through
      yield* client.send({ payload: { a: [1, "x", null, { b: true }], m: new Money(5), d: new Date(0), u: undefined } })
      assert.strictEqual(
        s.requests[0]!.body.toString(),
        JSON.stringify({ a: [1, "x", null, { b: true }], m: { cents: 5 }, d: new Date(0) })
      )
      yield* client.send({ payload: Object.assign(Object.create(null), { x: 1 }) })
      assert.strictEqual(s.requests[1]!.body.toString(), "{\"x\":1}")
    }).pipe(Effect.provide(transports[2]![1])))
})

const Upload = Spec.make({ upload: Endpoint.post("/upload") })

describe("wire parity: multipart/form-data", () => {
  for (const [name, Live] of transports) {
    it.scoped(`${name}: a FormData and a record of parts (bytes, Blob, File, Stream), parsed back by the server`, () =>
      Effect.gen(function*() {
        const s = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
        const client = yield* ServiceClient.make(Upload, { name: "wire", baseUrl: s.url })
        const parse = async (i: number) => {
          const r = s.requests[i]!
          return new Response(new Uint8Array(r.body), { headers: { "content-type": r.headers["content-type"]! } })
            .formData()
        }
        const form = new FormData()
        form.append("title", "a \"quoted\"\r\nname é")
        form.append("we\"ird\n", "x")
        form.append("file", new File(["file body"], "notes.txt", { type: "text/plain" }))
        yield* client.upload({ payload: form })
        yield* client.upload({
          payload: {
            title: "t",
            count: 3,
            tags: ["a", "b"],
            bytes: new Uint8Array([0, 1, 2, 255]),
            blob: new Blob(["blob body"], { type: "application/json" }),
            stream: Stream.make(new TextEncoder().encode("str"), new TextEncoder().encode("eamed")),
            skipped: undefined
          }
        })
        const first = yield* Effect.promise(() => parse(0))
        assert.strictEqual(first.get("title"), "a \"quoted\"\r\nname é")
        assert.include(
          s.requests[0]!.body.toString(),
          `name="we%22ird%0A"\r\n`,
          "a quote or newline in a name is escaped"
        )
        const file = first.get("file") as File
        assert.strictEqual(file.name, "notes.txt")
        assert.strictEqual(file.type, "text/plain")
        assert.strictEqual(yield* Effect.promise(() => file.text()), "file body")
        const second = yield* Effect.promise(() => parse(1))
        assert.deepStrictEqual(second.getAll("tags"), ["a", "b"])
        assert.strictEqual(second.get("count"), "3")
        assert.deepStrictEqual([
          ...new Uint8Array(yield* Effect.promise(() => (second.get("bytes") as File).arrayBuffer()))
        ], [0, 1, 2, 255])
        assert.strictEqual(yield* Effect.promise(() => (second.get("blob") as File).text()), "blob body")
        assert.strictEqual((second.get("blob") as File).type, "application/json")
        assert.strictEqual(yield* Effect.promise(() => (second.get("stream") as File).text()), "streamed")
        assert.isFalse(second.has("skipped"))
        assert.match(
          s.requests[1]!.headers["content-type"]!,
          /^multipart\/form-data; boundary=----effect-service-client-[0-9a-f]{32}$/
        )
        // a part of another kind is an InputError before any I/O
        const error = expectFailure(
          yield* Effect.exit(client.upload({ payload: { nested: { a: 1 } } })),
          "InputError",
          { service: "wire", endpoint: "upload" }
        )
        assert.include(error.message, "nested")
        assert.strictEqual(s.requests.length, 2)
      }).pipe(Effect.provide(Layer.merge(Live, Serializer.layer(Serializer.multipart)))))
  }
})

const Compressed = Spec.make({
  gzip: Endpoint.post("/gz", { compressRequest: "gzip" }),
  deflate: Endpoint.post("/df", { compressRequest: "deflate" }),
  stream: Endpoint.post("/st", { compressRequest: "gzip", streamRequest: true }),
  plain: Endpoint.post("/plain")
})

describe("wire parity: request body compression (an opt-in per endpoint)", () => {
  for (const [name, Live] of transports) {
    it.scoped(`${name}: gzip and deflate bodies, bytes and streams; other endpoints send plain bodies`, () =>
      Effect.gen(function*() {
        const s = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
        const client = yield* ServiceClient.make(Compressed, { name: "wire", baseUrl: s.url })
        const payload = { text: "x".repeat(2000) }
        yield* client.gzip({ payload })
        yield* client.deflate({ payload })
        yield* client.stream({
          payload: Stream.make(new TextEncoder().encode("hello "), new TextEncoder().encode("world"))
        })
        yield* client.plain({ payload })
        const [gz, df, st, plain] = s.requests
        assert.strictEqual(gz!.headers["content-encoding"], "gzip")
        assert.strictEqual(Zlib.gunzipSync(gz!.body).toString(), JSON.stringify(payload))
        assert.isBelow(gz!.body.length, 200)
        assert.strictEqual(df!.headers["content-encoding"], "deflate")
        assert.strictEqual(Zlib.inflateSync(df!.body).toString(), JSON.stringify(payload))
        assert.strictEqual(st!.headers["content-encoding"], "gzip")
        assert.strictEqual(Zlib.gunzipSync(st!.body).toString(), "hello world")
        assert.notProperty(plain!.headers, "content-encoding")
        assert.strictEqual(plain!.body.toString(), JSON.stringify(payload))
      }).pipe(Effect.provide(Live)))
  }
})
