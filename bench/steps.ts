/**
 * Which runtime steps one call takes: every step of one call (after a warm-up), as the
 * op the Effect runtime ran, with the source of its function and whether a span was the
 * fiber's current one (a step inside a span pays an OpenTelemetry context with a real
 * tracer). For finding steps to save; `bench/plugins.ts` counts them.
 *
 *   node --import ./bench/loader.mjs bench/steps.ts [cheap|logs] [calls to warm up]
 */
import { Effect, RuntimeFlags, RuntimeFlagsPatch, Supervisor } from "effect"
import * as ApiClient from "./apiClient.js"
import * as Full from "./full.js"
import * as MemoryTransport from "./memoryTransport.js"

const stack = (process.argv[2] ?? "logs") as Full.Stack
const warm = Number(process.argv[3] ?? 100)
const transport = MemoryTransport.nextTurn()

const seen: Array<string> = []
let on = false
const describe = (e: any): string => {
  const f = e.effect_instruction_i0 ?? e.effect_instruction_i1
  const src = typeof f === "function" ? String(f).replace(/\s+/g, " ").slice(0, 110) : ""
  return `${e._op}${src === "" ? "" : "  " + src}`
}
class Steps extends Supervisor.AbstractSupervisor<void> {
  get value() {
    return Effect.void
  }
  override onEffect(fiber: any, effect: any) {
    if (on) seen.push(`${fiber.currentSpan !== undefined ? "S" : " "} ${describe(effect)}`)
  }
}

const full = await Full.load(stack)
const { call, close, runtime } = await ApiClient.make(transport, full.plugins, full.layer)
await runtime.runPromise(Effect.repeatN(call, warm - 1))
await runtime.runPromise(
  Effect.zipRight(Effect.sync(() => (on = true)), Effect.zipLeft(call, Effect.sync(() => (on = false)))).pipe(
    Effect.supervised(new Steps()),
    Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))
  )
)
seen.forEach((s, i) => console.log(String(i).padStart(3), s))
console.log(`${seen.length} steps, ${seen.filter((s) => s.startsWith("S")).length} inside a span`)
await close()
process.exit(0)
