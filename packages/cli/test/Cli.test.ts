/**
 * The command line in process (its Console captured) against a real loopback server:
 * record, verify (exit 1 once a field is renamed), call; and the executable once.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Console } from "effect"
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Server from "../../../test/support/server.js"
import * as Cli from "../src/Cli.js"

const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const current = yield* Effect.console
    const console = Object.create(current) as Console.Console
    Object.assign(console, {
      log: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(a.map(String).join(" "))),
      error: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void err.push(a.map(String).join(" ")))
    })
    const before = process.exitCode
    process.exitCode = undefined
    const exit = yield* Effect.exit(
      Cli.run(["node", "service-client", ...args]).pipe(Effect.provide(Cli.layer), Effect.withConsole(console))
    )
    const code = process.exitCode ?? (exit._tag === "Failure" ? 1 : 0)
    process.exitCode = before
    return { out: out.join("\n"), err: err.join("\n"), code, exit }
  })

const tmpDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-cli-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const spec = `
getUser:
  path: /user/{user_id}
listUsers:
  path: /users
  description: every user
createUser:
  path: /user
  method: POST
`

describe("service-client", () => {
  it.scoped("record, then verify: clean, then a renamed field exits 1; call prints the data", () =>
    Effect.gen(function*() {
      const version = { rename: false }
      const server = yield* Server.start((req, res) => {
        if (req.method === "POST") return Server.json(res, 201, { id: 3, ...JSON.parse(req.body.toString()) })
        if (req.url.startsWith("/users")) return Server.json(res, 200, [{ id: 1 }])
        const id = Number(new URL(req.url, "http://x").pathname.split("/")[2])
        return Server.json(res, 200, version.rename ? { id, name: "x" } : { id, username: "x" })
      })
      const dir = yield* tmpDir
      const specFile = Path.join(dir, "users.yaml")
      Fs.writeFileSync(specFile, spec)
      const calls = Path.join(dir, "calls.yaml")
      Fs.writeFileSync(
        calls,
        "- { endpoint: getUser, input: { user_id: 12 } }\n- { endpoint: listUsers, input: { query: { token: t0p } } }\n- { endpoint: createUser, input: { payload: { username: a, password: p4ss } } }\n"
      )
      const out = Path.join(dir, "recordings.yaml")
      const target = ["--spec", specFile, "--base-url", server.url]

      const recorded = yield* run(["record", ...target, "--out", out, "--calls", calls, "--redact-body", "password"])
      assert.strictEqual(recorded.code, 0, recorded.err)
      assert.include(recorded.out, "recorded 3 call(s)")
      const text = Fs.readFileSync(out, "utf8")
      assert.include(text, "getUser")
      assert.notInclude(text, "t0p")
      assert.notInclude(text, "p4ss")

      const clean = yield* run(["verify", ...target, "--recording", out])
      assert.strictEqual(clean.code, 0, clean.out + clean.err)
      assert.include(clean.out, "3 recorded request(s), 0 drifted")

      version.rename = true
      const drift = yield* run(["verify", ...target, "--recording", out])
      assert.strictEqual(drift.code, 1)
      assert.include(drift.out, "-username")
      assert.include(drift.out, "+name")
      assert.include(drift.out, "1 drifted")

      // refresh: without --calls, the requests in --out are recorded again
      const refreshed = yield* run(["record", ...target, "--out", out])
      assert.strictEqual(refreshed.code, 0, refreshed.err)
      assert.include(Fs.readFileSync(out, "utf8"), "name: x")

      const called = yield* run(["call", ...target, "getUser", "user_id=7", "query.verbose=true"])
      assert.strictEqual(called.code, 0, called.err)
      assert.deepStrictEqual(JSON.parse(called.out), { id: 7, name: "x" })
      assert.include(called.err, `200 GET ${server.url}/user/7?verbose=true`)

      const posted = yield* run(["call", ...target, "createUser", "--input", "{\"payload\":{\"username\":\"b\"}}"])
      assert.deepStrictEqual(JSON.parse(posted.out), { id: 3, username: "b" })

      const listed = yield* run(["call", ...target])
      assert.include(listed.out, "listUsers  GET /users  every user")

      const unknown = yield* run(["call", ...target, "nope"])
      assert.strictEqual(unknown.code, 1)
    }))

  it.scoped("call: a config file brings the plugins; a failed call exits 1 with the status", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((req, res) => {
        if (req.headers["x-team"] !== "core") return Server.json(res, 403, { error: "who are you" })
        return Server.json(res, 200, { ok: true })
      })
      const dir = yield* tmpDir
      Fs.writeFileSync(Path.join(dir, "users.yaml"), spec)
      const config = Path.join(dir, "client.yaml")
      Fs.writeFileSync(
        config,
        `name: users\nbaseUrl: ${server.url}\nspecFile: users.yaml\nplugins:\n  - { type: Headers, headers: { x-team: core } }\n`
      )
      const ok = yield* run(["call", "--config", config, "getUser", "user_id=1"])
      assert.strictEqual(ok.code, 0, ok.err)
      assert.deepStrictEqual(JSON.parse(ok.out), { ok: true })
      const denied = yield* run([
        "call",
        "--spec",
        Path.join(dir, "users.yaml"),
        "--base-url",
        server.url,
        "getUser",
        "user_id=1"
      ])
      assert.strictEqual(denied.code, 1)
      assert.include(denied.err, "403 GET")
      assert.deepStrictEqual(JSON.parse(denied.out), { error: "who are you" })
    }))

  it.live("the executable runs (bin)", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-bin-"))
      Fs.writeFileSync(Path.join(dir, "users.yaml"), spec)
      const result = yield* Effect.promise(() =>
        new Promise<{ code: number | null; stdout: string }>((resolve) => {
          const child = ChildProcess.spawn(
            process.execPath,
            [
              "--conditions=@service-client/source",
              "--import",
              "tsx",
              Path.join(__dirname, "../src/bin.ts"),
              "call",
              "--spec",
              Path.join(dir, "users.yaml")
            ],
            { stdio: ["ignore", "pipe", "pipe"] }
          )
          let stdout = ""
          child.stdout.on("data", (c) => (stdout += c))
          child.on("close", (code) => resolve({ code, stdout }))
        })
      )
      Fs.rmSync(dir, { recursive: true, force: true })
      assert.strictEqual(result.code, 0)
      assert.include(result.stdout, "getUser  GET /user/{user_id}")
    }))
})
