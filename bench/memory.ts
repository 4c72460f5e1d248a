/**
 * 100,000 calls over the loopback server (NodeTransport, concurrency 32): RSS and heap
 * after GC at 10,000 and at 100,000 calls. Run with `node --expose-gc`.
 */
import type { Transport } from "@service-client/core";
import { ServiceClient } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import { Api } from "./api.js"
import * as Full from "./full.js"

const { quick, partial, url } = JSON.parse(process.argv[2] ?? "{}") as { quick?: boolean; partial?: boolean; url: string }
const checkpoints = quick ? [500, 2_000] : [10_000, 100_000]
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc")

const snapshot = async (stack: string, calls: number) => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setImmediate(r))
  }
  const m = process.memoryUsage()
  return { stack, calls, rss_mb: m.rss / 2 ** 20, heap_mb: m.heapUsed / 2 ** 20 }
}

const run = async (stack: "bare" | "full") => {
  let plugins: ReadonlyArray<any> = []
  let extra: Layer.Layer<never> = Layer.empty
  let label: string = stack
  if (stack === "full") {
    const loaded = await Full.load()
    if (loaded.missing.length > 0 && !partial) return []
    if (loaded.missing.length > 0) label = `full (partial, without ${loaded.missing.join(", ")})`
    plugins = loaded.plugins
    extra = loaded.layer
  }
  const runtime = ManagedRuntime.make(Layer.mergeAll(NodeTransport.layer, extra))
  const scope = await runtime.runPromise(Scope.make())
  const client = await runtime.runPromise(
    Scope.extend(ServiceClient.make(Api, { name: "bench", baseUrl: url, plugins }), scope) as Effect.Effect<
      ServiceClient.Client<typeof Api>,
      unknown,
      Transport.Transport
    >
  )
  const call = client.getItem({ version: "v1", id: 1 })
  const out = []
  let done = 0
  for (const target of checkpoints) {
    const n = target - done
    await runtime.runPromise(Effect.forEach(Array.from({ length: 32 }), (_, w) =>
      Effect.repeatN(call, Math.ceil((n - w) / 32) - 1), { concurrency: "unbounded", discard: true }))
    done = target
    out.push(await snapshot(label, target))
  }
  await runtime.runPromise(Scope.close(scope, Exit.void))
  await runtime.dispose()
  return out
}

for (const stack of ["bare", "full"] as const) {
  for (const r of await run(stack)) process.stdout.write(JSON.stringify(r) + "\n")
}
process.exit(0)
