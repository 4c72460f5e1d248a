import { Plugin, ServiceClient } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import { Api } from "../api.js"

const [url, variant] = process.argv.slice(2)
const variants: Record<string, Array<Plugin.Plugin>> = {
  none: [],
  identity: [Plugin.make("id", { aroundSend: (_s, send) => send }, { honoursDeadline: true })],
  suspend: [Plugin.make("id", { aroundSend: (_s, send) => Effect.suspend(() => send) }, { honoursDeadline: true })],
  mask: [Plugin.make("mask", { aroundSend: (_s, send) => Effect.uninterruptibleMask((restore) => restore(send)) }, { honoursDeadline: true })],
  uninterruptible: [Plugin.make("u", { aroundSend: (_s, send) => Effect.uninterruptible(send) }, { honoursDeadline: true })],
  match: [Plugin.make("m", { aroundSend: (_s, send) => Effect.matchCauseEffect(send, { onFailure: Effect.failCause, onSuccess: Effect.succeed }) }, { honoursDeadline: true })]
}
const { Pool, RateLimit, Timeout } = await import("@service-client/plugins")
const effectful: Record<string, Array<any>> = {
  pool: [Pool.make({ limit: 64 })],
  pool1000: [Pool.make({ limit: 1000 })],
  ratelimit: [RateLimit.make({ limit: 1_000_000_000, period: "1 second" })],
  timeout: [Timeout.make({ timeout: "10 seconds" })]
}
Object.assign(variants, effectful)
{
  const Full = await import("../full.js")
  const loaded = await Full.load()
  ;(variants as any).full = loaded.plugins
}
const { Logger, LogLevel } = await import("effect")
const runtime = ManagedRuntime.make(Layer.merge(NodeTransport.layer, Logger.minimumLogLevel(LogLevel.Info)))
const scope = await runtime.runPromise(Scope.make())
const client = await runtime.runPromise(Scope.extend(ServiceClient.make(Api, { name: "bench", baseUrl: url!, plugins: variants[variant!]! }), scope) as any) as any
let blocked = 0
let inflight = 0
let maxInflight = 0
const run = process.env.EXP_COUNT === undefined ? client.getItem({ version: "v1", id: 1 }) : Effect.suspend(() => {
  inflight++
  maxInflight = Math.max(maxInflight, inflight)
  return Effect.map(client.call("getItem", { version: "v1", id: 1 }), (r: any) => {
    inflight--
    if (r.attributes.blockedByPool > 0) blocked++
  })
})
const load = (n: number) => {
  let next = 0
  const worker: Effect.Effect<void, unknown> = Effect.suspend(() => next++ >= n ? Effect.void : Effect.flatMap(run, () => worker))
  return runtime.runPromise(Effect.forEach(Array.from({ length: 32 }), () => worker, { concurrency: "unbounded", discard: true }))
}
await load(5000)
{
  const { Scheduler } = await import("effect")
  let steps = 0
  const counting: any = { scheduleTask: (t: any, p: any) => Scheduler.defaultScheduler.scheduleTask(t, p), shouldYield: (f: any) => { steps++; return Scheduler.defaultScheduler.shouldYield(f) } }
  await runtime.runPromise(Effect.withScheduler(Effect.repeatN(run, 999), counting))
  console.log("steps/call", steps / 1000)
}
const cpu0 = process.cpuUsage()
const t0 = performance.now()
await load(60000)
const s = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
const sockets = process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length
console.log(variant, "sockets", sockets, "blocked", blocked, "maxInflight", maxInflight, Math.round(60000 / s), "req/s", ((cpu.user + cpu.system) / 60000).toFixed(1), "µs/req", Math.round(process.resourceUsage().maxRSS / 1024), "MB")
await runtime.runPromise(Scope.close(scope, Exit.void))
process.exit(0)
