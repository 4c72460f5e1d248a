/**
 * Pool and RateLimit's own limiter against Effect's primitives, in one run:
 *
 * - uncontended: CPU ns per acquire + release, one fiber, a permit always free: the limiter's
 *   `enterSend` (the in-memory store), `Effect.makeSemaphore` (`take` + `release`),
 *   `TSemaphore` (`acquire` + `release`, each committed), Effect's `RateLimiter`
 *   (token-bucket) against RateLimit's window;
 * - contended: 50 fibers on 5 permits, each taking a permit, yielding once and giving it
 *   back: CPU ns per acquisition, and how many were granted out of arrival order (FIFO);
 * - whole call: CPU µs per call of the bare client and of the bare client plus a Pool
 *   (limit 64, 32 calls at a time, never binds) built on each, as bench/plugins.ts measures.
 *
 * Each round runs every measurement in a fresh process (a warm-up pass, then the measured
 * one; a contended measurement also right after an unmeasured run of the same contender); the report gives medians over rounds and each value's ratio to a baseline
 * measured in the same process (Effect's Semaphore; the bare client).
 *
 *   tsx bench/limiter.ts [rounds]
 *   tsx bench/limiter.ts --base ../other-checkout [rounds]   before/after: the processes of
 *     the two checkouts alternate, round by round (the other checkout needs this file too)
 */
import { Plugin, ServiceClient } from "@service-client/core"
import { LimiterStore } from "@service-client/plugins"
import { Duration, Effect, Exit, FiberId, ManagedRuntime, RateLimiter, Scope, STM, TSemaphore } from "effect"
import { execFileSync } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Api } from "./api.js"
import * as MemoryTransport from "./memoryTransport.js"

const args = process.argv.slice(2)
const baseAt = args.indexOf("--base")
const base = baseAt >= 0 ? args[baseAt + 1] : undefined
const rounds = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== "--base") ?? 5)
const here = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const session = () =>
  ({
    service: "bench",
    endpoint: "getItem",
    attributes: {},
    clock: { unsafeCurrentTimeMillis: () => Date.now() },
    deadline: undefined
  }) as any

type Take = Effect.Effect<() => Effect.Effect<void> | void>

/** A contender: `take` waits for a permit and answers how to give it back. */
interface Contender {
  readonly name: string
  readonly make: (limit: number) => Effect.Effect<Take, never, Scope.Scope>
  /** A synchronous acquire + release when one is free (the limiter's fast path), if it has one. */
  readonly makeSync?: (limit: number) => Effect.Effect<() => void, never, Scope.Scope>
}

/** Pool's or RateLimit's limiter on the in-memory store, as the plugins build it. */
const memoryLimiter = (options: LimiterStore.Options) =>
  Effect.flatMap(LimiterStore.memory.make(options), (permits) => LimiterStore.limiter(permits, options))

/** What the limiters' leaves are given as the send's outcome (they do not read it). */
const over = Exit.interrupt(FiberId.none)

const custom = (limiter: "pool" | "rateLimit") => (limit: number) =>
  Effect.map(
    memoryLimiter({
      limiter,
      key: undefined,
      limit,
      period: limiter === "pool" ? undefined : Duration.millis(1),
      hardLimit: 10_000,
      timeout: Duration.seconds(5)
    }),
    (hooks): Take => {
      const s = session()
      return Effect.suspend(() => {
        const entered = hooks.enter(s)
        const leave = (l: Plugin.LeaveSend | undefined) => () => l?.(s, over) ?? undefined
        return typeof entered === "function" || entered === undefined
          ? Effect.succeed(leave(entered))
          : Effect.map(Effect.orDie(entered), leave)
      })
    }
  )

const contenders: ReadonlyArray<Contender> = [
  {
    name: "limiter (Pool)",
    make: custom("pool"),
    makeSync: (limit) =>
      Effect.map(
        memoryLimiter({
          limiter: "pool",
          key: undefined,
          limit,
          period: undefined,
          hardLimit: 10_000,
          timeout: Duration.seconds(5)
        }),
        (hooks) => {
          const s = session()
          return () => {
            const leave = hooks.enter(s) as Plugin.LeaveSend
            leave(s, over)
          }
        }
      )
  },
  {
    name: "Effect.makeSemaphore",
    make: (limit) =>
      Effect.map(Effect.makeSemaphore(limit), (sem): Take => Effect.as(sem.take(1), () => sem.release(1)))
  },
  {
    name: "TSemaphore",
    make: (limit) =>
      Effect.map(
        STM.commit(TSemaphore.make(limit)),
        (sem): Take => Effect.as(TSemaphore.acquire(sem), () => TSemaphore.release(sem))
      )
  }
]

const rateContenders: ReadonlyArray<Contender> = [
  { name: "limiter (RateLimit window)", make: custom("rateLimit") },
  {
    name: "effect RateLimiter (token-bucket)",
    make: (limit) =>
      Effect.map(
        RateLimiter.make({ limit, interval: Duration.millis(1) }),
        (rl): Take => rl(Effect.succeed(() => undefined))
      )
  }
]

/** CPU ns since `c0` (the machine is shared: wall time says more about the neighbours). */
const cpuNs = (c0: NodeJS.CpuUsage) => {
  const cpu = process.cpuUsage(c0)
  return (cpu.user + cpu.system) * 1000
}

/** `effect` `n` times in a row (not `repeatN`: its Schedule costs more than what is measured). */
const times = <E>(n: number, effect: Effect.Effect<unknown, E>) => {
  let i = 0
  return Effect.whileLoop({ while: () => i++ < n, body: () => effect, step: () => {} })
}

const uncontended = (c: Contender, n: number) =>
  Effect.scoped(Effect.gen(function*() {
    if (c.makeSync !== undefined) {
      const run = yield* c.makeSync(1_000_000)
      const c0 = process.cpuUsage()
      for (let i = 0; i < n; i++) run()
      return cpuNs(c0) / n
    }
    const take = yield* c.make(1_000_000)
    const once = Effect.flatMap(take, (give) => give() ?? Effect.void)
    const c0 = process.cpuUsage()
    yield* times(n, once)
    return cpuNs(c0) / n
  }))

/** 50 fibers, 5 permits: CPU ns per acquisition (with its release and one yield) and grants out of arrival order. */
const contended = (c: Contender, perFiber: number) =>
  Effect.scoped(Effect.gen(function*() {
    const take = yield* c.make(5)
    let ticket = 0
    const waiting = new Set<number>()
    let outOfOrder = 0
    const cycle = Effect.suspend(() => {
      const t = ticket++
      waiting.add(t)
      return Effect.flatMap(take, (give) => {
        if (waiting.values().next().value !== t) outOfOrder++
        waiting.delete(t)
        return Effect.zipRight(Effect.yieldNow(), Effect.suspend(() => give() ?? Effect.void))
      })
    })
    const c0 = process.cpuUsage()
    yield* Effect.forEach(Array.from({ length: 50 }), () => times(perFiber, cycle), {
      concurrency: "unbounded",
      discard: true
    })
    return { ns: cpuNs(c0) / (50 * perFiber), outOfOrder: outOfOrder / (50 * perFiber) }
  }))

// the whole call: the bench's in-memory transport answering on the next turn of the event loop
const transport = MemoryTransport.nextTurn()

const semaphorePool = Effect.map(Effect.makeSemaphore(64), (sem) =>
  Plugin.make("SemaphorePool", {
    enterSend: () => Effect.as(sem.take(1), () => sem.release(1))
  }))

const wholeCall = async (
  plugins: Effect.Effect<ReadonlyArray<Plugin.PluginLike>, never, Scope.Scope>,
  calls: number
) => {
  const runtime = ManagedRuntime.make(transport)
  const scope = await runtime.runPromise(Scope.make())
  const client = await runtime.runPromise(
    Scope.extend(
      Effect.flatMap(
        plugins,
        (plugins) => ServiceClient.make(Api, { name: "bench", baseUrl: "http://127.0.0.1:1", plugins })
      ),
      scope
    ) as Effect.Effect<ServiceClient.Client<typeof Api>>
  )
  const call = client.getItem({ version: "v1", id: 1 })
  const load = (n: number) =>
    Effect.forEach(Array.from({ length: 32 }), () => Effect.repeatN(call, Math.ceil(n / 32) - 1), {
      concurrency: "unbounded",
      discard: true
    })
  await runtime.runPromise(load(calls / 4))
  const cpu0 = process.cpuUsage()
  await runtime.runPromise(load(calls))
  const cpu = process.cpuUsage(cpu0)
  await runtime.runPromise(Scope.close(scope, Exit.void))
  await runtime.dispose()
  return (cpu.user + cpu.system) / calls
}

const { Pool } = await import("@service-client/plugins")
const stacks: ReadonlyArray<[string, Effect.Effect<ReadonlyArray<Plugin.PluginLike>, never, Scope.Scope>]> = [
  ["bare", Effect.succeed([])],
  ["+Pool (limiter)", Effect.map(Pool.make({ limit: 64, hardLimit: 10_000, timeout: "5 seconds" }), (p) => [p])],
  ["+Pool (Effect.makeSemaphore)", Effect.map(semaphorePool, (p) => [p])]
]

const measureOnce = async () => {
  const out: Record<string, number> = {}
  for (let pass = 0; pass < 2; pass++) { // pass 0 warms the JIT
    for (const c of [...contenders, ...rateContenders]) {
      out[`uncontended ${c.name}`] = await Effect.runPromise(uncontended(c, 100_000))
    }
    for (const c of contenders) {
      // each measured right after an unmeasured run of its own: else the first one after the
      // uncontended loops ran ~2 × slower than the same run repeated (JIT and GC state), which
      // weighed on whichever contender came first
      await Effect.runPromise(contended(c, 200))
      const r = await Effect.runPromise(contended(c, 200))
      out[`contended ${c.name}`] = r.ns
      out[`order ${c.name}`] = r.outOfOrder
    }
    for (const [name, plugins] of stacks) out[`call ${name}`] = await wholeCall(plugins, pass === 0 ? 4_000 : 20_000)
  }
  return out
}

if (args[0] === "--child") {
  process.stdout.write(JSON.stringify(await measureOnce()) + "\n")
  process.exit(0)
}

// each round: one fresh process per checkout (the order alternating), so two checkouts'
// copies of effect never share a process
const roots = base === undefined ? [["this", here]] : [["before", Path.resolve(base)], ["after", here]]
const runs = new Map<string, Array<Record<string, number>>>(roots.map(([label]) => [label!, []]))
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? roots : [...roots].reverse()
  for (const [label, root] of order) {
    const out = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx/esm",
        "--conditions=@service-client/source",
        Path.join(root!, "bench", "limiter.ts"),
        "--child"
      ],
      { cwd: root!, encoding: "utf8", maxBuffer: 1 << 20 }
    )
    runs.get(label!)!.push(JSON.parse(out.trim().split("\n").pop()!))
  }
}

const get = (label: string, key: string) => median(runs.get(label)!.map((r) => r[key]!))
const row = (name: string, f: (label: string) => string) =>
  console.log(`  ${name.padEnd(36)} ${roots.map(([label]) => f(label!).padStart(22)).join("")}`)
console.log(`limiter bench: median of ${rounds} rounds${base === undefined ? "" : ` (before: ${base})`}`)
console.log(`  ${"".padEnd(36)} ${roots.map(([label]) => label!.padStart(22)).join("")}`)
console.log("uncontended acquire + release, CPU ns (÷ Effect.makeSemaphore in the same process)")
for (const c of [...contenders, ...rateContenders]) {
  row(c.name, (l) => {
    const ns = get(l, `uncontended ${c.name}`)
    return `${ns.toFixed(0)} (${(ns / get(l, "uncontended Effect.makeSemaphore")).toFixed(3)})`
  })
}
console.log("50 fibers on 5 permits: CPU ns per acquisition (÷ Effect.makeSemaphore), % granted out of arrival order")
for (const c of contenders) {
  row(c.name, (l) => {
    const n = get(l, `contended ${c.name}`)
    return `${n.toFixed(0)} (${(n / get(l, "contended Effect.makeSemaphore")).toFixed(2)}) ${
      (100 * get(l, `order ${c.name}`)).toFixed(0)
    }%`
  })
}
console.log("whole call, CPU µs per call, 32 at a time (÷ bare)")
for (const [name] of stacks) {
  row(
    name,
    (l) => `${get(l, `call ${name}`).toFixed(2)} (${(get(l, `call ${name}`) / get(l, "call bare")).toFixed(3)})`
  )
}
process.exit(0)
