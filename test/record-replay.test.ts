/**
 * Record against a real loopback server, replay offline: the decoded results are the same,
 * the file is redacted, ordered and free of duplicates, and an unmatched call names the
 * nearest recording.
 */
import { NodeHttpClient } from "@effect/platform-node"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Recorder, Recording, Replay } from "@service-client/mock"
import { NodeTransport } from "@service-client/node"
import { Effect, Layer, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Server from "./support/server.js"

const User = Schema.Struct({
  id: Schema.Number,
  username: Schema.String,
  created: Schema.DateFromString,
  tags: Schema.Array(Schema.String)
})

const UserApi = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: User, error: Schema.Struct({ error: Schema.String }) }),
  listUsers: Endpoint.get("/users", { success: Schema.Array(User) }),
  createUser: Endpoint.post("/user", {
    payload: Schema.Struct({ username: Schema.String, password: Schema.String }),
    success: User
  })
})

class Users extends Effect.Tag("Users")<Users, ServiceClient.Client<typeof UserApi>>() {}

const user = (id: number, username: string) => ({ id, username, created: "2024-01-02T03:04:05.000Z", tags: ["a"] })

const handler: Server.Handler = (req, res) => {
  const url = new URL(req.url, "http://x")
  if (req.method === "POST") {
    const body = JSON.parse(req.body.toString())
    return Server.json(res, 201, user(3, body.username), { "set-cookie": "session=s3cr3t" })
  }
  if (url.pathname === "/users") {
    return Server.json(res, 200, [user(1, `page${url.searchParams.get("page")}`)])
  }
  const id = Number(url.pathname.split("/")[2])
  if (id === 404) return Server.json(res, 404, { error: "no such user" })
  if (id === 13) return Server.json(res, 200, { id: 13, name: "renamed" })
  return Server.json(res, 200, user(id, `user${id}`))
}

const program = Effect.gen(function*() {
  const a = yield* Users.getUser({ user_id: 12, headers: { authorization: "Bearer top-secret" } })
  const again = yield* Users.getUser({ user_id: 12 })
  const page = yield* Users.listUsers({ query: { page: 2, api_key: "k3y" } })
  const created = yield* Users.createUser({ payload: { username: "new", password: "hunter2" } })
  const missing = yield* Effect.flip(Users.getUser({ user_id: 404 }))
  return { a, again, page, created, missing: missing._tag === "ResponseError" ? missing.error : missing._tag }
})

const tmpFile = (name: string) =>
  Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-rec-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  ).pipe(Effect.map((dir) => Path.join(dir, name)))

const transports = [
  ["NodeTransport", NodeTransport.layer],
  ["Transport.layer", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))]
] as const

describe("record and replay", () => {
  it.scoped.each(transports)(
    "records a real server (%s), replays offline with identical decoded results",
    ([, LiveTransport]) =>
      Effect.gen(function*() {
        const server = yield* Server.start(handler)
        const file = yield* tmpFile("users.yaml")
        const client = ServiceClient.layer(Users, UserApi, { name: "users", baseUrl: server.url })
        const live = yield* program.pipe(
          Effect.provide(
            client.pipe(
              Layer.provide(Recorder.layerFile(file, { redact: { body: ["password"] } })),
              Layer.provide(LiveTransport),
              Layer.provide(NodeFileSystem.layer)
            )
          )
        )
        const text = Fs.readFileSync(file, "utf8")
        assert.notInclude(text, "top-secret")
        assert.notInclude(text, "k3y")
        assert.notInclude(text, "hunter2")
        assert.notInclude(text, "s3cr3t")
        assert.include(text, "<REDACTED>")
        const recording = yield* Recording.load(file).pipe(Effect.provide(NodeFileSystem.layer))
        // one entry per distinct request, sorted by endpoint then request
        assert.deepStrictEqual(
          recording.entries.map((e) => `${e.endpoint} ${e.request.method} ${e.request.path}`),
          [
            "createUser POST /user",
            "getUser GET /user/12",
            "getUser GET /user/404",
            "listUsers GET /users"
          ]
        )

        server.received.length = 0
        const replayed = yield* program.pipe(
          Effect.provide(client.pipe(Layer.provide(Replay.layer(file)), Layer.provide(NodeFileSystem.layer)))
        )
        assert.deepStrictEqual(replayed, live)
        assert.strictEqual(server.received.length, 0)
        assert.instanceOf(replayed.a.created, Date)

        // strict: a call no recording matches names the nearest one and what differs
        const miss = yield* Effect.flip(Users.getUser({ user_id: 99 })).pipe(
          Effect.provide(client.pipe(Layer.provide(Replay.layer(file)), Layer.provide(NodeFileSystem.layer)))
        )
        assert.strictEqual(miss._tag, "NoMock")
        assert.include(miss.message, "GET /user/12")
        assert.include(miss.message, "path token user_id=99 (recorded 12)")
        const query = yield* Effect.flip(Users.listUsers({ query: { page: 3, api_key: "other" } })).pipe(
          Effect.provide(client.pipe(Layer.provide(Replay.layer(file)), Layer.provide(NodeFileSystem.layer)))
        )
        assert.include(query.message, "query page=3 (recorded 2)")
        assert.notInclude(query.message, "api_key")
        // not strict: the nearest answers; a query matcher that ignores the query matches
        const loose = yield* Users.listUsers({ query: { page: 3 } }).pipe(
          Effect.provide(
            client.pipe(
              Layer.provide(Replay.layer(file, { match: { query: "ignore" } })),
              Layer.provide(NodeFileSystem.layer)
            )
          )
        )
        assert.strictEqual(loose[0]!.username, "page2")
      })
  )

  it.scoped("records again into the same file without duplicates, and reports Schema mismatches at once", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(handler)
      const file = yield* tmpFile("users.json")
      const client = ServiceClient.layer(Users, UserApi, { name: "users", baseUrl: server.url })
      const record = <A, E>(effect: Effect.Effect<A, E, Users | Recorder.Recorder>) =>
        effect.pipe(
          Effect.provide(
            client.pipe(
              Layer.provideMerge(Recorder.layerFile(file)),
              Layer.provide(NodeTransport.layer),
              Layer.provide(NodeFileSystem.layer)
            )
          )
        )
      yield* record(Users.getUser({ user_id: 1 }))
      const mismatches = yield* record(
        Effect.zipRight(Effect.flip(Users.getUser({ user_id: 13 })), Recorder.mismatches)
      )
      assert.strictEqual(mismatches.length, 1)
      assert.strictEqual(mismatches[0]!.endpoint, "getUser")
      assert.include(mismatches[0]!.issue, "username")
      yield* record(Users.getUser({ user_id: 1 }))
      const recording = yield* Recording.load(file).pipe(Effect.provide(NodeFileSystem.layer))
      assert.deepStrictEqual(recording.entries.map((e) => e.request.path), ["/user/1", "/user/13"])
      assert.doesNotThrow(() => JSON.parse(Fs.readFileSync(file, "utf8")))
    }))
})
