/**
 * What each plugin of the full stack costs on its own: CPU µs per call of the bare client
 * plus one plugin, over an in-memory transport that answers on the next turn of the event
 * loop (so timers and waits are as real as over the network), 32 calls at a time.
 *
 *   tsx bench/plugins.ts [calls] [only]     only: "full", "logs" (full+logs) or "bare" (one stack, e.g. under --cpu-prof)
 *   tsx bench/plugins.ts '{"quick":true}'    JSON lines for run.ts
 *   BENCH_PROFILE=/tmp/p.cpuprofile tsx bench/plugins.ts 30000 logs   a CPU profile of the measured loop only
 *     (no module loading, no warm-up): node bench/profile-summary.mjs /tmp/p.cpuprofile 40
 */
import { Effect, Layer, Scheduler } from "effect"
import * as Fs from "node:fs"
import * as Inspector from "node:inspector/promises"
import * as ApiClient from "./apiClient.js"
import * as Full from "./full.js"
import * as MemoryTransport from "./memoryTransport.js"

const json = process.argv[2]?.startsWith("{") === true
const options = json ? JSON.parse(process.argv[2]!) as { quick?: boolean } : {}
const calls = json ? (options.quick ? 2_000 : 40_000) : Number(process.argv[2] ?? 40_000)
const concurrency = 32
// a timer per call while a deadline is set, cleared on the answer (the Node transport's
// cost before its one timer for all requests: an upper bound)
const transport = MemoryTransport.nextTurn({ deadlineTimer: true })

// counts the runtime's steps: the run loop asks the scheduler whether to yield once per step
let steps = 0
const counting: Scheduler.Scheduler = {
  scheduleTask: (task, priority) => Scheduler.defaultScheduler.scheduleTask(task, priority),
  shouldYield: (fiber) => {
    steps++
    return Scheduler.defaultScheduler.shouldYield(fiber)
  }
}

interface Cost {
  /** CPU µs per call. */
  readonly us: number
  /** Effect runtime steps per call. */
  readonly steps: number
}

const measure = async (plugins: ReadonlyArray<any>, layer: Layer.Layer<never>): Promise<Cost> => {
  const { call, close, runtime } = await ApiClient.make(transport, plugins, layer)
  const load = (n: number) => ApiClient.inFibers(call, n, concurrency)
  await runtime.runPromise(load(calls / 4))
  const profile = process.env.BENCH_PROFILE
  const inspector = profile === undefined ? undefined : new Inspector.Session()
  if (inspector !== undefined) {
    inspector.connect()
    await inspector.post("Profiler.enable")
    await inspector.post("Profiler.start")
  }
  const cpu0 = process.cpuUsage()
  await runtime.runPromise(load(calls))
  const cpu = process.cpuUsage(cpu0)
  if (inspector !== undefined) {
    const { profile: taken } = await inspector.post("Profiler.stop")
    Fs.writeFileSync(profile!, JSON.stringify(taken))
    inspector.disconnect()
  }
  steps = 0
  await runtime.runPromise(Effect.withScheduler(Effect.repeatN(call, 999), counting))
  const perCall = steps / 1000
  await close()
  return { us: (cpu.user + cpu.system) / calls, steps: perCall }
}

const full = await Full.load()
const only = process.argv[3]
if (only === "full" || only === "bare" || only === "logs") {
  const logs = only === "logs" ? await Full.load("logs") : undefined
  const cost = only === "bare"
    ? await measure([], Layer.empty)
    : logs !== undefined
    ? await measure(logs.plugins, logs.layer)
    : await measure(full.plugins, full.layer)
  console.log(only, cost.us.toFixed(1), "µs", cost.steps, "steps")
  process.exit(0)
}
// a first pass of each stack, not recorded: the JIT warms up on the code every row runs
await measure([], Layer.empty)
await measure(full.plugins, full.layer)
const rows: Array<[string, Cost]> = []
const bare = await measure([], Layer.empty)
const minus = (a: Cost, b: Cost): Cost => ({ us: a.us - b.us, steps: a.steps - b.steps })
rows.push(["bare", bare])
for (let i = 0; i < Full.required.length; i++) {
  rows.push([`+${Full.required[i]}`, minus(await measure([full.plugins[i]], full.layer), bare)])
}
rows.push(["full", await measure(full.plugins, full.layer)])
rows.push(["bare again", await measure([], Layer.empty)])
if (json) {
  for (const [stack, c] of rows) process.stdout.write(JSON.stringify({ stack, us: c.us, steps: c.steps }) + "\n")
  process.exit(0)
}
console.log("stack".padEnd(16), "CPU µs/call".padStart(12), "steps/call".padStart(11))
for (const [name, c] of rows) {
  console.log(name.padEnd(16), c.us.toFixed(1).padStart(12), String(Math.round(c.steps)).padStart(11))
}
process.exit(0)
