import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { InnerLogger, LogFormat, OuterLogger } from "@service-client/plugins"
import { Effect, HashMap, Layer, Logger, Schema } from "effect"
import * as Server from "./support/server.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const Api = Spec.make({
  createUser: Endpoint.post("/user", { payload: Schema.Struct({ username: Schema.String }), success: User }),
  login: Endpoint.post("/login", { logger: { hiddenRequestBody: true, hiddenResponseBody: true } })
})

const Live = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("loggers over the live transport", () => {
  it.scoped("log what goes over the wire and what the program sees", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((req, res) => {
        if (req.url === "/login") {
          return Server.json(res, 200, { session: "s3cret-session" }, { "set-cookie": "sid=s3cret-cookie" })
        }
        Server.json(res, 201, { id: 2, ...JSON.parse(req.body.toString()) }, { "x-request-id": "r1" })
      })
      const records: Array<Record<string, unknown>> = []
      const lines: Array<string> = []
      const capture = Logger.make((o) => void records.push(Object.fromEntries(HashMap.toEntries(o.annotations))))
      const format = Logger.map(LogFormat.make(), (line) => void lines.push(line))
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [OuterLogger.make(), InnerLogger.make({ maxBodyLength: 100 })]
      })
      yield* Effect.gen(function*() {
        const user = yield* client.createUser({
          payload: { username: "bar" },
          headers: { authorization: "Bearer s3cret-token" }
        })
        assert.deepStrictEqual(user, { id: 2, username: "bar" })
        yield* client.login({ payload: { password: "s3cret-password" } })
      }).pipe(Effect.provide(Layer.merge(Logger.replace(Logger.defaultLogger, capture), Logger.add(format))))

      assert.deepStrictEqual(records.map((r) => `${r.logger} ${r.record} ${r.endpoint}`), [
        "OuterLogger request createUser",
        "InnerLogger request createUser",
        "InnerLogger response createUser",
        "OuterLogger response createUser",
        "OuterLogger request login",
        "InnerLogger request login",
        "InnerLogger response login",
        "OuterLogger response login"
      ])
      const inner = records[2]!
      assert.strictEqual(inner.status, 201)
      assert.strictEqual(inner.url, `${server.url}/user`)
      assert.strictEqual((inner.headers as Record<string, string>)["x-request-id"], "r1")
      assert.strictEqual(inner.body, "{\"id\":2,\"username\":\"bar\"}")
      assert.strictEqual((records[1]!.headers as Record<string, string>).authorization, "<REDACTED>")
      assert.deepStrictEqual(records.slice(4).map((r) => r.body), ["<HIDDEN>", "<HIDDEN>", "<HIDDEN>", "<HIDDEN>"])
      assert.strictEqual((records[6]!.headers as Record<string, string>)["set-cookie"], "<REDACTED>")
      assert.notInclude(JSON.stringify(records), "s3cret")
      assert.notInclude(lines.join("\n"), "s3cret")
      assert.match(
        lines[2]!,
        new RegExp(`INFO users.createUser - RECEIVED 201 Created POST ${server.url}/user \\(-\\) \\| `)
      )
      assert.strictEqual(server.received[1]!.body.toString(), "{\"password\":\"s3cret-password\"}")
    }).pipe(Effect.provide(Live)))
})
