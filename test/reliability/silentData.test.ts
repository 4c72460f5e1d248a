/**
 * Nothing changes a response's data silently, over every live transport: integers beyond
 * 2^53 fail the call (a `ParseError` naming the integer) unless the parser is asked to
 * keep them as `bigint`s or strings; text is decoded in the charset of its content type
 * (Latin-1 comes back as given), and bytes not valid in it fail the call instead of
 * becoming U+FFFD.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Parser, ServiceClient, Spec } from "@service-client/core"
import { Effect, Exit, Runtime } from "effect"
import * as fc from "fast-check"
import * as Fault from "./faultServer.js"
import { expectFailure, liveTransports } from "./support.js"

const Api = Spec.make({ get: Endpoint.get("/r") })

const big = fc.oneof(
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 128n }),
  fc.bigInt({ min: -(2n ** 128n), max: -(2n ** 53n) })
)

describe("no silent data change", () => {
  for (const [name, transport] of liveTransports) {
    it.scoped(`${name}: big integers, charsets, invalid bytes`, () =>
      Effect.gen(function*() {
        let body: Buffer = Buffer.alloc(0)
        let contentType = "application/json"
        const server = yield* Fault.start((_, c) => Fault.respond(c, 200, body, { "content-type": contentType }))
        const strict = yield* ServiceClient.make(Api, { name: "data", baseUrl: server.url })
        const asBigInt = yield* ServiceClient.make(Api, { name: "data", baseUrl: server.url }).pipe(
          Effect.provide(Parser.layer(Parser.makeJson({ bigIntegers: "bigint" })))
        )
        const asString = yield* ServiceClient.make(Api, { name: "data", baseUrl: server.url }).pipe(
          Effect.provide(Parser.layer(Parser.makeJson({ bigIntegers: "string" })))
        )
        const asText = yield* ServiceClient.make(Api, { name: "data", baseUrl: server.url }).pipe(
          Effect.provide(Parser.layer(Parser.text))
        )
        const runtime = yield* Effect.runtime<never>()
        const run = <A, E>(e: Effect.Effect<A, E>) => Runtime.runPromiseExit(runtime)(e)
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              big,
              fc.string(),
              fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
              async (n, s, safe) => {
                contentType = "application/json"
                // a string holding the same digits stays a string; a safe integer stays a number
                body = Buffer.from(`{"s":${JSON.stringify(s + String(n))},"safe":${safe},"list":[1.5,${n},2e400]}`)
                const refused = await run(strict.get())
                const error = expectFailure(refused, "ParseError", { service: "data", endpoint: "get" })
                assert.include(error.reason, String(n).slice(0, 20))
                const kept = await run(asBigInt.get())
                assert.isTrue(Exit.isSuccess(kept))
                if (Exit.isSuccess(kept)) {
                  assert.deepStrictEqual(kept.value, { s: s + String(n), safe, list: [1.5, n, Infinity] })
                }
                const digits = await run(asString.get())
                if (Exit.isSuccess(digits)) assert.strictEqual((digits.value as any).list[1], String(n))
                else assert.fail("string mode refused")
              }
            ),
            { numRuns: 15 }
          )
        )
        // Latin-1 text comes back as given; invalid UTF-8 is refused
        const latin1 = "caf\u00e9 \u00a3 \u00ff"
        body = Buffer.from(latin1, "latin1")
        contentType = "text/plain; charset=ISO-8859-1"
        const decoded = yield* asText.get()
        assert.strictEqual(decoded, latin1)
        contentType = "text/plain"
        const invalid = yield* Effect.exit(asText.get())
        const error = expectFailure(invalid, "ParseError", { service: "data", endpoint: "get" })
        assert.include(error.reason, "not valid utf-8")
        contentType = "application/json; charset=utf-16le"
        body = Buffer.from("{\"a\":\"\u00e9\"}", "utf16le")
        assert.deepStrictEqual(yield* strict.get(), { a: "\u00e9" })
        contentType = "text/plain; charset=x-unknown-thing"
        const unknown = yield* Effect.exit(asText.get())
        assert.include(
          expectFailure(unknown, "ParseError", { service: "data", endpoint: "get" }).reason,
          "unknown charset"
        )
      }).pipe(Effect.provide(transport)))
  }
})
