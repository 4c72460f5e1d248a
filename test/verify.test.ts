/**
 * Drift: record against a real server, change the server, verify reports it.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Recorder, Verify } from "@service-client/mock"
import { NodeTransport } from "@service-client/node"
import { Effect, Layer, Schema } from "effect"
import * as Server from "./support/server.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const UserApi = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: User }),
  search: Endpoint.post("/search", {
    payload: Schema.Struct({ since: Schema.DateFromString }),
    success: Schema.Array(User)
  }),
  health: Endpoint.get("/health")
})
class Users extends Effect.Tag("VerifyUsers")<Users, ServiceClient.Client<typeof UserApi>>() {}

const serve = (version: { rename: boolean; status: number; extra: boolean }) =>
  Server.start((req, res) => {
    if (req.url === "/health") return Server.json(res, version.status, { ok: true })
    if (req.url === "/search") {
      const body = JSON.parse(req.body.toString())
      return Server.json(res, 200, [{ id: 1, username: String(body.since) }])
    }
    const id = Number(req.url.split("/")[2])
    const user: Record<string, unknown> = version.rename ? { id, name: `u${id}` } : { id, username: `u${id}` }
    if (version.extra) user.nickname = "n"
    return Server.json(res, 200, user)
  })

describe("Verify", () => {
  it.scoped("reports a renamed field, a status change and exits non-zero; a server unchanged passes", () =>
    Effect.gen(function*() {
      const v1 = yield* serve({ rename: false, status: 200, extra: false })
      const recording = yield* Effect.gen(function*() {
        yield* Users.getUser({ user_id: 1 })
        yield* Users.search({ payload: { since: new Date("2024-01-01T00:00:00.000Z") } })
        yield* Users.health()
        return yield* Recorder.recording
      }).pipe(
        Effect.provide(
          ServiceClient.layer(Users, UserApi, { name: "users", baseUrl: v1.url }).pipe(
            Layer.provideMerge(Recorder.layer()),
            Layer.provide(NodeTransport.layer)
          )
        )
      )
      assert.strictEqual(recording.entries.length, 3)

      const same = yield* Verify.run(UserApi, recording, { name: "users", baseUrl: v1.url })
      assert.strictEqual(Verify.exitCode(same), 0, Verify.format(same))
      // the recorded payload went out again, decoded back through its Schema
      assert.strictEqual(
        v1.received.filter((r) => r.url === "/search").at(-1)!.body.toString(),
        "{\"since\":\"2024-01-01T00:00:00.000Z\"}"
      )

      const v2 = yield* serve({ rename: true, status: 503, extra: false })
      const report = yield* Verify.run(UserApi, recording, { name: "users", baseUrl: v2.url })
      assert.strictEqual(Verify.exitCode(report), 1)
      const getUser = report.rows.find((r) => r.endpoint === "getUser")!
      assert.deepStrictEqual(getUser.missing, ["username"])
      assert.deepStrictEqual(getUser.added, ["name"])
      assert.include(getUser.schema, "username")
      const health = report.rows.find((r) => r.endpoint === "health")!
      assert.strictEqual(health.recordedStatus, 200)
      assert.strictEqual(health.liveStatus, 503)
      assert.isFalse(report.rows.find((r) => r.endpoint === "search")!.drift)
      const table = Verify.format(report)
      assert.include(table, "-username")
      assert.include(table, "+name")
      assert.include(table, "200 → 503")
      assert.include(table, "2 drifted")

      const v3 = yield* serve({ rename: false, status: 200, extra: true })
      const added = yield* Verify.run(UserApi, recording, { name: "users", baseUrl: v3.url })
      assert.strictEqual(Verify.exitCode(added), 1)
      const allowed = yield* Verify.run(UserApi, recording, { name: "users", baseUrl: v3.url }, { allowAdded: true })
      assert.strictEqual(Verify.exitCode(allowed), 0)
      assert.deepStrictEqual(allowed.rows.find((r) => r.endpoint === "getUser")!.added, ["nickname"])
    }).pipe(Effect.provide(NodeTransport.layer), Effect.provide(NodeFileSystem.layer)))

  it.effect("diffFields: nested, arrays, type changes, redacted values", () =>
    Effect.sync(() => {
      const d = Verify.diffFields(
        { a: { b: 1, c: "x" }, items: [{ id: 1 }], token: "<REDACTED>" },
        { a: { b: "1" }, items: [{ id: 1, extra: true }], token: "real" }
      )
      assert.deepStrictEqual(d.missing, ["a.c"])
      assert.deepStrictEqual(d.added, ["items[].extra"])
      assert.deepStrictEqual(d.changed, ["a.b: number → string"])
    }))
})
