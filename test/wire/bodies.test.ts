/**
 * Bodies: the JSON serializer sends plain data only; anything JSON would silently change
 * (a FormData sent as `{}`, a Map, NaN as `null`...) is an InputError before any I/O.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Effect } from "effect"
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
        const error = expectFailure(yield* Effect.exit(client.send({ payload })), "InputError", { service: "wire", endpoint: "send" })
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
