// A CircuitBreaker whose circuit lives in Redis (RedisCircuit), shared by two processes that
// call one real server on 127.0.0.1 (the Redis at 127.0.0.1:6379; every run has its own prefix).
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Esbuild from "esbuild"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll } from "vitest"
import * as Server from "../support/server.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const root = Path.resolve(here, "../..")
const worker = Path.join(Os.tmpdir(), `sc-circuit-worker-${process.pid}.cjs`)
beforeAll(() =>
  Esbuild.build({
    entryPoints: [Path.join(here, "circuitWorker.ts")],
    conditions: ["@service-client/source"],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: worker,
    logLevel: "warning"
  })
)
afterAll(() => Fs.rmSync(worker, { force: true }))

type Outcome = { status?: number; circuit?: string; error?: string; state?: string; retryIn?: { millis?: number } }

/** A worker process answering one JSON line per command; killed when the test's scope closes. */
const startWorker = (job: Record<string, unknown>) =>
  Effect.acquireRelease(
    Effect.async<{ child: ChildProcess; send: (command: unknown) => Promise<any> }>((resume) => {
      const child = spawn(process.execPath, [worker, JSON.stringify(job)], {
        cwd: root,
        stdio: ["pipe", "pipe", "pipe"]
      })
      let buffer = ""
      let stderr = ""
      const waiting: Array<(line: any) => void> = []
      let ready = false
      child.stderr!.on("data", (c: Buffer) => void (stderr += c.toString()))
      child.on("exit", (code) => {
        for (const w of waiting.splice(0)) w({ exited: code, stderr })
        if (!ready) resume(Effect.die(new Error(`worker exited (${code}): ${stderr}`)))
      })
      child.stdout!.on("data", (c: Buffer) => {
        buffer += c.toString()
        let nl: number
        while ((nl = buffer.indexOf("\n")) !== -1) {
          const text = buffer.slice(0, nl)
          buffer = buffer.slice(nl + 1)
          // the breaker's log lines (a circuit opened) go to stdout too
          if (!text.startsWith("{") && !text.startsWith("[")) continue
          const line = JSON.parse(text)
          if (!ready) {
            ready = true
            resume(Effect.succeed({ child, send }))
          } else waiting.shift()?.(line)
        }
      })
      const send = (command: unknown) =>
        new Promise<any>((resolve) => {
          waiting.push(resolve)
          child.stdin!.write(JSON.stringify(command) + "\n")
        })
    }),
    ({ child }) => Effect.sync(() => void (child.exitCode === null && child.kill("SIGKILL")))
  )

const ask = (w: { send: (command: unknown) => Promise<any> }, command: unknown) => Effect.promise(() => w.send(command))

describe("RedisCircuit across processes", () => {
  it.live(
    "failures in process A open the circuit for process B (pushed, no call of B needed); one probe across both",
    () =>
      Effect.gen(function*() {
        const server = yield* Server.start((req, res) => {
          if (req.url === "/fail") return Server.json(res, 500, {})
          if (req.url === "/slow") return void setTimeout(() => Server.json(res, 200, {}), 300)
          Server.json(res, 200, {})
        })
        const from = (id: string, path?: string) =>
          server.received.filter((r) => r.headers["x-worker"] === id && (path === undefined || r.url === path)).length
        const openFor = 1500
        const job = {
          name: "svc",
          prefix: `circuit-${process.pid}-${Date.now().toString(36)}`,
          baseUrl: server.url,
          openFor
        }
        const [a, b] = yield* Effect.all([startWorker({ ...job, id: "a" }), startWorker({ ...job, id: "b" })], {
          concurrency: 2
        })

        // B uses the circuit first: closed, its call passes
        assert.deepStrictEqual(yield* ask(b, { op: "call", path: "/ok", n: 1 }), [{ status: 200, circuit: "closed" }])

        // A fails 3 times: with B's success that is 4 calls in the shared window (4 calls, half
        // failing opens), so A's 3rd failure opens the circuit and its next call is refused
        const failures: Array<Outcome> = []
        for (let i = 0; i < 3; i++) failures.push(...(yield* ask(a, { op: "call", path: "/fail", n: 1 })))
        assert.deepStrictEqual(failures.map((f) => [f.status, f.circuit]), [[500, "closed"], [500, "closed"], [
          500,
          "open"
        ]])
        const [refusedA] = (yield* ask(a, { op: "call", path: "/ok", n: 1 })) as Array<Outcome>
        assert.deepStrictEqual([refusedA!.error, refusedA!.state], ["CircuitOpen", "open"])

        // B learns it from Redis's message, without making a call
        const seen = yield* ask(b, { op: "waitState", state: "open", within: 5000 })
        assert.strictEqual(seen.state, "open")
        const [refusedB] = (yield* ask(b, { op: "call", path: "/ok", n: 1 })) as Array<Outcome>
        assert.deepStrictEqual([refusedB!.error, refusedB!.state], ["CircuitOpen", "open"])
        assert.isAbove(refusedB!.retryIn!.millis!, 0)
        assert.strictEqual(from("b"), 1, "B's refused call never reached the server")
        assert.strictEqual(from("a", "/ok"), 0)

        // after openFor, both processes call at once: exactly one probe reaches the server
        yield* Effect.sleep(openFor + 100)
        const [probesA, probesB] = (yield* Effect.all([
          ask(a, { op: "call", path: "/slow", n: 3 }),
          ask(b, { op: "call", path: "/slow", n: 3 })
        ], { concurrency: 2 })) as [Array<Outcome>, Array<Outcome>]
        const all = [...probesA, ...probesB]
        assert.strictEqual(all.filter((o) => o.status === 200).length, 1, JSON.stringify(all))
        assert.strictEqual(all.filter((o) => o.error === "CircuitOpen").length, 5, JSON.stringify(all))
        assert.strictEqual(from("a", "/slow") + from("b", "/slow"), 1)

        // the probe succeeded: the circuit is closed for both
        for (const w of [a, b]) {
          assert.strictEqual((yield* ask(w, { op: "waitState", state: "closed", within: 5000 })).state, "closed")
          assert.deepStrictEqual((yield* ask(w, { op: "call", path: "/ok", n: 1 }))[0].status, 200)
        }
      }).pipe(Effect.scoped),
    60_000
  )
})
