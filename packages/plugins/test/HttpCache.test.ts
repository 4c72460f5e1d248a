import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import * as HttpCache from "@service-client/plugins/HttpCache"
import { Effect } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({
  getItem: Endpoint.get("/items/{id}"),
  updateItem: Endpoint.put("/items/{id}")
})

/** Every answer may be stored for 10 minutes; the same size whatever the id (ids of 3 digits) and language. */
const transport = (vary: boolean) =>
  Support.layer((session) =>
    Effect.succeed({
      headers: { "cache-control": "max-age=600", ...(vary ? { vary: "Accept-Language" } : {}) },
      body: { url: session.url.slice(-3), v: session.headers["accept-language"] === "fr" ? 2 : 1 }
    })
  )

/** A seeded pseudo-random sequence (the same calls on every run). */
const random = (seed: number) => () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return seed / 2 ** 32
}

/**
 * Random calls to `ids` URLs (in `languages`, a PUT now and then) against a cache that
 * holds `fit` responses, checked call by call against a list of the most recently used.
 */
const againstModel = (options: {
  readonly fit: number
  readonly ids: number
  readonly calls: number
  readonly languages: ReadonlyArray<string>
}) =>
  Effect.gen(function*() {
    const vary = options.languages.length > 1
    // the size of one stored response, from a cache that stores one
    const probe = yield* HttpCache.make()
    const probing = yield* ServiceClient.make(Api, { name: "items", baseUrl: "http://127.0.0.1:1", plugins: [probe] })
    yield* probing.getItem({ id: 100, headers: { "accept-language": options.languages[0]! } })
    const size = probe.stats().bytes
    assert.isAbove(size, 0)
    const maxBytes = size * options.fit + Math.floor(size / 2)
    const cache = yield* HttpCache.make({ maxBytes, maxEntryBytes: maxBytes })
    const client = yield* ServiceClient.make(Api, { name: "items", baseUrl: "http://127.0.0.1:1", plugins: [cache] })
    const next = random(42)
    // the stored responses, from the least to the most recently used
    let model: Array<string> = []
    for (let n = 0; n < options.calls; n++) {
      const id = 100 + Math.floor(next() * options.ids)
      const language = options.languages[Math.floor(next() * options.languages.length)]!
      if (next() < 0.05) {
        yield* client.updateItem({ id })
        model = model.filter((key) => !key.startsWith(`${id} `))
        continue
      }
      const key = `${id} ${language}`
      const response = yield* client.call("getItem", { id, headers: { "accept-language": language } })
      const stored = model.includes(key)
      assert.strictEqual(response.attributes.cache, stored ? "hit" : "miss", `call ${n}: ${key}`)
      assert.deepStrictEqual(response.data, { url: String(id), v: vary && language === "fr" ? 2 : 1 }, `call ${n}`)
      model = [...model.filter((k) => k !== key), key]
      if (model.length > options.fit) model = model.slice(model.length - options.fit)
      assert.deepStrictEqual(cache.stats(), { entries: model.length, bytes: model.length * size }, `call ${n}`)
    }
  })

describe("HttpCache", () => {
  it.scoped("a store that evicts on most calls keeps the most recently used responses that fit", () =>
    againstModel({ fit: 7, ids: 20, calls: 1500, languages: ["en"] }).pipe(Effect.provide(transport(false))))

  it.scoped("a store of hundreds of responses, with variants by Vary, grows and keeps the right ones", () =>
    againstModel({ fit: 300, ids: 250, calls: 3000, languages: ["en", "fr"] }).pipe(Effect.provide(transport(true))))

  it.scoped("a response whose Vary changes replaces every variant of its URL", () => {
    const state = { vary: "Accept-Language" }
    return Effect.gen(function*() {
      const cache = yield* HttpCache.make()
      const client = yield* ServiceClient.make(Api, { name: "items", baseUrl: "http://127.0.0.1:1", plugins: [cache] })
      const call = (language: string, cacheControl?: string) =>
        Effect.map(
          client.call("getItem", {
            id: 100,
            headers: { "accept-language": language, ...(cacheControl ? { "cache-control": cacheControl } : {}) }
          }),
          (r) => r.attributes.cache
        )
      assert.strictEqual(yield* call("en"), "miss")
      assert.strictEqual(yield* call("fr"), "miss")
      assert.strictEqual(cache.stats().entries, 2)
      assert.strictEqual(yield* call("fr"), "hit")
      state.vary = "Accept-Encoding"
      // the call's no-cache sends it; the new answer varies on another header
      assert.strictEqual(yield* call("en", "no-cache"), "miss")
      assert.strictEqual(cache.stats().entries, 1)
      assert.strictEqual(yield* call("fr"), "hit") // Accept-Language no longer counts
    }).pipe(
      Effect.provide(
        Support.layer(() =>
          Effect.succeed({ headers: { "cache-control": "max-age=600", vary: state.vary }, body: { v: 1 } })
        )
      )
    )
  })
})
