/**
 * Property: keys named like Object.prototype members (`constructor`, `toString`,
 * `valueOf`, `__proto__`, `hasOwnProperty`...) are plain keys wherever input becomes a
 * record: path tokens (call input, endpoint defaults, PathTokens), query (call input,
 * endpoint defaults, QueryParams) and headers (call input, endpoint defaults, Headers).
 * Nothing is dropped, nothing inherited; over every live transport, checked on the wire.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Headers, PathTokens, QueryParams } from "@service-client/plugins"
import { Effect, Runtime } from "effect"
import * as fc from "fast-check"
import * as Fault from "./faultServer.js"
import { liveTransports } from "./support.js"

const protoNames = [
  "constructor",
  "toString",
  "valueOf",
  "__proto__",
  "hasOwnProperty",
  "isPrototypeOf",
  "__defineGetter__"
]

/** A record with own keys only, `__proto__` included (as JSON.parse makes it). */
const ownRecord = (entries: ReadonlyArray<readonly [string, string]>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return out
}

const value = fc.stringMatching(/^[a-z0-9]{1,8}$/)
const names = fc.subarray(protoNames, { minLength: 1 })
const assignment = names.chain((keys) => fc.tuple(...keys.map((k) => value.map((v) => [k, v] as const))))

const Api = Spec.make({
  tokens: Endpoint.get("/t/{toString}/{constructor}/{valueOf}", { pathTokens: { valueOf: "endpointDefault" } }),
  proto: Endpoint.get("/p/{__proto__}"),
  query: Endpoint.get("/q", { query: ownRecord([["valueOf", "e1"], ["__proto__", "e2"]]) }),
  headers: Endpoint.get("/h", { headers: ownRecord([["valueOf", "e1"]]) })
})

describe("prototype keys are plain keys", () => {
  for (const [name, transport] of liveTransports) {
    it.scoped(`${name}: path tokens, query and headers named like Object.prototype members reach the server`, () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
        const client = yield* ServiceClient.make(Api, {
          name: "proto",
          baseUrl: server.url,
          plugins: [
            PathTokens.make({ tokens: ownRecord([["toString", "pluginDefault"], ["__proto__", "pp"]]) }),
            QueryParams.make({ query: ownRecord(protoNames.map((k) => [k, `plugin-${k}`])) }),
            Headers.make({ headers: ownRecord([["constructor", "plugin-c"], ["tostring", "plugin-t"]]) })
          ]
        })
        // defaults alone
        yield* client.call("tokens", { constructor: "c" } as never)
        assert.strictEqual((yield* server.request(1)).target.split("?")[0], "/t/pluginDefault/c/endpointDefault")
        yield* client.call("proto", {} as never)
        assert.strictEqual((yield* server.request(2)).target.split("?")[0], "/p/pp")
        const runtime = yield* Effect.runtime<never>()
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(assignment, assignment, assignment, async (tokens, query, headers) => {
              const n = server.requestCount()
              const input = ownRecord(
                tokens.filter(([k]) => k === "toString" || k === "constructor" || k === "valueOf")
              )
              await Runtime.runPromise(runtime)(client.call("tokens", { constructor: "c", ...input } as never))
              const target = (await Runtime.runPromise(runtime)(server.request(n + 1))).target.split("?")[0]
              const expected = (k: string, fallback: string) => Object.hasOwn(input, k) ? input[k] : fallback
              assert.strictEqual(
                target,
                `/t/${expected("toString", "pluginDefault")}/${expected("constructor", "c")}/${
                  expected("valueOf", "endpointDefault")
                }`
              )

              await Runtime.runPromise(runtime)(client.call("query", { query: ownRecord(query) }))
              const search = new URLSearchParams(
                (await Runtime.runPromise(runtime)(server.request(n + 2))).target.split("?")[1]
              )
              const got: Record<string, string> = Object.create(null)
              for (const [k, v] of search) got[k] = v
              const want: Record<string, string> = Object.create(null)
              for (const k of protoNames) want[k] = `plugin-${k}`
              want["valueOf"] = "e1"
              want["__proto__"] = "e2"
              for (const [k, v] of query) want[k] = v
              assert.deepStrictEqual({ ...got }, { ...want })

              await Runtime.runPromise(runtime)(client.call("headers", { headers: ownRecord(headers) }))
              const received = (await Runtime.runPromise(runtime)(server.request(n + 3))).headers
              const wantHeaders: Record<string, string> = Object.create(null)
              wantHeaders["constructor"] = "plugin-c"
              wantHeaders.tostring = "plugin-t"
              wantHeaders.valueof = "e1"
              for (const [k, v] of headers) {
                // Node's fetch drops a `__proto__` key of a headers record (its WebIDL record
                // conversion): a limit of fetch, not of this client
                if (k === "__proto__" && name.includes("fetch")) continue
                wantHeaders[k.toLowerCase()] = v
              }
              for (const k in wantHeaders) assert.strictEqual(received[k], wantHeaders[k], `header ${k}`)
            }),
            { numRuns: 30 }
          )
        )
      }).pipe(Effect.provide(transport)))
  }
})
