/**
 * Repeated `Set-Cookie` headers stay apart, over every live transport: `response.setCookie`
 * lists each as received (an `Expires` attribute holds a comma, so the joined
 * `headers["set-cookie"]` cannot be split again).
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Effect } from "effect"
import * as Fault from "./faultServer.js"
import { liveTransports } from "./support.js"

const Api = Spec.make({ get: Endpoint.get("/r"), head: Endpoint.head("/r") })
const cookies = [
  "session=abc; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/; HttpOnly",
  "theme=dark; Max-Age=60"
]

describe("Set-Cookie as a list", () => {
  for (const [name, transport] of liveTransports) {
    it.scoped(`${name}: each Set-Cookie header, in order; none: an empty list`, () =>
      Effect.gen(function*() {
        let withCookies = true
        const server = yield* Fault.start((_, c) => {
          const head = withCookies
            ? `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n` +
              cookies.map((v) => `set-cookie: ${v}\r\n`).join("") + `\r\n{}`
            : `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`
          c.socket.write(head)
        })
        const client = yield* ServiceClient.make(Api, { name: "cookies", baseUrl: server.url })
        const response = yield* client.call("get", {})
        assert.deepStrictEqual(response.setCookie, cookies)
        assert.strictEqual(response.headers["set-cookie"], cookies.join(", "))
        withCookies = false
        const plain = yield* client.call("get", {})
        assert.deepStrictEqual(plain.setCookie, [])
      }).pipe(Effect.provide(transport)))
  }
})
