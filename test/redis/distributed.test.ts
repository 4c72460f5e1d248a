// Several processes sharing one limit through the Pool and RateLimit plugins on the Redis store (the Redis at
// 127.0.0.1:6379; `.ci/run` starts one), checked from the side of the server they call.
import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Pool } from "@service-client/plugins"
import { RedisStore } from "@service-client/redis"
import type { Duration } from "effect"
import { Effect, Layer, Schedule } from "effect"
import * as Esbuild from "esbuild"
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll } from "vitest"

const here = Path.dirname(fileURLToPath(import.meta.url))
const root = Path.resolve(here, "../..")
// The worker is bundled once (esbuild, which vitest and tsx already bring): a bundle starts in
// a fraction of the time `node --import tsx` takes to load Effect module by module.
const worker = Path.join(Os.tmpdir(), `sc-redis-worker-${process.pid}.cjs`)
beforeAll(() =>
  Esbuild.build({
    entryPoints: [Path.join(here, "worker.ts")],
    conditions: ["@service-client/source"], // the workspace packages from their sources
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: worker,
    logLevel: "warning"
  })
)
afterAll(() => Fs.rmSync(worker, { force: true }))
const prefix = `dist-${process.pid}-${Date.now().toString(36)}`

interface Arrival {
  readonly t: number
  readonly worker: string
  /** requests in flight at the server right after this one arrived (all workers / other than the victim) */
  readonly inFlight: number
  readonly othersInFlight: number
}

/** A loopback server that records every arrival and the concurrency it sees. */
const startServer = (delay: number, victim?: string) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; arrivals: Array<Arrival>; server: Http.Server; max: () => number }>((resume) => {
      const arrivals: Array<Arrival> = []
      let inFlight = 0
      let others = 0
      let max = 0
      const server = Http.createServer((req, res) => {
        const from = String(req.headers["x-worker"])
        const other = from !== victim
        inFlight++
        if (other) others++
        max = Math.max(max, inFlight)
        arrivals.push({ t: performance.now(), worker: from, inFlight, othersInFlight: others })
        res.on("close", () => {
          inFlight--
          if (other) others--
        })
        if (req.url === "/hang") return
        setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end("{}"), delay)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, arrivals, server, max: () => max }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly output: { id: string; done: number; errors: Array<string>; maxBlocked: number } | undefined
  readonly stderr: string
}

/** Starts a worker process; its handle kills it if the test's scope closes first. */
const startWorker = (job: Record<string, unknown>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [worker, JSON.stringify({ prefix, ...job })], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stdout!.on("data", (c: Buffer) => void (stdout += c.toString()))
      child.stderr!.on("data", (c: Buffer) => void (stderr += c.toString()))
      const done = new Promise<Result>((resolve) => {
        child.on("exit", (code, signal) => {
          const line = stdout.trim().split("\n").pop()
          resolve({ code, signal, output: line ? JSON.parse(line) : undefined, stderr })
        })
      })
      return { child, done }
    }),
    ({ child }) =>
      Effect.sync(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")))
  )

const join = (w: { done: Promise<Result> }) => Effect.promise(() => w.done)

const waitUntil = (what: string, condition: () => boolean, within: Duration.DurationInput = "60 seconds") =>
  Effect.gen(function*() {
    while (!condition()) yield* Effect.sleep("5 millis")
  }).pipe(Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`timed out waiting for ${what}`) }))

const maxInWindow = (times: ReadonlyArray<number>, period: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= period) j++
    max = Math.max(max, i - j + 1)
  }
  return max
}

const report = (line: string) => Effect.sync(() => console.log(`[redis distributed] ${line}`))

describe("Redis limiters across processes", () => {
  it.live(
    "4 processes share one rate limit: at most 20 starts in any 1 s window at the server",
    () =>
      Effect.gen(function*() {
        const server = yield* startServer(10)
        const job = { kind: "rateLimit", name: "rate", limit: 20, period: 1000, baseUrl: server.url, path: "/work" }
        const workers = yield* Effect.all(
          ["a", "b", "c", "d"].map((id) => startWorker({ ...job, id, calls: 15, concurrency: 15 }))
        )
        const results = yield* Effect.all(workers.map(join))
        for (const r of results) {
          assert.deepStrictEqual([r.code, r.output?.done, r.output?.errors], [0, 15, []], r.stderr)
        }
        const times = server.arrivals.map((a) => a.t)
        const max = maxInWindow(times, 1000)
        const span = Math.max(...times) - Math.min(...times)
        yield* report(
          `rate limit 20/1s: ${times.length} starts over ${span.toFixed(0)} ms, max ${max} in any 1 s window`
        )
        assert.strictEqual(times.length, 60)
        assert.isAtMost(max, 20)
        // 60 starts at 20 per second need at least two full periods after the first start
        assert.isAtLeast(span, 2000)
      }).pipe(Effect.scoped),
    90_000
  )

  it.live("4 processes share one pool: at most 5 requests in flight at the server", () =>
    Effect.gen(function*() {
      const server = yield* startServer(40)
      const job = { kind: "pool", name: "sem", limit: 5, baseUrl: server.url, path: "/work" }
      const workers = yield* Effect.all(
        ["a", "b", "c", "d"].map((id) => startWorker({ ...job, id, calls: 20, concurrency: 5 }))
      )
      const results = yield* Effect.all(workers.map(join))
      for (const r of results) assert.deepStrictEqual([r.code, r.output?.done, r.output?.errors], [0, 20, []], r.stderr)
      yield* report(`pool 5: ${server.arrivals.length} requests, max ${server.max()} in flight at the server`)
      assert.strictEqual(server.arrivals.length, 80)
      assert.isAtMost(server.max(), 5)
      assert.isAtLeast(server.max(), 3)
    }).pipe(Effect.scoped), 90_000)

  it.live(
    "a SIGKILLed process gives its permits back within the lease TTL; the others go on",
    () =>
      Effect.gen(function*() {
        const ttl = 1000
        const server = yield* startServer(50, "victim")
        const job = { kind: "pool", name: "kill", limit: 5, leaseTtl: ttl, baseUrl: server.url }
        const victim = yield* startWorker({ ...job, id: "victim", path: "/hang", calls: 3, concurrency: 3 })
        yield* waitUntil(
          "the victim's 3 calls",
          () => server.arrivals.filter((a) => a.worker === "victim").length === 3
        )
        const others = yield* Effect.all(
          ["a", "b", "c"].map((id) => startWorker({ ...job, id, path: "/work", calls: 25, concurrency: 4 }))
        )
        yield* waitUntil(
          "the others' first calls",
          () => server.arrivals.filter((a) => a.worker !== "victim").length >= 6
        )
        const before = Math.max(...server.arrivals.map((a) => a.othersInFlight))
        victim.child.kill("SIGKILL")
        const killedAt = performance.now()
        const results = yield* Effect.all(others.map(join))
        for (const r of results) {
          assert.deepStrictEqual([r.code, r.output?.done, r.output?.errors], [0, 25, []], r.stderr)
        }
        assert.strictEqual((yield* join(victim)).signal, "SIGKILL")
        const back = server.arrivals.find((a) => a.t > killedAt && a.othersInFlight > 2)
        assert.isDefined(back, "the others never got more than 2 permits after the kill")
        const after = back!.t - killedAt
        yield* report(
          `SIGKILL: others had at most ${before} in flight while the victim held 3; permits back ${
            after.toFixed(0)
          } ms after the kill (lease TTL ${ttl} ms); max in flight ${server.max()}`
        )
        assert.isAtMost(before, 2)
        // the lease expires at most `ttl` after the kill; the rest is the others noticing (poll) and
        // sending, which a loaded machine can stretch
        assert.isAtMost(after, ttl + 1500)
        assert.isAtMost(server.max(), 5)
      }).pipe(Effect.scoped),
    90_000
  )
})

/** A Redis of our own on a free port, so it can be stopped without touching the shared one on 6379. */
const ownRedis = Effect.acquireRelease(
  Effect.sync(() => {
    const answers = (p: number) => {
      try {
        execFileSync("redis-cli", ["-p", String(p), "ping"], { stdio: "ignore", timeout: 2000 })
        return true
      } catch {
        return false
      }
    }
    let port = 6400 + Math.floor(Math.random() * 500)
    for (let i = 0; i < 10 && answers(port); i++) port = 6400 + Math.floor(Math.random() * 500)
    const pidfile = `/tmp/sc-redis-${port}.pid`
    const start = () =>
      execFileSync("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "yes",
        "--pidfile",
        pidfile
      ])
    const stop = () => {
      try {
        execFileSync("redis-cli", ["-p", String(port), "shutdown", "nosave"], { stdio: "ignore" })
      } catch {
        // already stopped
      }
    }
    return { port, start, stop }
  }),
  ({ stop }) => Effect.sync(stop)
)

describe("Redis down and back", () => {
  it.live("a Pool call fails fast with LimiterUnavailable while Redis is down and recovers when it returns", () =>
    Effect.gen(function*() {
      const redis = yield* ownRedis
      const server = yield* startServer(1)
      redis.start()
      const run = Effect.gen(function*() {
        const client = yield* ServiceClient.make(Spec.make({ work: Endpoint.get("/work") }), {
          name: "down",
          baseUrl: server.url,
          plugins: [Pool.make({ limit: 1 })]
        })
        const use = client.call("work")
        const retry = Effect.retry(Schedule.intersect(Schedule.spaced("50 millis"), Schedule.recurs(100)))
        yield* use.pipe(retry, Effect.orDie)
        redis.stop()
        const t0 = performance.now()
        const down = yield* Effect.flip(use)
        const failedIn = performance.now() - t0
        assert.strictEqual(down._tag, "LimiterUnavailable")
        redis.start()
        const t1 = performance.now()
        let tries = 0
        yield* use.pipe(
          Effect.tapError(() => Effect.sync(() => tries++)),
          retry,
          Effect.timeout("10 seconds"),
          Effect.orDie
        )
        const recovered = performance.now() - t1
        yield* report(
          `Redis down: LimiterUnavailable after ${failedIn.toFixed(0)} ms; back in ${
            recovered.toFixed(0)
          } ms (${tries} failed tries)`
        )
        assert.isBelow(failedIn, 2000)
      })
      yield* run.pipe(
        Effect.scoped,
        Effect.provide(Transport.layer.pipe(Layer.provide(FetchHttpClient.layer))),
        Effect.provide(
          RedisStore.layerLimiters({ url: `redis://127.0.0.1:${redis.port}`, prefix, commandTimeout: "500 millis" })
        )
      )
    }).pipe(Effect.scoped))
})

/** Commands Redis processed since the last `CONFIG RESETSTAT`: every command, and those sent by clients. */
const commandStats = (port: number) => {
  const info = execFileSync("redis-cli", ["-p", String(port), "info", "commandstats"]).toString()
  const calls = new Map<string, number>()
  for (const m of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) calls.set(m[1]!, Number(m[2]))
  const all = [...calls.values()].reduce((a, b) => a + b, 0)
  // what clients send: scripts (each counts once), pub/sub and the connection set-up; the rest runs inside scripts
  const sent = ["evalsha", "eval", "publish", "subscribe", "unsubscribe", "info", "script|load", "client|setinfo"]
    .reduce((a, c) => a + (calls.get(c) ?? 0), 0)
  const publish = calls.get("publish") ?? 0
  return { all, sent: sent - publish, publish, calls }
}

describe("Redis commands per call", () => {
  it.live(
    "4 processes x 50 waiting calls on Pool(5) + RateLimit(100/s): limits exact, few commands per call",
    () =>
      Effect.gen(function*() {
        const redis = yield* ownRedis
        redis.start()
        yield* waitUntil("the test's own Redis", () => {
          try {
            execFileSync("redis-cli", ["-p", String(redis.port), "ping"], { stdio: "ignore" })
            return true
          } catch {
            return false
          }
        }, "10 seconds")
        execFileSync("redis-cli", ["-p", String(redis.port), "config", "resetstat"])
        const server = yield* startServer(10)
        const job = {
          kind: "both",
          name: "stats",
          limit: 5,
          rate: 100,
          url: `redis://127.0.0.1:${redis.port}`,
          baseUrl: server.url,
          path: "/work"
        }
        const calls = 50
        const workers = yield* Effect.all(
          ["a", "b", "c", "d"].map((id) => startWorker({ ...job, id, calls, concurrency: calls }))
        )
        const results = yield* Effect.all(workers.map(join))
        for (const r of results) {
          assert.deepStrictEqual([r.code, r.output?.done, r.output?.errors], [0, calls, []], r.stderr)
        }
        const stats = commandStats(redis.port)
        const n = server.arrivals.length
        const times = server.arrivals.map((a) => a.t)
        const window = maxInWindow(times, 1000)
        const span = Math.max(...times) - Math.min(...times)
        yield* report(
          `Pool(5)+RateLimit(100/s), 4 processes x ${calls} waiting: ${n} calls in ${
            span.toFixed(0)
          } ms, max ${server.max()} in flight, ` +
            `max ${window} starts in 1 s; Redis commands per call: ${(stats.sent / n).toFixed(2)} sent by clients ` +
            `(+ ${(stats.publish / n).toFixed(2)} PUBLISH from scripts), ${
              (stats.all / n).toFixed(1)
            } counting those run inside scripts`
        )
        assert.strictEqual(n, 4 * calls)
        assert.isAtMost(server.max(), 5)
        assert.isAtMost(window, 100)
        // target <= 10; a generous bound for a loaded machine (polling cost ~1,600)
        assert.isAtMost(stats.sent / n, 15)
      }).pipe(Effect.scoped),
    90_000
  )
})
