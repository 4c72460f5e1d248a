/**
 * Bad and failed responses over the live transport: unparseable or mistyped bodies fail
 * with `ParseError` (status and a bounded excerpt of the body), non-2xx statuses with
 * `ResponseError` (the whole body kept, the error body decoded by the endpoint's Schema).
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, Errors, ServiceClient, Spec } from "@service-client/core"
import { Effect, Schema } from "effect"
import * as Fault from "./faultServer.js"
import { expectFailure, Live } from "./support.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const Problem = Schema.Struct({ code: Schema.String, detail: Schema.String })
const Busy = Schema.Struct({ retryIn: Schema.Number })

const Api = Spec.make({
  user: Endpoint.get("/user/{id}", { success: User, error: Problem }),
  byStatus: Endpoint.get("/status/{id}", { success: User, error: { 500: Problem, 503: Busy } }),
  loose: Endpoint.get("/loose/{id}")
})
const where = (endpoint: string) => ({ service: "responses", endpoint })

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [])
})

/** A server answering each request with the response registered for its target. */
const serve = (routes: Record<string, (c: Fault.Connection) => void>) =>
  Fault.start((request, c) => {
    const route = routes[request.target]
    if (route === undefined) Fault.respond(c, 404, `no route ${request.target}`)
    else route(c)
  })

const junk = "not json at all, ".repeat(5_000)

describe("bad bodies: ParseError with status and a bounded excerpt", () => {
  it.scoped("invalid JSON, a wrong content type, a body failing the success Schema", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        "/user/1": (c) => Fault.respond(c, 200, "{\"id\": 1, \"username\": ", { "content-type": "application/json" }),
        "/user/2": (c) => Fault.respond(c, 200, "<html><body>Welcome</body></html>", { "content-type": "text/html" }),
        "/user/3": (c) => Fault.json(c, 200, { id: "12", username: "x" }),
        "/user/4": (c) => Fault.respond(c, 201, junk, { "content-type": "application/json" }),
        "/user/5": (c) => Fault.respond(c, 200, "é".repeat(100_000), { "content-type": "application/json" })
      })
      const client = yield* ServiceClient.make(Api, { name: "responses", baseUrl: server.url })

      const invalid = expectFailure(yield* Effect.exit(client.user({ id: 1 })), "ParseError", where("user"))
      assert.strictEqual(invalid.status, 200)
      assert.include(invalid.reason, "not valid json")
      assert.strictEqual(invalid.excerpt, "{\"id\": 1, \"username\": ")
      assert.include(invalid.message, `GET ${server.url}/user/1 (200)`)

      const html = expectFailure(yield* Effect.exit(client.user({ id: 2 })), "ParseError", where("user"))
      assert.include(html.reason, "text/html")
      assert.strictEqual(html.excerpt, "<html><body>Welcome</body></html>")

      const mistyped = expectFailure(yield* Effect.exit(client.user({ id: 3 })), "ParseError", where("user"))
      assert.include(mistyped.reason, "success schema")
      assert.include(mistyped.reason, "[\"id\"]")
      assert.strictEqual(mistyped.excerpt, "{\"id\":\"12\",\"username\":\"x\"}")

      const big = expectFailure(yield* Effect.exit(client.user({ id: 4 })), "ParseError", where("user"))
      assert.strictEqual(big.status, 201)
      assert.strictEqual(big.excerpt, junk.slice(0, Errors.excerptLength) + "…")
      assert.isBelow(big.message.length, 2 * Errors.excerptLength)

      const wide = expectFailure(yield* Effect.exit(client.user({ id: 5 })), "ParseError", where("user"))
      assert.strictEqual(wide.excerpt, "é".repeat(Errors.excerptLength) + "…")
    }).pipe(Effect.provide(Live)))

  it.scoped("an empty 2xx body parses to undefined; the success Schema then decides", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        "/user/1": (c) => Fault.respond(c, 204),
        "/loose/1": (c) => Fault.respond(c, 200, "", { "content-type": "application/json" })
      })
      const client = yield* ServiceClient.make(Api, { name: "responses", baseUrl: server.url })
      const error = expectFailure(yield* Effect.exit(client.user({ id: 1 })), "ParseError", where("user"))
      assert.strictEqual(error.status, 204)
      assert.strictEqual(error.excerpt, "")
      assert.isUndefined(yield* client.loose({ id: 1 }))
    }).pipe(Effect.provide(Live)))
})

describe("non-2xx: ResponseError keeps the body", () => {
  it.scoped("500 and 503 with bodies, decoded by the error Schema when they match it", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        "/user/1": (c) => Fault.json(c, 500, { code: "E42", detail: "database on fire" }),
        "/user/2": (c) =>
          Fault.respond(c, 503, "Service Unavailable", { "content-type": "text/plain", "retry-after": 3 }),
        "/user/3": (c) => Fault.json(c, 500, { unexpected: true }),
        "/user/4": (c) => Fault.respond(c, 502, junk, { "content-type": "application/json" }),
        "/status/1": (c) => Fault.json(c, 500, { code: "E1", detail: "boom" }),
        "/status/2": (c) => Fault.json(c, 503, { retryIn: 5 }),
        "/status/3": (c) => Fault.json(c, 504, { retryIn: 5 })
      })
      const client = yield* ServiceClient.make(Api, { name: "responses", baseUrl: server.url })

      const decoded = expectFailure(yield* Effect.exit(client.user({ id: 1 })), "ResponseError", where("user"))
      assert.strictEqual(decoded.status, 500)
      assert.deepStrictEqual(decoded.error, { code: "E42", detail: "database on fire" })
      assert.deepStrictEqual(JSON.parse(decoded.text), { code: "E42", detail: "database on fire" })
      assert.strictEqual(decoded.headers["content-type"], "application/json")

      const text = expectFailure(yield* Effect.exit(client.user({ id: 2 })), "ResponseError", where("user"))
      assert.strictEqual(text.status, 503)
      assert.strictEqual(text.text, "Service Unavailable")
      assert.strictEqual(text.headers["retry-after"], "3")
      assert.isUndefined(text.error)
      assert.include(text.message, "answered 503: Service Unavailable")

      const mismatched = expectFailure(yield* Effect.exit(client.user({ id: 3 })), "ResponseError", where("user"))
      assert.isUndefined(mismatched.error)
      assert.strictEqual(mismatched.text, "{\"unexpected\":true}")

      // an unparseable error body is still a ResponseError, with every byte kept
      const garbage = expectFailure(yield* Effect.exit(client.user({ id: 4 })), "ResponseError", where("user"))
      assert.strictEqual(garbage.status, 502)
      assert.strictEqual(garbage.text, junk)
      assert.isBelow(garbage.message.length, 400)

      const e500 = expectFailure(yield* Effect.exit(client.byStatus({ id: 1 })), "ResponseError", where("byStatus"))
      assert.deepStrictEqual(e500.error, { code: "E1", detail: "boom" })
      const e503 = expectFailure(yield* Effect.exit(client.byStatus({ id: 2 })), "ResponseError", where("byStatus"))
      assert.deepStrictEqual(e503.error, { retryIn: 5 })
      const e504 = expectFailure(yield* Effect.exit(client.byStatus({ id: 3 })), "ResponseError", where("byStatus"))
      assert.isUndefined(e504.error)
      assert.strictEqual(e504.status, 504)
    }).pipe(Effect.provide(Live)))

  it.scoped("an error body larger than maxResponseBytes: RequestError ResponseTooLarge", () =>
    Effect.gen(function*() {
      const server = yield* serve({ "/user/1": (c) => Fault.respond(c, 500, junk) })
      const client = yield* ServiceClient.make(Api, { name: "responses", baseUrl: server.url, maxResponseBytes: 1000 })
      const error = expectFailure(yield* Effect.exit(client.user({ id: 1 })), "RequestError", where("user"))
      assert.strictEqual(error.reason, "ResponseTooLarge")
    }).pipe(Effect.provide(Live)))
})
