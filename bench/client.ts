/**
 * Measurements in their own process (pinned to a core by run.ts): a list of jobs, each a
 * client, a scenario and a load. Prints one JSON line per result.
 *
 * - closed loop: `concurrency` workers, each sends its next request when the last one
 *   is answered (req/s is the client's maximum);
 * - open loop: requests are started at a fixed offered rate whatever happens, and the
 *   latency runs from each request's scheduled start (corrected for coordinated omission:
 *   a stalled client cannot hide the requests it failed to start on time);
 * - baseline: the client is built (same modules loaded) and sends nothing: its max RSS.
 *
 * The server's CPU time is read from the server (`GET /_cpu`) around each measurement.
 */
import { Effect, Exit } from "effect"
import * as Http from "node:http"
import * as Clients from "./clients.js"

export interface Job {
  readonly client: Clients.Name
  readonly scenario: Clients.Scenario
  /** The row's scenario label in the tables. */
  readonly label: string
  readonly concurrency: number
  readonly requests: number
  readonly warmup: number
  /** The http:// origin (also where the server's CPU is read). */
  readonly url: string
  /** HTTPS: the https:// origin and the CA's PEM file. */
  readonly tls?: { readonly url: string; readonly ca: string } | undefined
  readonly mode?: "closed" | "open" | "baseline" | undefined
  /** At most this many connections to the server; unlimited when undefined. */
  readonly connections?: number | undefined
  /** Open loop: offered rates (req/s), each for `seconds`. */
  readonly rates?: ReadonlyArray<number> | undefined
  readonly seconds?: number | undefined
}

export interface Measurement {
  readonly client: string
  readonly label: string
  readonly concurrency: number
  readonly rps: number
  readonly p50_us: number
  readonly p99_us: number
  readonly p999_us: number
  readonly cpu_us_per_req: number
  readonly max_rss_mb: number
  /** The server process's CPU during the measurement, as a share of one core. */
  readonly server_cpu: number
  readonly server_us_per_req: number
  readonly errors: number
  /** The logs stack: bytes written to its log file per request. */
  readonly log_bytes_per_req?: number
  /** Open loop: the offered rate, and requests not started because 10,000 were in flight. */
  readonly offered?: number
  readonly dropped?: number
}

export const promiseLoad = async (
  run: (k: number) => Promise<unknown>,
  n: number,
  concurrency: number,
  lat: Float64Array
) => {
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      const t0 = performance.now()
      await run(i)
      lat[i] = performance.now() - t0
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

export const effectLoad = (
  run: (k: number) => Effect.Effect<unknown, unknown>,
  n: number,
  concurrency: number,
  lat: Float64Array
) => {
  let next = 0
  const worker: Effect.Effect<void, unknown> = Effect.suspend(() => {
    if (next >= n) return Effect.void
    const i = next++
    const t0 = performance.now()
    return Effect.flatMap(run(i), () => {
      lat[i] = performance.now() - t0
      return worker
    })
  })
  return Effect.forEach(Array.from({ length: concurrency }), () => worker, {
    concurrency: "unbounded",
    discard: true
  })
}

const maxInFlight = 10_000

/** The body size each body scenario's answer must have (bench/server.mjs). */
const expectedSize: Partial<Record<Clients.Scenario, number>> = {
  GET10K: 10_000,
  GET100K: 100_000,
  DL10M: 10 * 1024 * 1024
}

/** Starts request i at `start + i / rate`; latency from that scheduled time. */
const openLoop = (
  launch: (k: number, done: (ok: boolean) => void) => void,
  rate: number,
  seconds: number
): Promise<{ lat: Float64Array; completed: number; errors: number; dropped: number; wall: number }> =>
  new Promise((resolve) => {
    const n = Math.max(1, Math.round(rate * seconds))
    const lat = new Float64Array(n)
    const interval = 1000 / rate
    let i = 0
    let inFlight = 0
    let completed = 0
    let errors = 0
    let dropped = 0
    let finished = 0
    const start = performance.now()
    const finish = () => {
      if (++finished === n) {
        resolve({ lat: lat.subarray(0, completed), completed, errors, dropped, wall: performance.now() - start })
      }
    }
    const tick = () => {
      const now = performance.now()
      while (i < n && start + i * interval <= now) {
        const scheduled = start + i * interval
        const k = i++
        if (inFlight >= maxInFlight) {
          dropped++
          finish()
          continue
        }
        inFlight++
        launch(k, (ok) => {
          inFlight--
          if (ok) lat[completed++] = performance.now() - scheduled
          else errors++
          finish()
        })
      }
      if (i < n) setTimeout(tick, Math.max(0, start + i * interval - performance.now()))
    }
    tick()
  })

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

const serverCpu = (url: string): Promise<number> =>
  new Promise((resolve) => {
    Http.get(`${url}/_cpu`, { agent: false }, (res) => {
      let text = ""
      res.on("data", (d) => (text += d))
      res.on("end", () => {
        const c = JSON.parse(text) as { user: number; system: number }
        resolve(c.user + c.system)
      })
    }).on("error", () => resolve(NaN))
  })

const us = (ms: number) => Math.round(ms * 1000)

export const measure = async (
  job: Job
): Promise<Array<Measurement | { client: string; label: string; skipped: string }>> => {
  let client: Clients.Client
  try {
    client = await Clients.make(job.client, {
      url: job.tls?.url ?? job.url,
      scenario: job.scenario,
      ca: job.tls?.ca,
      connections: job.connections
    })
  } catch (e) {
    return [{ client: job.client, label: job.label, skipped: e instanceof Error ? e.message : String(e) }]
  }
  const close = async () => {
    await client.close?.()
    if (client.kind === "effect") await client.runtime.dispose()
  }
  const rss = () => Math.round(process.resourceUsage().maxRSS / 1024)
  const base = { client: job.client, label: job.label, concurrency: job.concurrency }
  if (job.mode === "baseline") {
    await close()
    return [{
      ...base,
      rps: 0,
      p50_us: 0,
      p99_us: 0,
      p999_us: 0,
      cpu_us_per_req: 0,
      max_rss_mb: rss(),
      server_cpu: 0,
      server_us_per_req: 0,
      errors: 0
    }]
  }
  const load = (n: number, lat: Float64Array): Promise<unknown> =>
    client.kind === "promise"
      ? promiseLoad(client.run, n, job.concurrency, lat)
      : client.runtime.runPromise(effectLoad(client.run, n, job.concurrency, lat))
  // one answer checked before any measurement: a body scenario must get its body (the full
  // stacks add a query; a server that routed on it answered the small default body instead)
  const expected = expectedSize[job.scenario]
  if (expected !== undefined) {
    const one = client.kind === "promise" ? await client.run(0) : await client.runtime.runPromise(client.run(0))
    const size = typeof one === "number" ? one : JSON.stringify(one).length
    if (size < expected * 0.9) {
      await close()
      throw new Error(`${job.client} ${job.scenario}: the answer has ${size} bytes, expected ~${expected}`)
    }
  }
  await load(job.warmup, new Float64Array(job.warmup))
  const logBytes = () => (client.kind === "effect" ? client.logBytes?.() ?? 0 : 0)
  const out: Array<Measurement> = []

  if (job.mode === "open") {
    const launch = client.kind === "promise"
      ? (k: number, done: (ok: boolean) => void) => {
        client.run(k).then(() => done(true), () => done(false))
      }
      : (k: number, done: (ok: boolean) => void) => {
        client.runtime.runCallback(client.run(k), { onExit: (exit) => done(Exit.isSuccess(exit)) })
      }
    // a discarded second at the first rate: the closed-loop warm-up leaves 32 connections
    // and code warmed for C=32; an open loop's first moments open more connections, and a
    // client that falls behind there never catches up (every row's 50 % read "overloaded")
    const first = job.rates?.[0]
    if (first !== undefined) await openLoop(launch, first, Math.min(1, job.seconds ?? 3))
    for (const rate of job.rates ?? []) {
      const s0 = await serverCpu(job.url)
      const cpu0 = process.cpuUsage()
      const r = await openLoop(launch, rate, job.seconds ?? 3)
      const cpu = process.cpuUsage(cpu0)
      const s1 = await serverCpu(job.url)
      const lat = Float64Array.from(r.lat).sort()
      out.push({
        ...base,
        rps: Math.round(r.completed / (r.wall / 1000)),
        p50_us: us(percentile(lat, 0.5)),
        p99_us: us(percentile(lat, 0.99)),
        p999_us: us(percentile(lat, 0.999)),
        cpu_us_per_req: Math.round(((cpu.user + cpu.system) / Math.max(1, r.completed)) * 10) / 10,
        max_rss_mb: rss(),
        server_cpu: Math.round(((s1 - s0) / (r.wall * 1000)) * 100) / 100,
        server_us_per_req: Math.round(((s1 - s0) / Math.max(1, r.completed)) * 10) / 10,
        errors: r.errors,
        offered: Math.round(rate),
        dropped: r.dropped
      })
    }
    await close()
    return out
  }

  const lat = new Float64Array(job.requests)
  const s0 = await serverCpu(job.url)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await load(job.requests, lat)
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const s1 = await serverCpu(job.url)
  lat.sort()
  await close()
  // the file Logger writes in batches: the file is complete once the runtime is closed
  const logged = logBytes()
  out.push({
    ...base,
    rps: Math.round(job.requests / (ms / 1000)),
    p50_us: us(percentile(lat, 0.5)),
    p99_us: us(percentile(lat, 0.99)),
    p999_us: us(percentile(lat, 0.999)),
    cpu_us_per_req: Math.round(((cpu.user + cpu.system) / job.requests) * 10) / 10,
    max_rss_mb: rss(),
    server_cpu: Math.round(((s1 - s0) / (ms * 1000)) * 100) / 100,
    server_us_per_req: Math.round(((s1 - s0) / job.requests) * 10) / 10,
    errors: 0,
    ...(client.kind === "effect" && client.logBytes !== undefined
      ? { log_bytes_per_req: Math.round(logged / (job.warmup + job.requests)) }
      : {})
  })
  return out
}

if (process.argv[2] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const jobs = JSON.parse(process.argv[2]) as ReadonlyArray<Job>
  for (const job of jobs) for (const r of await measure(job)) process.stdout.write(JSON.stringify(r) + "\n")
  process.exit(0)
}
