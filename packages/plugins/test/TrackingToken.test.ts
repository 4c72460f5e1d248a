import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import * as TrackingToken from "@service-client/plugins/TrackingToken"
import { Effect, Random } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({ plain: Endpoint.get("/a") })

const make = (options?: TrackingToken.Options) =>
  ServiceClient.make(Api, { name: "svc", baseUrl: "http://127.0.0.1:1", plugins: [TrackingToken.make(options)] })

describe("TrackingToken", () => {
  it.scoped("a random A-Z0-9 token of 10 characters per call", () =>
    Effect.gen(function*() {
      const c = yield* make()
      const a = (yield* c.call("plain")).attributes.trackingToken
      const b = (yield* c.call("plain")).attributes.trackingToken
      assert.match(a as string, /^[A-Z0-9]{10}$/)
      assert.match(b as string, /^[A-Z0-9]{10}$/)
      assert.notStrictEqual(a, b)
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("prefix and length", () =>
    Effect.gen(function*() {
      const c = yield* make({ prefix: "web-", length: 4 })
      assert.match((yield* c.call("plain")).attributes.trackingToken as string, /^web-[A-Z0-9]{4}$/)
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("every length from 1 to 10, every character of A-Z0-9 drawn", () =>
    Effect.gen(function*() {
      const seen = new Set<string>()
      for (let length = 1; length <= 10; length++) {
        const c = yield* make({ length })
        for (let i = 0; i < 40; i++) {
          const token = (yield* c.call("plain")).attributes.trackingToken as string
          assert.match(token, new RegExp(`^[A-Z0-9]{${length}}$`))
          for (const ch of token) seen.add(ch)
        }
      }
      assert.strictEqual(seen.size, 36)
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("the input's trackingToken and trackingTokenPrefix override", () =>
    Effect.gen(function*() {
      const c = yield* make({ prefix: "web-" })
      assert.strictEqual((yield* c.call("plain", { trackingToken: "ABC" })).attributes.trackingToken, "web-ABC")
      assert.match(
        (yield* c.call("plain", { trackingTokenPrefix: "job-" })).attributes.trackingToken as string,
        /^job-[A-Z0-9]{10}$/
      )
      assert.strictEqual(
        (yield* c.call("plain", { trackingToken: "ABC", trackingTokenPrefix: "" })).attributes.trackingToken,
        "ABC"
      )
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("uses Effect's Random, so a seeded Random gives the same token", () =>
    Effect.gen(function*() {
      const c = yield* make()
      const token = (seed: number) =>
        c.call("plain").pipe(Effect.map((r) => r.attributes.trackingToken), Effect.withRandom(Random.make(seed)))
      assert.strictEqual(yield* token(42), yield* token(42))
      assert.notStrictEqual(yield* token(42), yield* token(43))
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("sends the token in the header option, unless the input sets that header", () =>
    Effect.gen(function*() {
      const c = yield* make({ prefix: "t-", header: "X-Tracking-Token" })
      const res = yield* c.call("plain")
      const sessions = yield* Support.sessions
      assert.strictEqual(sessions[0]!.headers["x-tracking-token"], res.attributes.trackingToken)
      yield* c.call("plain", { headers: { "X-Tracking-Token": "mine" } })
      assert.strictEqual(sessions[1]!.headers["x-tracking-token"], "mine")
      const plain = yield* make()
      yield* plain.call("plain")
      assert.isFalse("x-tracking-token" in sessions[2]!.headers)
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("a token that is not a string, or has CR/LF when sent as a header, is an InputError", () =>
    Effect.gen(function*() {
      const c = yield* make({ header: "X-Tracking-Token" })
      const a = yield* Effect.flip(c.call("plain", { trackingToken: 12 as never }))
      assert.strictEqual(a._tag, "InputError")
      assert.strictEqual((a as { key?: string }).key, "trackingToken")
      const b = yield* Effect.flip(c.call("plain", { trackingToken: "a\r\nb" }))
      assert.strictEqual(b._tag, "InputError")
      assert.strictEqual((yield* Support.sessions).length, 0)
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("the token keys are call-input keys: an endpoint cannot set them, nor a path token take their names", () =>
    Effect.gen(function*() {
      const spec = Spec.make({ plain: Endpoint.get("/a", { trackingToken: "ABC" } as {}) })
      const refused = yield* Effect.flip(
        ServiceClient.make(spec, { name: "svc", baseUrl: "http://127.0.0.1:1", plugins: [TrackingToken.make()] })
      )
      assert.strictEqual(refused._tag, "SpecError")
      assert.strictEqual((refused as { key?: string }).key, "trackingToken")
      assert.match(refused.message, /unknown key/)
      // @ts-expect-error a path token may not take the name of a built-in plugin's call key
      assert.throws(() => Endpoint.get("/a/{trackingToken}"), /trackingToken/)
      const c = yield* make()
      const long = yield* Effect.flip(c.call("plain", { trackingToken: "A".repeat(TrackingToken.maxLength + 1) }))
      assert.strictEqual(long._tag, "InputError")
      assert.strictEqual((long as { key?: string }).key, "trackingToken")
      const prefix = yield* Effect.flip(c.call("plain", { trackingTokenPrefix: "a\nb" }))
      assert.strictEqual((prefix as { key?: string }).key, "trackingTokenPrefix")
    }).pipe(Effect.provide(Support.layer())))

  it("rejects bad options when made", () => {
    assert.throws(() => TrackingToken.make({ length: 0 }), /TrackingToken.length/)
    assert.throws(() => TrackingToken.make({ header: "bad header" }), /TrackingToken.header/)
  })
})
