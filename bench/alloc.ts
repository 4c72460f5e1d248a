/**
 * Where a client allocates: the sampling heap profiler (objects the GC collected
 * included) over a run of GET calls at concurrency 32 against the bench server.
 *
 *   tsx bench/alloc.ts <url> [client] [requests]     client: a bench client name (default sc-bare-node)
 *   ALLOC_SURVIVORS=1: only objects that outlived a scavenge (what gets promoted to the old space)
 */
import { Effect } from "effect"
import * as Inspector from "node:inspector/promises"
import * as Clients from "./clients.js"

const [url, name = "sc-bare-node", requests = "30000"] = process.argv.slice(2)
const client = await Clients.make(name as Clients.Name, { url: url!, scenario: "GET" })
const n = Number(requests)
const run = async (count: number) => {
  if (client.kind === "promise") {
    let next = 0
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next++ < count) await client.run(0)
    }))
  } else {
    let next = 0
    const worker: Effect.Effect<void, unknown> = Effect.suspend(() =>
      next++ >= count ? Effect.void : Effect.flatMap(client.run(0), () => worker)
    )
    await client.runtime.runPromise(
      Effect.forEach(Array.from({ length: 32 }), () => worker, { concurrency: "unbounded", discard: true })
    )
  }
}
await run(2000)
const session = new Inspector.Session()
session.connect()
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: process.env.ALLOC_SURVIVORS === undefined
} as never)
await run(n)
const { profile } = await session.post("HeapProfiler.stopSampling") as any
// self bytes per function (where the allocation happened)
const self = new Map<string, number>()
let total = 0
const walk = (node: any) => {
  const f = node.callFrame
  const where = `${f.functionName || "(anonymous)"} ${
    String(f.url).replace(/.*node_modules\//, "").replace(/.*\/packages\//, "packages/")
  }:${f.lineNumber + 1}:${f.columnNumber + 1}`
  self.set(where, (self.get(where) ?? 0) + node.selfSize)
  total += node.selfSize
  for (const c of node.children) walk(c)
}
walk(profile.head)
console.log(`sampled ${(total / n).toFixed(0)} bytes per call`)
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${((100 * v) / total).toFixed(1).padStart(5)}% ${(v / n).toFixed(0).padStart(6)} B/call  ${k}`)
}
process.exit(0)
