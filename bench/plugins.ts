/**
 * What each plugin of the full stack costs on its own: CPU µs per call of the bare client
 * plus one plugin, over an in-memory transport that answers on the next turn of the event
 * loop (so timers and waits are as real as over the network), 32 calls at a time.
 *
 *   tsx bench/plugins.ts [calls]
 */
import { ServiceClient, Transport } from "@service-client/core"
import { Effect, Exit, Layer, ManagedRuntime, Scope, Stream } from "effect"
import { Api } from "./api.js"
import * as Full from "./full.js"

const calls = Number(process.argv[2] ?? 40_000)
const concurrency = 32
const body = new TextEncoder().encode(JSON.stringify({ id: 12345, username: "benchmark-user", active: true }))
const response: Transport.Response = {
  status: 200,
  headers: { "content-type": "application/json", "content-length": String(body.length) },
  read: () => Effect.succeed(body),
  stream: Stream.make(body)
}
// like the Node transport: a timer per call while a deadline is set, cleared on the answer
const transport = Layer.succeed(Transport.Transport, {
  honoursDeadline: true,
  send: (session) =>
    Effect.async<Transport.Response>((resume) => {
      const timer = session.deadline === undefined ? undefined : setTimeout(() => {}, session.deadline.at - Date.now())
      setImmediate(() => {
        if (timer !== undefined) clearTimeout(timer)
        resume(Effect.succeed(response))
      })
    })
})

const measure = async (plugins: ReadonlyArray<any>, layer: Layer.Layer<never>) => {
  const runtime = ManagedRuntime.make(Layer.mergeAll(transport, layer))
  const scope = await runtime.runPromise(Scope.make())
  const client = await runtime.runPromise(
    Scope.extend(ServiceClient.make(Api, { name: "bench", baseUrl: "http://127.0.0.1:1", plugins }), scope) as Effect.Effect<
      ServiceClient.Client<typeof Api>
    >
  )
  const call = client.getItem({ version: "v1", id: 1 })
  const load = (n: number) =>
    Effect.forEach(Array.from({ length: concurrency }), () => Effect.repeatN(call, Math.ceil(n / concurrency) - 1), {
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

const full = await Full.load()
const rows: Array<[string, number]> = []
const bare = await measure([], Layer.empty)
rows.push(["bare", bare])
for (let i = 0; i < Full.required.length; i++) {
  rows.push([`+${Full.required[i]}`, (await measure([full.plugins[i]], full.layer)) - bare])
}
rows.push(["full", await measure(full.plugins, full.layer)])
for (let i = 0; i < Full.required.length; i++) {
  rows.push([`full -${Full.required[i]}`, (await measure(full.plugins.filter((_, j) => j !== i), full.layer))])
}
rows.push(["bare again", await measure([], Layer.empty)])
for (const [name, us] of rows) console.log(name.padEnd(16), us.toFixed(1).padStart(7), "µs")
process.exit(0)
