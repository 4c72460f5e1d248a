/**
 * The pipeline's own cost per call, no network: a transport that answers at once from
 * memory (MockTransport once @service-client/mock exports it, else a tiny in-bench one),
 * the bare client against the cheap full stack and full+logs (bench/full.ts), calls one
 * after another.
 */
import { Transport } from "@service-client/core"
import { Effect, Layer, Stream } from "effect"
import * as ApiClient from "./apiClient.js"
import * as Full from "./full.js"

const options = JSON.parse(process.argv[2] ?? "{}") as {
  quick?: boolean
  calls?: number
  stacks?: ReadonlyArray<"bare" | "full" | "logs">
}
const { quick } = options
const calls = options.calls ?? (quick ? 1_000 : 50_000)
const warmup = quick ? 200 : 5_000

const body = new TextEncoder().encode(JSON.stringify({ id: 12345, username: "benchmark-user", active: true }))
const headers = { "content-type": "application/json", "content-length": String(body.length) }
const response: Transport.Response = {
  status: 200,
  headers,
  read: () => Effect.succeed(body),
  stream: Stream.make(body)
}

const transportLayer = async (): Promise<{ layer: Layer.Layer<Transport.Transport>; name: string }> => {
  try {
    const mock = await import("@service-client/mock") as Record<string, any>
    if (mock.MockTransport?.layer !== undefined && Layer.isLayer(mock.MockTransport.layer)) {
      const { FileSystem } = await import("@effect/platform")
      return {
        layer: (mock.MockTransport.layer as Layer.Layer<Transport.Transport, never, any>).pipe(
          Layer.provide(FileSystem.layerNoop({}))
        ) as Layer.Layer<Transport.Transport>,
        name: "MockTransport"
      }
    }
  } catch {
    // not there yet
  }
  return {
    layer: Layer.succeed(Transport.Transport, { send: () => Effect.succeed(response) }),
    name: "in-bench transport"
  }
}

const run = async (stack: "bare" | "full" | "logs") => {
  const transport = await transportLayer()
  let plugins: ReadonlyArray<any> = []
  let extra: Layer.Layer<never> = Layer.empty
  const label = `${stack === "logs" ? "full+logs" : stack} (${transport.name})`
  if (stack !== "bare") {
    const loaded = await Full.load(stack === "full" ? "cheap" : "logs")
    plugins = loaded.plugins
    extra = loaded.layer
  }
  const { call, close, runtime } = await ApiClient.make(transport.layer, plugins, extra)
  const loop = (n: number) => Effect.repeatN(call, n - 1)
  await runtime.runPromise(loop(warmup))
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await runtime.runPromise(loop(calls))
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  await close()
  return {
    stack: label,
    rps: Math.round(calls / (ms / 1000)),
    us_per_call: (ms * 1000) / calls,
    cpu_us_per_call: (cpu.user + cpu.system) / calls
  }
}

for (const stack of options.stacks ?? ["bare", "full", "logs"] as const) {
  process.stdout.write(JSON.stringify(await run(stack)) + "\n")
}
process.exit(0)
