// RedisStore over a 3-node Redis Cluster of the test's own on loopback ports: each limiter's keys share
// one hash slot ({name}), so its scripts run; waiters are woken through the cluster's pub/sub.
import { assert, describe, it } from "@effect/vitest"
import { RedisLimiter, RedisStore } from "@service-client/redis"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const answers = (port: number) => {
  try {
    execFileSync("redis-cli", ["-p", String(port), "ping"], { stdio: "ignore", timeout: 2000 })
    return true
  } catch {
    return false
  }
}

const cluster = Effect.acquireRelease(
  Effect.sync(() => {
    let base = 8100 + 3 * Math.floor(Math.random() * 300)
    for (let i = 0; i < 10 && [0, 1, 2].some((d) => answers(base + d)); i++) {
      base = 8100 + 3 * Math.floor(Math.random() * 300)
    }
    const ports = [base, base + 1, base + 2]
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-cluster-"))
    for (const port of ports) {
      execFileSync("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        Path.join(dir, `nodes-${port}.conf`),
        "--daemonize",
        "yes",
        "--dir",
        dir,
        "--pidfile",
        Path.join(dir, `${port}.pid`)
      ])
    }
    const stop = () => {
      for (const port of ports) {
        try {
          execFileSync("redis-cli", ["-p", String(port), "shutdown", "nosave"], { stdio: "ignore" })
        } catch {
          // already stopped
        }
      }
      Fs.rmSync(dir, { recursive: true, force: true })
    }
    return { ports, stop }
  }),
  ({ stop }) => Effect.sync(stop)
)

describe("RedisStore over Redis Cluster", () => {
  it.live(
    "a 3-node cluster: the limit holds, waiters are woken, every key of a limiter in one slot",
    () =>
      Effect.gen(function*() {
        const { ports } = yield* cluster
        yield* Effect.gen(function*() {
          while (!ports.every(answers)) yield* Effect.sleep("50 millis")
        }).pipe(Effect.timeout("10 seconds"))
        execFileSync("redis-cli", [
          "--cluster",
          "create",
          ...ports.map((p) => `127.0.0.1:${p}`),
          "--cluster-replicas",
          "0",
          "--cluster-yes"
        ], { stdio: "ignore", timeout: 20_000 })
        yield* Effect.gen(function*() {
          const ok = () => execFileSync("redis-cli", ["-p", String(ports[0]), "cluster", "info"]).toString()
          while (!ok().includes("cluster_state:ok")) yield* Effect.sleep("100 millis")
        }).pipe(Effect.timeout("15 seconds"))
        const caller = { service: "svc", endpoint: "ep" }
        yield* Effect.gen(function*() {
          const limiters = ["alpha", "beta", "gamma"]
          for (const name of limiters) {
            const sem = yield* RedisLimiter.semaphore({ name, limit: 2 })
            let running = 0
            let max = 0
            const op = sem.withPermit(caller)(Effect.gen(function*() {
              max = Math.max(max, ++running)
              yield* Effect.sleep("10 millis")
              running--
            }))
            yield* Effect.all(Array.from({ length: 12 }, () => op), { concurrency: 6 })
            assert.strictEqual(max, 2, name)
            assert.deepStrictEqual(yield* sem.stats, { taken: 0, waiting: 0 })
          }
        }).pipe(
          Effect.scoped,
          Effect.timeout("30 seconds"),
          Effect.provide(RedisStore.layer({
            nodes: ports.map((p) => `127.0.0.1:${p}`),
            prefix: "cluster-test",
            commandTimeout: "2 seconds"
          }))
        )
      }).pipe(Effect.scoped),
    60_000
  )
})
