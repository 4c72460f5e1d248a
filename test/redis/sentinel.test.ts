// RedisStore over Sentinel: a primary, a replica and a sentinel of the test's own on loopback ports, and a
// forced failover while calls run: calls succeed or fail with LimiterUnavailable, never hang, and the
// limiter works again on the new primary without a restart.
import { assert, describe, it } from "@effect/vitest"
import { RedisLimiter, RedisStore } from "@service-client/redis"
import { Effect, Schedule } from "effect"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const cli = (port: number, ...args: Array<string>) =>
  execFileSync("redis-cli", ["-p", String(port), ...args], { timeout: 3000 }).toString().trim()

const answers = (port: number) => {
  try {
    execFileSync("redis-cli", ["-p", String(port), "ping"], { stdio: "ignore", timeout: 2000 })
    return true
  } catch {
    return false
  }
}

/** Primary, replica and sentinel on free loopback ports, stopped when the scope closes. */
const sentinelSetup = Effect.acquireRelease(
  Effect.sync(() => {
    let base = 7100 + 3 * Math.floor(Math.random() * 300)
    for (let i = 0; i < 10 && [0, 1, 2].some((d) => answers(base + d)); i++) {
      base = 7100 + 3 * Math.floor(Math.random() * 300)
    }
    const [primary, replica, sentinel] = [base, base + 1, base + 20000]
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-sentinel-"))
    const server = (port: number, ...extra: Array<string>) =>
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
        "--dir",
        dir,
        "--pidfile",
        Path.join(dir, `${port}.pid`),
        ...extra
      ])
    server(primary)
    server(replica, "--replicaof", "127.0.0.1", String(primary))
    const conf = Path.join(dir, "sentinel.conf")
    Fs.writeFileSync(
      conf,
      [
        `port ${sentinel}`,
        "bind 127.0.0.1",
        "daemonize yes",
        `pidfile ${Path.join(dir, "sentinel.pid")}`,
        `dir ${dir}`,
        `sentinel monitor sc 127.0.0.1 ${primary} 1`,
        "sentinel down-after-milliseconds sc 1000",
        "sentinel failover-timeout sc 3000"
      ].join("\n") + "\n"
    )
    execFileSync("redis-server", [conf, "--sentinel"])
    const stop = () => {
      for (const port of [sentinel, replica, primary]) {
        try {
          cli(port, "shutdown", "nosave")
        } catch {
          // already stopped
        }
      }
      Fs.rmSync(dir, { recursive: true, force: true })
    }
    return { primary, replica, sentinel, stop }
  }),
  ({ stop }) => Effect.sync(stop)
)

const until = (what: string, condition: () => boolean) =>
  Effect.gen(function*() {
    while (!condition()) yield* Effect.sleep("50 millis")
  }).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error(`timed out waiting for ${what}`) }))

const primaryPort = (sentinel: number) => {
  try {
    return Number(cli(sentinel, "sentinel", "get-master-addr-by-name", "sc").split("\n")[1])
  } catch {
    return 0
  }
}

describe("RedisStore over Sentinel", () => {
  it.live(
    "follows a forced failover: calls succeed or fail with LimiterUnavailable, then work on the new primary",
    () =>
      Effect.gen(function*() {
        const setup = yield* sentinelSetup
        yield* until("the sentinel", () => primaryPort(setup.sentinel) === setup.primary)
        yield* until(
          "the replica in sync",
          () => cli(setup.replica, "info", "replication").includes("master_link_status:up")
        )
        yield* until(
          "the sentinel to know the replica",
          () => cli(setup.sentinel, "sentinel", "replicas", "sc").includes(String(setup.replica))
        )
        const caller = { service: "svc", endpoint: "ep" }
        yield* Effect.gen(function*() {
          const sem = yield* RedisLimiter.semaphore({ name: "failover", limit: 2 })
          let running = 0
          let max = 0
          const op = sem.withPermit(caller)(
            Effect.gen(function*() {
              max = Math.max(max, ++running)
              yield* Effect.sleep("5 millis")
              running--
            })
          )
          yield* Effect.all(Array.from({ length: 10 }, () => op), { concurrency: 5 })
          cli(setup.sentinel, "sentinel", "failover", "sc")
          const errors = new Set<string>()
          let ok = 0
          // calls keep coming, 5 at a time, until the sentinel reports the new primary and a while after
          let switchedAt = -1
          const batch = Effect.all(
            Array.from({ length: 5 }, () =>
              op.pipe(
                Effect.timeout("15 seconds"),
                Effect.match({ onFailure: (e) => void errors.add(e._tag), onSuccess: () => void ok++ })
              )),
            { concurrency: 5 }
          )
          for (let i = 0; i < 2000; i++) {
            yield* batch
            if (switchedAt < 0 && primaryPort(setup.sentinel) === setup.replica) switchedAt = i
            if (switchedAt >= 0 && i - switchedAt >= 20) break
          }
          yield* until("the new primary", () => primaryPort(setup.sentinel) === setup.replica)
          // on the new primary, without a restart
          yield* op.pipe(Effect.retry(Schedule.intersect(Schedule.spaced("100 millis"), Schedule.recurs(100))))
          console.log(
            `[redis sentinel] during failover: ${ok} ok, errors ${
              [...errors].join(", ") || "none"
            }; max ${max} in flight`
          )
          for (const e of errors) assert.strictEqual(e, "LimiterUnavailable")
          assert.isAtMost(max, 2)
          assert.isAtLeast(switchedAt, 0)
        }).pipe(
          Effect.scoped,
          Effect.provide(RedisStore.layer({
            sentinels: [`127.0.0.1:${setup.sentinel}`],
            name: "sc",
            prefix: "sentinel-test",
            commandTimeout: "500 millis"
          }))
        )
      }).pipe(Effect.scoped),
    60_000
  )
})
