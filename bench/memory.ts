/**
 * 100,000 calls of the 20-endpoint mix over the loopback server with full+logs (every
 * plugin of `bench/full.ts`'s logs stack, both loggers writing to a file), NodeTransport,
 * concurrency 32: RSS and heap after GC at 10,000, 50,000 and 100,000 calls; the bare
 * client on the same mix for comparison. Run with `node --expose-gc`.
 *
 * Before each reading of the logs stack, the bounded buffers of what the user plugged in
 * drain: the file Logger holds up to a second of lines (`PlatformLogger.toFile`'s batch),
 * the BatchSpanProcessor up to 5 s of spans (its default delay). Read at once, the heap
 * showed how full those happened to be (±3 MB between checkpoints), not what the client
 * keeps.
 */
import type { Transport } from "@service-client/core"
import { ServiceClient } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import * as Full from "./full.js"
import * as Mix from "./mix.js"

const { quick, url } = JSON.parse(process.argv[2] ?? "{}") as { quick?: boolean; url: string }
const checkpoints = quick ? [300, 1_000] : [10_000, 50_000, 100_000]
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc")

/** How long the logs stack's buffers take to drain (the file Logger's 1 s batch; the span processor's 5 s). */
const settle = quick ? 1_100 : 5_500

const snapshot = async (stack: string, calls: number, wait: number) => {
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setImmediate(r))
  }
  const m = process.memoryUsage()
  return { stack, calls, rss_mb: m.rss / 2 ** 20, heap_mb: m.heapUsed / 2 ** 20 }
}

const run = async (stack: "bare" | "logs") => {
  const loaded = stack === "logs" ? await Full.load("logs") : undefined
  const runtime = ManagedRuntime.make(Layer.mergeAll(NodeTransport.layer, loaded?.layer ?? Layer.empty))
  const scope = await runtime.runPromise(Scope.make())
  const client = await runtime.runPromise(
    Scope.extend(
      ServiceClient.make(Mix.MixApi, { name: "bench", baseUrl: url, plugins: loaded?.plugins ?? [] }),
      scope
    ) as Effect.Effect<
      Record<string, (input: Record<string, unknown>) => Effect.Effect<unknown, unknown>>,
      unknown,
      Transport.Transport
    >
  )
  const out = []
  let k = 0
  const worker = (until: number): Effect.Effect<void, unknown> =>
    Effect.suspend(() => {
      if (k >= until) return Effect.void
      const c = Mix.callInput(k++)
      return Effect.flatMap(client[c.name]!(c.input), () => worker(until))
    })
  for (const target of checkpoints) {
    await runtime.runPromise(
      Effect.forEach(Array.from({ length: 32 }), () => worker(target), { concurrency: "unbounded", discard: true })
    )
    out.push({
      ...(await snapshot(
        stack === "logs" ? "full+logs (mix)" : "bare (mix)",
        target,
        stack === "logs" ? settle : 0
      )),
      log_bytes: loaded?.logBytes() ?? 0
    })
  }
  await runtime.runPromise(Scope.close(scope, Exit.void))
  await runtime.dispose()
  return out
}

for (const stack of ["bare", "logs"] as const) {
  for (const r of await run(stack)) process.stdout.write(JSON.stringify(r) + "\n")
}
process.exit(0)
