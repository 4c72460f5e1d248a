/**
 * A paired comparison in ONE process: the clients take turns in short blocks (the same
 * process, heap and CPU state for all), and each block's CPU per request is compared with
 * the first client's block next to it. The median of those ratios is far steadier than
 * ratios of separate processes on a noisy machine (each process settles in its own state).
 *
 *   node --import ./bench/loader.mjs bench/paired.ts URL sc-bare-node,sc-full-node [blocks] [perBlock] [GET|POST]
 *
 * `sc-full-node~Timeout+Pool` is the full stack without those plugins (to find what costs what).
 * `PAIRED_CONCURRENCY=8` runs 8 calls in flight instead of 32 (to compare a binding Pool 8 with 8 in flight).
 */
import { effectLoad, promiseLoad } from "./client.js"
import * as Clients from "./clients.js"

const [url, names, blocksArg, perBlockArg, scenarioArg] = process.argv.slice(2)
const blocks = Number(blocksArg ?? 30)
const perBlock = Number(perBlockArg ?? 3000)
const scenario = (scenarioArg ?? "GET") as Clients.Scenario
const concurrency = Number(process.env.PAIRED_CONCURRENCY ?? 32)
const clients: Array<{ readonly name: string; readonly client: Clients.Client }> = []
for (const name of names!.split(",")) {
  // "sc-full-node~Timeout+Pool": the full stack without those plugins (one at a time: the env is read when built)
  const [base, without] = name.split("~")
  process.env.BENCH_FULL_WITHOUT = (without ?? "").replaceAll("+", ",")
  const client = await Clients.make(base as Clients.Name, { url: url!, scenario })
  clients.push({ name, client })
}
const run = (client: Clients.Client, n: number): Promise<unknown> => {
  const lat = new Float64Array(n)
  return client.kind === "promise"
    ? promiseLoad(client.run, n, concurrency, lat)
    : client.runtime.runPromise(effectLoad(client.run, n, concurrency, lat))
}
// PAIRED_VERBOSE=1: no warm-up block, and every block's CPU µs/request printed (to see the JIT warm up)
const verbose = process.env.PAIRED_VERBOSE === "1"
if (!verbose) { for (const { client } of clients) await run(client, perBlock) }
const cpu: Array<Array<number>> = clients.map(() => [])
for (let b = 0; b < blocks; b++) {
  // the order rotates each block
  for (let k = 0; k < clients.length; k++) {
    const i = (k + b) % clients.length
    const t0 = process.cpuUsage()
    await run(clients[i]!.client, perBlock)
    const t = process.cpuUsage(t0)
    cpu[i]!.push((t.user + t.system) / perBlock)
  }
}
if (verbose) {
  for (let i = 0; i < clients.length; i++) {
    console.log(
      clients[i]!.name,
      cpu[i]!.map((c) => c.toFixed(0)).join(" ")
    )
  }
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (let i = 0; i < clients.length; i++) {
  const ratios = cpu[i]!.map((c, b) => cpu[0]![b]! / c)
  console.log(
    `${clients[i]!.name.padEnd(28)} CPU µs/req median ${median(cpu[i]!).toFixed(1).padStart(6)}` +
      `  x ${clients[0]!.name} (throughput-equivalent, median of paired blocks) ${median(ratios).toFixed(3)}`
  )
}
for (const { client } of clients) {
  if (client.kind === "effect") {
    await client.close?.()
    await client.runtime.dispose()
  } else await client.close?.()
}
process.exit(0)
