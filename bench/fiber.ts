/**
 * What a fiber per call costs: the open loop starts each request in a root fiber of its
 * own (`runtime.runCallback`, as a program that calls the client per incoming request
 * does), where the closed-loop scenarios run every call in one of 32 long-lived fibers.
 * CPU µs per call over an in-memory transport answering on the next event-loop turn, 32
 * calls in flight, in paired blocks (the order rotating) for the bare client and the
 * cheap full stack:
 *   in a fiber      the call in one of 32 fibers that loop,
 *   a root fiber    each call in a root fiber of its own,
 *   launch only     a root fiber per call whose work is only the next-turn wait (no
 *                   client): what Effect's runtime costs per fiber started.
 *
 *   node --import ./bench/loader.mjs bench/fiber.ts '{"quick":false}'
 */
import { Effect, Exit, Layer } from "effect"
import * as ApiClient from "./apiClient.js"
import * as Full from "./full.js"
import * as MemoryTransport from "./memoryTransport.js"

const options = JSON.parse(process.argv[2] ?? "{}") as { quick?: boolean }
const perBlock = options.quick ? 2_000 : 20_000
const blocks = options.quick ? 1 : 7
const concurrency = 32

const nextTurn = Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void)))

const stack = async (name: string, plugins: ReadonlyArray<any>, layer: Layer.Layer<never>) => {
  const { call, close, runtime } = await ApiClient.make(MemoryTransport.nextTurn(), plugins, layer)
  const inFibers = (n: number) => runtime.runPromise(ApiClient.inFibers(call, n, concurrency))
  // `concurrency` root fibers in flight, a new one started as each ends
  const roots = (effect: Effect.Effect<unknown, unknown>) => (n: number) =>
    new Promise<void>((resolve, reject) => {
      let left = n
      let active = 0
      const start = () => {
        while (active < concurrency && left > 0) {
          left--
          active++
          runtime.runCallback(effect, {
            onExit: (exit) => {
              active--
              if (Exit.isFailure(exit)) return reject(new Error("a call failed"))
              if (left === 0 && active === 0) resolve()
              else start()
            }
          })
        }
      }
      start()
    })
  return { name, ways: [inFibers, roots(call), roots(nextTurn)] as const, close }
}

const cpu = async (run: (n: number) => Promise<unknown>) => {
  const c0 = process.cpuUsage()
  await run(perBlock)
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / perBlock
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const full = await Full.load("cheap")
const stacks = [await stack("bare", [], Layer.empty), await stack("cheap full", full.plugins, full.layer)]
for (const s of stacks) for (const way of s.ways) await way(perBlock)
const runs = stacks.map((s) => s.ways.map(() => [] as Array<number>))
for (let b = 0; b < blocks; b++) {
  for (let k = 0; k < stacks.length * 3; k++) {
    const i = (k + b) % (stacks.length * 3)
    const s = Math.floor(i / 3)
    runs[s]![i % 3]!.push(await cpu(stacks[s]!.ways[i % 3]!))
  }
}
for (const s of stacks) await s.close()
stacks.forEach((s, i) => {
  const [inFiber, root, launch] = runs[i]!.map(median)
  process.stdout.write(
    JSON.stringify({ stack: s.name, in_fiber_us: inFiber, root_fiber_us: root, launch_only_us: launch }) + "\n"
  )
})
process.exit(0)
