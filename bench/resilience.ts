/**
 * What the resilience plugins add per call on their common path: a closed CircuitBreaker,
 * an HttpCache miss (an answer it may not store, and one it stores), a hit, Coalesce with
 * nothing in flight. CPU µs per call over the bare client, sequential calls over an
 * in-memory transport that answers at once; each stack is measured against a bare run of
 * the same round (rounds alternate, the median difference is reported: the machine is
 * noisy).
 *
 *   tsx bench/resilience.ts [calls] [rounds]
 *   tsx bench/resilience.ts '{"quick":true}'    JSON lines for run.ts
 */
import type { Transport } from "@service-client/core"
import { ServiceClient } from "@service-client/core"
import { CircuitBreaker, Coalesce, HttpCache } from "@service-client/plugins"
import { Effect, Exit, ManagedRuntime, Scope } from "effect"
import { Api } from "./api.js"
import * as MemoryTransport from "./memoryTransport.js"

const json = process.argv[2]?.startsWith("{") === true
const options = json ? JSON.parse(process.argv[2]!) as { quick?: boolean } : {}
const calls = json ? (options.quick ? 1_000 : 50_000) : Number(process.argv[2] ?? 50_000)
const rounds = json ? (options.quick ? 1 : 7) : Number(process.argv[3] ?? 7)

const plain = MemoryTransport.response()
const storable = MemoryTransport.response({ "cache-control": "max-age=600", etag: "\"v1\"" })
const transport = MemoryTransport.immediate

interface Stack {
  readonly name: string
  readonly plugins: Effect.Effect<ReadonlyArray<any>, never, Scope.Scope>
  readonly response: Transport.Response
  /** Each call to another URL (a cache that stores every answer, and evicts). */
  readonly distinct?: boolean
}

const allStacks: ReadonlyArray<Stack> = [
  { name: "+CircuitBreaker (closed)", plugins: Effect.succeed([CircuitBreaker.make()]), response: plain },
  { name: "+HttpCache (miss, not storable)", plugins: Effect.map(HttpCache.make(), (c) => [c]), response: plain },
  {
    name: "+HttpCache (miss, stored)",
    plugins: Effect.map(HttpCache.make({ maxBytes: 256 * 1024 }), (c) => [c]),
    response: storable,
    distinct: true
  },
  { name: "+HttpCache (hit)", plugins: Effect.map(HttpCache.make(), (c) => [c]), response: storable },
  { name: "+Coalesce (nothing in flight)", plugins: Effect.map(Coalesce.make(), (c) => [c]), response: plain }
]

// RESILIENCE_ONLY=Coalesce: the stacks whose name contains it
const only = process.env.RESILIENCE_ONLY
const stacks = only === undefined ? allStacks : allStacks.filter((s) => s.name.includes(only))

/** CPU µs per call of `calls` sequential calls of a client with these plugins. */
const measure = async (stack: Stack | undefined, distinct: boolean): Promise<number> => {
  const runtime = ManagedRuntime.make(transport(stack?.response ?? plain))
  const scope = await runtime.runPromise(Scope.make())
  const client = await runtime.runPromise(
    Scope.extend(
      Effect.flatMap(
        stack?.plugins ?? Effect.succeed([]),
        (plugins) => ServiceClient.make(Api, { name: "bench", baseUrl: "http://127.0.0.1:1", plugins })
      ),
      scope
    ) as Effect.Effect<ServiceClient.Client<typeof Api>>
  )
  const same = client.getItem({ version: "v1", id: 1 })
  const run = (n: number) =>
    distinct
      ? Effect.forEach(Array.from({ length: n }, (_, i) => i), (id) => client.getItem({ version: "v1", id }), {
        discard: true
      })
      : Effect.repeatN(same, n - 1)
  await runtime.runPromise(run(Math.ceil(calls / 5)))
  const cpu0 = process.cpuUsage()
  await runtime.runPromise(run(calls))
  const cpu = process.cpuUsage(cpu0)
  await runtime.runPromise(Scope.close(scope, Exit.void))
  await runtime.dispose()
  return (cpu.user + cpu.system) / calls
}

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

// a first pass, not recorded: the JIT warms up on the code every row runs
await measure(undefined, false)
for (const stack of stacks) await measure(stack, stack.distinct === true)

const rows: Array<{ stack: string; us: number; bare: number }> = []
for (const stack of stacks) {
  const diffs: Array<number> = []
  const bares: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    const bare = await measure(undefined, stack.distinct === true)
    const with_ = await measure(stack, stack.distinct === true)
    bares.push(bare)
    diffs.push(with_ - bare)
  }
  rows.push({ stack: stack.name, us: median(diffs), bare: median(bares) })
}
if (json) {
  for (const row of rows) process.stdout.write(JSON.stringify(row) + "\n")
  process.exit(0)
}
console.log(`${calls} sequential calls per run, ${rounds} rounds (median of the per-round differences)`)
console.log("stack".padEnd(34), "bare CPU µs/call".padStart(17), "added µs/call".padStart(14))
for (const r of rows) console.log(r.stack.padEnd(34), r.bare.toFixed(2).padStart(17), r.us.toFixed(2).padStart(14))
process.exit(0)
