/**
 * One measurement in its own process (pinned to a core by run.ts): a client, a scenario,
 * a concurrency. Prints one JSON line with the result.
 */
import { Effect } from "effect"
import * as Clients from "./clients.js"

export interface Job {
  readonly client: Clients.Name
  readonly scenario: Clients.Scenario
  readonly concurrency: number
  readonly requests: number
  readonly warmup: number
  readonly url: string
  readonly partial: boolean
}

export interface Measurement {
  readonly client: string
  readonly scenario: Clients.Scenario
  readonly concurrency: number
  readonly rps: number
  readonly p50_us: number
  readonly p99_us: number
  readonly cpu_us_per_req: number
  readonly max_rss_mb: number
}

export const promiseLoad = async (run: () => Promise<unknown>, n: number, concurrency: number, lat: Float64Array) => {
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      const t0 = performance.now()
      await run()
      lat[i] = performance.now() - t0
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

export const effectLoad = (run: Effect.Effect<unknown, unknown>, n: number, concurrency: number, lat: Float64Array) => {
  let next = 0
  const worker: Effect.Effect<void, unknown> = Effect.suspend(() => {
    if (next >= n) return Effect.void
    const i = next++
    const t0 = performance.now()
    return Effect.flatMap(run, () => {
      lat[i] = performance.now() - t0
      return worker
    })
  })
  return Effect.forEach(Array.from({ length: concurrency }), () => worker, {
    concurrency: "unbounded",
    discard: true
  })
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

export const measure = async (job: Job): Promise<Measurement | { client: string; skipped: string }> => {
  const client = await Clients.make(job.client, { url: job.url, scenario: job.scenario, partial: job.partial })
  if (typeof client === "string") return { client: job.client, skipped: client }
  const load = (n: number, lat: Float64Array): Promise<unknown> =>
    client.kind === "promise"
      ? promiseLoad(client.run, n, job.concurrency, lat)
      : client.runtime.runPromise(effectLoad(client.run, n, job.concurrency, lat))
  await load(job.warmup, new Float64Array(job.warmup))
  const lat = new Float64Array(job.requests)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await load(job.requests, lat)
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  lat.sort()
  const result: Measurement = {
    client: job.client,
    scenario: job.scenario,
    concurrency: job.concurrency,
    rps: Math.round(job.requests / seconds),
    p50_us: Math.round(percentile(lat, 0.5) * 1000),
    p99_us: Math.round(percentile(lat, 0.99) * 1000),
    cpu_us_per_req: Math.round(((cpu.user + cpu.system) / job.requests) * 10) / 10,
    max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024)
  }
  if (client.kind === "effect") {
    await client.close?.()
    await client.runtime.dispose()
  } else await client.close?.()
  return result
}

if (process.argv[2] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const jobs = JSON.parse(process.argv[2]) as ReadonlyArray<Job>
  for (const job of jobs) process.stdout.write(JSON.stringify(await measure(job)) + "\n")
  process.exit(0)
}
