/**
 * Responses that have no body by definition — to a HEAD, and 204 and 304 — are read as
 * empty whatever their Content-Length says: `maxResponseBytes` does not fail them, and a
 * server that adds bytes after them cannot make them a body. Over every live transport.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Effect, Exit } from "effect"
import * as fc from "fast-check"
import * as Fault from "./faultServer.js"
import { expectFailure, liveTransports } from "./support.js"

const Api = Spec.make({
  head: Endpoint.head("/r"),
  get: Endpoint.get("/r")
})

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [])
})

describe("bodiless responses", () => {
  for (const [name, transport] of liveTransports) {
    it.scoped(`${name}: HEAD, 204 and 304 with any Content-Length pass maxResponseBytes and have no body`, () =>
      Effect.gen(function*() {
        let status = 200
        let length = 0
        const server = yield* Fault.start((request, c) => {
          const reason = status === 204 ? "No Content" : status === 304 ? "Not Modified" : "OK"
          c.socket.write(
            `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`
          )
          // a GET answered 200 gets its body; nothing else does
          if (request.method === "GET" && status === 200) c.socket.write("x".repeat(length))
        })
        const client = yield* ServiceClient.make(Api, { name: "bodiless", baseUrl: server.url, maxResponseBytes: 100 })
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.constantFrom("head" as const, "get" as const),
              fc.constantFrom(200, 204, 304),
              fc.integer({ min: 0, max: 50_000_000 }),
              async (endpoint, s, n) => {
                if (endpoint === "get" && s === 200) return // a real body: covered by the large-body suite
                status = s
                length = n
                const exit = await Effect.runPromiseExit(client.call(endpoint, {}))
                if (s === 304) {
                  const error = expectFailure(exit, "ResponseError", { service: "bodiless", endpoint })
                  assert.strictEqual(error.status, 304)
                  assert.strictEqual(error.body.length, 0)
                } else {
                  assert.isTrue(Exit.isSuccess(exit), JSON.stringify(exit))
                  if (Exit.isSuccess(exit)) {
                    assert.strictEqual(exit.value.status, s)
                    assert.strictEqual(exit.value.body?.length, 0)
                    assert.isUndefined(exit.value.data)
                  }
                }
              }
            ),
            { numRuns: 30 }
          )
        )
        // a GET with a body over the cap still fails
        status = 200
        length = 1000
        const tooLarge = yield* Effect.exit(client.get())
        const error = expectFailure(tooLarge, "RequestError", { service: "bodiless", endpoint: "get" })
        assert.strictEqual(error.reason, "ResponseTooLarge")
      }).pipe(Effect.provide(transport)))
  }
})
