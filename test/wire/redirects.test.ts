/**
 * Wire parity, redirects: the core follows them by one policy over every transport (each
 * configured not to follow on its own), with the same hops, methods, bodies and headers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Timeout } from "@service-client/plugins"
import { Effect, Schema, Stream } from "effect"
import { expectFailure } from "../reliability/support.js"
import { Fault, transports } from "./support.js"

const Api = Spec.make({
  get: Endpoint.get("/start/{to}"),
  post: Endpoint.post("/start/{to}", { payload: Schema.Struct({ a: Schema.Number }) }),
  manual: Endpoint.get("/start/{to}", { redirect: "manual" }),
  upload: Endpoint.post("/start/{to}", { streamRequest: true })
})
const where = (endpoint: string) => ({ service: "wire", endpoint })

/**
 * `/start/<status>-<n>` redirects with `status` to `/hop/<n>`... `/hop/1` → `/end`;
 * `/loop` redirects to itself; `/away` redirects to `other`'s `/end`; anything else
 * answers what it received.
 */
const redirector = (other?: string) =>
  Fault.start((request, c) => {
    const [path] = request.target.split("?")
    const start = /^\/start\/(\d{3})-(\d+)$/.exec(path!)
    const hop = /^\/hop\/(\d{3})-(\d+)$/.exec(path!)
    const m = start ?? hop
    if (m !== null) {
      const n = Number(m[2])
      const to = n <= 1 ? "/end" : `/hop/${m[1]}-${n - 1}`
      return Fault.respond(c, Number(m[1]), "moved", { location: to, "content-type": "text/plain" })
    }
    if (path === "/start/loop") return Fault.respond(c, 302, "", { location: "/start/loop" })
    if (path === "/start/away") return Fault.respond(c, 307, "", { location: `${other}/end` })
    if (path === "/start/bad") return Fault.respond(c, 302, "", { location: "ftp://127.0.0.1/x" })
    Fault.json(c, 200, { method: request.method, target: request.target, body: request.body.toString() })
  })

describe("wire parity: redirects", () => {
  for (const [name, Live] of transports) {
    describe(name, () => {
      it.scoped("follows up to 5 hops by default, listing them; 303 and 301/302 after POST become a GET without body", () =>
        Effect.gen(function*() {
          const s = yield* redirector()
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const response = yield* client.call("get", { to: "302-5" })
          assert.deepStrictEqual(response.data, { method: "GET", target: "/end", body: "" })
          assert.strictEqual(response.url, `${s.url}/end`)
          const hops = response.attributes.redirects as ReadonlyArray<{ status: number; url: string; location: string }>
          assert.deepStrictEqual(hops.map((h) => [h.status, h.url, h.location]), [
            [302, `${s.url}/start/302-5`, `${s.url}/hop/302-4`],
            [302, `${s.url}/hop/302-4`, `${s.url}/hop/302-3`],
            [302, `${s.url}/hop/302-3`, `${s.url}/hop/302-2`],
            [302, `${s.url}/hop/302-2`, `${s.url}/hop/302-1`],
            [302, `${s.url}/hop/302-1`, `${s.url}/end`]
          ])
          for (const status of [301, 302, 303]) {
            assert.deepStrictEqual(yield* client.post({ to: `${status}-1`, payload: { a: 1 } }), {
              method: "GET",
              target: "/end",
              body: ""
            })
            const end = s.requests.at(-1)!
            assert.notProperty(end.headers, "content-type")
            assert.notProperty(end.headers, "content-length")
          }
          for (const status of [307, 308]) {
            assert.deepStrictEqual(yield* client.post({ to: `${status}-2`, payload: { a: 1 } }), {
              method: "POST",
              target: "/end",
              body: "{\"a\":1}"
            })
            assert.strictEqual(s.requests.at(-1)!.headers["content-type"], "application/json")
          }
        }).pipe(Effect.provide(Live)))

      it.scoped("too many hops, a loop, a non-http target: RequestError (Redirect)", () =>
        Effect.gen(function*() {
          const s = yield* redirector()
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          for (const to of ["302-6", "loop", "bad"]) {
            const error = expectFailure(yield* Effect.exit(client.get({ to })), "RequestError", where("get"))
            assert.strictEqual(error.reason, "Redirect", to)
          }
          const strict = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url, maxRedirects: 1 })
          assert.strictEqual(((yield* strict.get({ to: "302-1" })) as { target: string }).target, "/end")
          const error = expectFailure(yield* Effect.exit(strict.get({ to: "302-2" })), "RequestError", where("get"))
          assert.include(error.message, "more than 1 redirects")
        }).pipe(Effect.provide(Live)))

      it.scoped("manual and error, at client, endpoint and call level", () =>
        Effect.gen(function*() {
          const s = yield* redirector()
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const manual = expectFailure(
            yield* Effect.exit(client.manual({ to: "302-1" })),
            "ResponseError",
            where("manual")
          )
          assert.strictEqual(manual.status, 302)
          assert.strictEqual(manual.headers.location, "/end")
          const call = expectFailure(
            yield* Effect.exit(client.get({ to: "301-1", redirect: "manual" })),
            "ResponseError",
            where("get")
          )
          assert.strictEqual(call.status, 301)
          const error = expectFailure(
            yield* Effect.exit(client.get({ to: "307-1", redirect: "error" })),
            "RequestError",
            where("get")
          )
          assert.strictEqual(error.reason, "Redirect")
          const strict = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url, redirect: "error" })
          expectFailure(yield* Effect.exit(strict.get({ to: "302-1" })), "RequestError", where("get"))
          // the call's policy wins over the client's
          assert.strictEqual(
            ((yield* strict.get({ to: "302-1", redirect: "follow" })) as { target: string }).target,
            "/end"
          )
          const bad = expectFailure(
            yield* Effect.exit(client.get({ to: "1", redirect: "sometimes" as never })),
            "InputError",
            where("get")
          )
          assert.strictEqual(bad.key, "redirect")
          // nothing followed for manual: one request each
          assert.strictEqual(s.requests.filter((r) => r.target === "/end").length, 1)
        }).pipe(Effect.provide(Live)))

      it.scoped("a hop to another origin drops Authorization, Cookie and Proxy-Authorization", () =>
        Effect.gen(function*() {
          const other = yield* redirector()
          const s = yield* redirector(other.url)
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const headers = {
            authorization: "Bearer s3cret",
            cookie: "sid=1",
            "proxy-authorization": "Basic x",
            "x-keep": "k"
          }
          yield* client.post({ to: "away", payload: { a: 1 }, headers })
          const away = other.requests.at(-1)!
          assert.strictEqual(away.target, "/end")
          assert.strictEqual(away.method, "POST")
          assert.strictEqual(away.headers["x-keep"], "k")
          for (const name of ["authorization", "cookie", "proxy-authorization"]) assert.notProperty(away.headers, name)
          // the same origin keeps them
          yield* client.get({ to: "302-1", headers })
          assert.strictEqual(s.requests.at(-1)!.headers.authorization, "Bearer s3cret")
        }).pipe(Effect.provide(Live)))

      it.scoped("a streamed body cannot follow a 307", () =>
        Effect.gen(function*() {
          const s = yield* redirector()
          const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: s.url })
          const payload = Stream.make(new TextEncoder().encode("part"))
          const error = expectFailure(
            yield* Effect.exit(client.upload({ to: "307-1", payload })),
            "RequestError",
            where("upload")
          )
          assert.strictEqual(error.reason, "Redirect")
          assert.include(error.message, "streamed body")
        }).pipe(Effect.provide(Live)))

      it.scopedLive("the call's Timeout covers the whole chain", () =>
        Effect.gen(function*() {
          const s = yield* Fault.start((request, c) => {
            if (request.target === "/end") return // never answers
            setTimeout(() => Fault.respond(c, 302, "", { location: "/end" }), 50)
          })
          const client = yield* ServiceClient.make(Api, {
            name: "wire",
            baseUrl: s.url,
            plugins: [Timeout.make({ timeout: "400 millis" })]
          })
          expectFailure(yield* Effect.exit(client.get({ to: "x" })), "TimeoutError", where("get"))
          assert.deepStrictEqual(s.requests.map((r) => r.target), ["/start/x", "/end"])
        }).pipe(Effect.provide(Live)))
    })
  }
})
