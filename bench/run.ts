/**
 * `npm run bench`: the loopback server (HTTP and HTTPS, a CA made for the bench) in its
 * own process on one core, each client in fresh processes on the other core, the clients
 * interleaved round by round; every ratio is the median over rounds of the ratio to
 * undici.request in the same round. Then the in-memory costs (pipeline, plugins, a log
 * record) and a 100,000-call memory run of the mix with logs on. Ends with the issue's
 * targets, each with its measured value.
 *
 *   npm run bench                      full run: writes bench/results.json and bench/RESULTS.md
 *   npm run bench -- --quick           smoke run (~40 s, every scenario a little): writes nothing
 *   options: --rounds N --scale X (requests per scenario × X) --only a,b (clients)
 *            --no-extra (skip the in-memory and memory runs)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { Job, Measurement } from "./client.js"
import * as Clients from "./clients.js"
import * as Tls from "./tls.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const flag = (name: string) => args.includes(`--${name}`)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const quick = flag("quick")
const rounds = option("rounds", quick ? 1 : 3)
const scale = option("scale", quick ? 0.02 : 1)
const warmupOf = (requests: number) => Math.max(20, Math.round(requests / 5))
const onlyIndex = args.indexOf("--only")
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1]!.split(",")) : undefined

type Name = Clients.Name
const classic: ReadonlyArray<Name> = [
  "undici.dispatch",
  "undici.request",
  "fetch",
  "axios",
  "got",
  "ky",
  "platform-undici",
  "platform-undici-notracer",
  "platform-fetch",
  "sc-bare-platform",
  "sc-bare-node",
  "sc-full-node",
  "sc-logs-node"
]
const core: ReadonlyArray<Name> = [
  "undici.dispatch",
  "undici.request",
  "platform-undici",
  "sc-bare-node",
  "sc-full-node",
  "sc-logs-node"
]

interface Plan {
  readonly label: string
  readonly section: string
  readonly scenario: Clients.Scenario
  readonly concurrency: number
  readonly requests: number
  readonly clients: ReadonlyArray<Name>
  readonly tls?: boolean
}

const n = (x: number) => Math.max(quick ? 4 : 10, Math.round(x * scale))
/** Closed-loop scenarios: each client runs its own in one process per round. */
const plans: ReadonlyArray<Plan> = [
  { section: "classic", label: "GET, C=1", scenario: "GET", concurrency: 1, requests: n(3_000), clients: core },
  {
    section: "classic",
    label: "GET, C=32",
    scenario: "GET",
    concurrency: 32,
    requests: n(8_000),
    clients: [...classic, "undici-effect", "undici-effect-logs", "platform-logs", "sc-pool8-node"]
  },
  {
    section: "classic",
    label: "POST 1 KB, C=32",
    scenario: "POST",
    concurrency: 32,
    requests: n(6_000),
    clients: core
  },
  {
    section: "mix",
    label: "20-endpoint mix, C=32",
    scenario: "MIX",
    concurrency: 32,
    requests: n(8_000),
    clients: core
  },
  {
    section: "bodies",
    label: "GET 10 KB JSON, C=32",
    scenario: "GET10K",
    concurrency: 32,
    requests: n(4_000),
    clients: core
  },
  {
    section: "bodies",
    label: "GET 100 KB JSON, C=16",
    scenario: "GET100K",
    concurrency: 16,
    requests: n(1_000),
    clients: core
  },
  {
    section: "bodies",
    label: "POST 100 KB JSON, C=16",
    scenario: "POST100K",
    concurrency: 16,
    requests: n(1_000),
    clients: core
  },
  {
    section: "bodies",
    label: "GET 10 MB streamed, C=4",
    scenario: "DL10M",
    concurrency: 4,
    requests: n(24),
    clients: core
  },
  {
    section: "https",
    label: "HTTPS GET, C=32 (keep-alive)",
    scenario: "GET",
    concurrency: 32,
    requests: n(8_000),
    clients: core,
    tls: true
  }
]
const openClients: ReadonlyArray<Name> = [
  "undici.request",
  "undici-effect",
  "platform-undici",
  "sc-bare-node",
  "sc-full-node",
  "sc-logs-node"
]
const openSeconds = quick ? 0.4 : 2
const enabled = (c: Name) => only === undefined || only.has(c)

const hasTaskset = (() => {
  if (Os.availableParallelism() < 2 || process.platform !== "linux") return false
  try {
    execFileSync("taskset", ["-c", "0", "true"])
    return true
  } catch {
    return false
  }
})()
/** Runs node on a core (when there are two and taskset exists). */
const node = (core: number, nodeArgs: ReadonlyArray<string>, env?: Record<string, string>): ChildProcess => {
  const options = { stdio: ["pipe", "pipe", "inherit"] as Array<"pipe" | "inherit">, env: { ...process.env, ...env } }
  return hasTaskset
    ? spawn("taskset", ["-c", String(core), process.execPath, ...nodeArgs], options)
    : spawn(process.execPath, nodeArgs, options)
}

// the TypeScript of this project runs as compiled code would: stripped by esbuild without
// tsx's keepNames (which adds an Object.defineProperty to every closure made per call)
const tsx = ["--import", pathToFileURL(Path.join(here, "loader.mjs")).href]

const runChild = (nodeArgs: ReadonlyArray<string>, env?: Record<string, string>): Promise<Array<any>> =>
  new Promise((resolve, reject) => {
    const child = node(0, nodeArgs, env)
    let out = ""
    child.stdout!.on("data", (d) => (out += d))
    child.on("error", reject)
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${nodeArgs.join(" ")} exited with ${code}`))
      resolve(out.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l)))
    })
  })
const runJobs = (jobs: ReadonlyArray<Job>, env?: Record<string, string>) =>
  runChild([...tsx, Path.join(here, "client.ts"), JSON.stringify(jobs)], env)

const tls = Tls.make()
const startServer = (): Promise<{ url: string; tlsUrl: string | undefined; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const env = tls === undefined ? {} : { BENCH_TLS_CERT: tls.cert, BENCH_TLS_KEY: tls.key }
    const child = node(1, [Path.join(here, "server.mjs")], env)
    child.on("error", reject)
    child.stdout!.once("data", (d) => {
      const { port, tlsPort } = JSON.parse(String(d))
      resolve({
        url: `http://127.0.0.1:${port}`,
        tlsUrl: tlsPort === undefined ? undefined : `https://127.0.0.1:${tlsPort}`,
        child
      })
    })
  })

const median = (xs: ReadonlyArray<number>) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const pad = (s: string, w: number) => (s.length >= w ? s : s + " ".repeat(w - s.length))
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "-")
const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => pad(c, widths[i]!)).join(" | ")} |`
  return [
    line(head),
    `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ")} |`,
    ...rows.map(line)
  ]
}

type Sample = Measurement & { readonly round: number }

const main = async () => {
  const started = Date.now()
  const server = await startServer()
  const samples: Array<Sample> = []
  const skipped = new Map<string, string>()
  const baseline = new Map<string, number>()
  const rates: Array<{ round: number; rate: number; limit: number }> = []
  const collect = (round: number, results: ReadonlyArray<any>) => {
    for (const r of results) {
      if ("skipped" in r) skipped.set(`${r.client} (${r.label})`, r.skipped)
      else samples.push({ ...r, round })
    }
  }
  const allClients = [...new Set(plans.flatMap((p) => p.clients))].filter(enabled)
  const jobsOf = (client: Name): Array<Job> =>
    plans.filter((p) => p.clients.includes(client) && (p.tls !== true || server.tlsUrl !== undefined)).map((p) => ({
      client,
      scenario: p.scenario,
      label: p.label,
      concurrency: p.concurrency,
      requests: p.requests,
      warmup: warmupOf(p.requests),
      url: server.url,
      tls: p.tls === true ? { url: server.tlsUrl!, ca: tls!.ca } : undefined
    }))
  const of = (label: string, client: string, round?: number) =>
    samples.filter((m) => m.label === label && m.client === client && (round === undefined || m.round === round))
  try {
    // RSS of a process that loads the same modules, builds the client and sends nothing
    for (
      const client of quick
        ? allClients.filter((c) => c === "undici.request" || c === "sc-logs-node")
        : allClients
    ) {
      const [r] = await runJobs([{ ...jobsOf(client)[0]!, mode: "baseline" }])
      if (r !== undefined && !("skipped" in r)) baseline.set(client, r.max_rss_mb)
    }
    for (let round = 0; round < rounds; round++) {
      // rotate the order each round so no client always runs first or last
      const order = allClients.map((_, i) => allClients[(i + round) % allClients.length]!)
      if (quick) collect(round, await runJobs(order.flatMap(jobsOf)))
      else {
        for (const client of order) {
          collect(round, await runJobs(jobsOf(client)))
          process.stderr.write(".")
        }
      }
      // RateLimit at 80 % of sc-full-node's own maximum (GET C=32) in this round
      const fullMax = of("GET, C=32", "sc-full-node", round)[0]?.rps
      if (fullMax !== undefined && enabled("sc-rate-node")) {
        const limit = Math.round(fullMax * 0.8)
        const requests = n(Math.min(10_000, limit * 2))
        collect(
          round,
          await runJobs([{
            client: "sc-rate-node",
            scenario: "GET",
            label: "GET, C=32",
            concurrency: 32,
            requests,
            warmup: Math.min(limit, 2_000),
            url: server.url
          }], {
            BENCH_RATE: String(limit)
          })
        )
        rates.push({ round, rate: fullMax, limit })
      }
      // open loop at 50 % and 80 % of undici.request's maximum (GET C=32) in this round
      const undiciMax = of("GET, C=32", "undici.request", round)[0]?.rps
      if (undiciMax !== undefined) {
        const offered = [0.5, 0.8].map((f) => Math.round(undiciMax * f))
        const order = openClients.filter(enabled).map((_, i, xs) => xs[(i + round) % xs.length]!)
        const openJob = (client: Name): Job => ({
          client,
          scenario: "GET",
          label: "open",
          concurrency: 32,
          requests: 0,
          warmup: n(3_000),
          url: server.url,
          mode: "open",
          rates: offered,
          seconds: openSeconds
        })
        const label = (results: ReadonlyArray<any>) =>
          results.map((
            r
          ) => ("skipped" in r ? r : { ...r, label: `open ${Math.round((r.offered / undiciMax) * 100)} %` }))
        // --quick: every client in one process; else a process per client
        if (quick) collect(round, label(await runJobs(order.map(openJob))))
        else {
          for (const client of order) {
            collect(round, label(await runJobs([openJob(client)])))
            process.stderr.write("o")
          }
        }
      }
      process.stderr.write(` round ${round + 1}/${rounds}\n`)
    }
  } catch (e) {
    server.child.kill("SIGTERM")
    throw e
  }

  /** Median over rounds of a client's value ÷ undici.request's in the same round. */
  const ratio = (
    label: string,
    client: string,
    get: (m: Measurement) => number,
    base = "undici.request",
    baseLabel = label
  ) =>
    median(
      of(label, client).map((m) => {
        const b = of(baseLabel, base, m.round)[0]
        return b === undefined ? NaN : get(m) / get(b)
      })
    )
  const med = (label: string, client: string, get: (m: Measurement) => number) => median(of(label, client).map(get))

  const lines: Array<string> = []
  const sectionTitle: Record<string, string> = {
    classic: "Classic scenarios",
    mix: "A 20-endpoint mix (varied templates, ids, query and headers, interleaved)",
    bodies: "Bodies",
    https: "HTTPS (a CA made for the bench, keep-alive)"
  }
  let lastSection = ""
  for (const p of plans) {
    if (p.tls === true && server.tlsUrl === undefined) {
      lines.push("", `### ${p.label}: skipped (no openssl to make the bench's CA)`)
      continue
    }
    if (p.section !== lastSection) lines.push("", `## ${sectionTitle[p.section]}`)
    lastSection = p.section
    const rows: Array<Array<string>> = []
    const clients = p.label === "GET, C=32" ? [...p.clients, "sc-rate-node" as const] : p.clients
    for (const client of clients) {
      if (of(p.label, client).length === 0) continue
      const rss = med(p.label, client, (m) => m.max_rss_mb)
      const b = baseline.get(client)
      const logs = med(p.label, client, (m) => m.log_bytes_per_req ?? NaN)
      const name = client === "sc-rate-node" && rates.length > 0
        ? `sc-rate-node (limit ${Math.round(median(rates.map((r) => r.limit)))}/s)`
        : client
      rows.push([
        name,
        String(Math.round(med(p.label, client, (m) => m.rps))),
        fmt(ratio(p.label, client, (m) => m.rps)),
        String(Math.round(med(p.label, client, (m) => m.p50_us))),
        String(Math.round(med(p.label, client, (m) => m.p99_us))),
        String(Math.round(med(p.label, client, (m) => m.p999_us))),
        fmt(med(p.label, client, (m) => m.cpu_us_per_req), 1),
        fmt(ratio(p.label, client, (m) => m.cpu_us_per_req)),
        fmt(med(p.label, client, (m) => m.server_cpu)),
        String(Math.round(rss)),
        b === undefined ? "-" : String(Math.round(rss - b)),
        Number.isFinite(logs) ? String(Math.round(logs)) : ""
      ])
    }
    lines.push(
      "",
      `### ${p.label} (${p.requests} requests after ${warmupOf(p.requests)} warm-up; medians of ${rounds} rounds)`,
      ""
    )
    lines.push(
      ...table(
        [
          "client",
          "req/s",
          "x undici",
          "p50 µs",
          "p99 µs",
          "p99.9 µs",
          "CPU µs/req",
          "CPU x",
          "server CPU",
          "RSS MB",
          "RSS - baseline",
          "log B/req"
        ],
        rows
      )
    )
    if (p.label === "GET, C=32") {
      const paired = (client: string) => ratio(p.label, client, (m) => m.rps, "sc-bare-node")
      lines.push(
        "",
        `Round by round: sc-full-node ÷ sc-bare-node req/s ${
          fmt(paired("sc-full-node"))
        }; sc-logs-node ÷ sc-bare-node ${fmt(paired("sc-logs-node"))}.`
      )
      if (rates.length > 0) {
        const achieved = median(rates.map((r) => (of(p.label, "sc-rate-node", r.round)[0]?.rps ?? NaN) / r.limit))
        lines.push(
          `sc-pool8-node: Pool 8 at C=32 (24 calls wait at every moment). sc-rate-node: RateLimit at 80 % of sc-full-node's maximum in the same round; it reached ${
            fmt(achieved)
          } × its limit.`
        )
      }
    }
  }

  // open loop
  const openLabels = [...new Set(samples.filter((m) => m.label.startsWith("open")).map((m) => m.label))].sort()
  if (openLabels.length > 0) {
    lines.push("", "## Open loop (fixed offered rate, GET; latency from each request's scheduled start)", "")
    lines.push(
      `Requests are started at a fixed rate whatever the client does (${openSeconds} s per rate after a discarded ${
        Math.min(1, openSeconds)
      } s at the first one, up to 10,000 in flight), at 50 % and 80 % of undici.request's maximum (GET C=32) in the same round; p50/p99/p99.9 run from each request's scheduled start, so a client that falls behind pays for every request it could not start on time (no coordinated omission). Every Effect client (undici-effect, platform-undici, sc-*) runs each request in a root fiber of its own, which the closed-loop scenarios do not pay: see "A fiber per call" below.`,
      ""
    )
    const rows: Array<Array<string>> = []
    for (const label of openLabels) {
      for (const client of openClients) {
        if (of(label, client).length === 0) continue
        const overloaded = median(of(label, client).map((m) => m.rps / (m.offered ?? 1))) < 0.95
        rows.push([
          `${label}: ${client}`,
          String(Math.round(med(label, client, (m) => m.offered ?? 0))),
          String(Math.round(med(label, client, (m) => m.rps))) + (overloaded ? " (overloaded)" : ""),
          String(Math.round(med(label, client, (m) => m.p50_us))),
          String(Math.round(med(label, client, (m) => m.p99_us))),
          fmt(ratio(label, client, (m) => m.p99_us)),
          String(Math.round(med(label, client, (m) => m.p999_us))),
          fmt(med(label, client, (m) => m.cpu_us_per_req), 1),
          fmt(med(label, client, (m) => m.server_cpu)),
          String(Math.round(med(label, client, (m) => (m.dropped ?? 0) + m.errors)))
        ])
      }
    }
    lines.push(
      ...table([
        "rate: client",
        "offered/s",
        "achieved/s",
        "p50 µs",
        "p99 µs",
        "p99 x undici",
        "p99.9 µs",
        "CPU µs/req",
        "server CPU",
        "dropped+errors"
      ], rows)
    )
  }
  for (const [client, why] of skipped) lines.push("", `${client}: skipped (${why})`)
  lines.push(
    "",
    "Columns: `x undici` is the median over rounds of the ratio to undici.request in the same round (req/s: higher is better; CPU: lower is better). `CPU µs/req` is the client process's user + system CPU per request; `server CPU` is the server process's CPU during the measurement as a share of one core (near 1.00: the server is the bottleneck); `RSS - baseline` is the client process's max RSS minus that of a process that loads the same modules, builds the client and sends nothing; `log B/req` is what the logs stack wrote to its log file per request."
  )

  const extra: Array<string> = []
  let logcost: any
  let memory: Array<any> = []
  if (!flag("no-extra")) {
    const pipeline = await runChild([...tsx, Path.join(here, "pipeline.ts"), JSON.stringify({ quick })])
    extra.push("", "## In memory (no network)", "", "### Pipeline cost per call (in-memory transport, sequential)", "")
    extra.push(
      ...table(
        ["stack", "calls/s", "µs/call", "CPU µs/call"],
        pipeline.map((p) => [p.stack, String(p.rps), fmt(p.us_per_call), fmt(p.cpu_us_per_call)])
      )
    )
    ;[logcost] = await runChild([...tsx, Path.join(here, "logcost.ts"), JSON.stringify({ quick })])
    extra.push(
      "",
      "### A log record (in-memory transport, paired blocks; 4 records per call)",
      "",
      ...table(["", "CPU µs"], [
        ["call, no logger", fmt(logcost.call_us)],
        ["call, both loggers off (under the minimum level)", fmt(logcost.off_call_us)],
        ["call, both loggers writing (LogFormat, JSON lines, file)", fmt(logcost.written_call_us)],
        ["one record, off", fmt(logcost.record_off_us)],
        ["one record, written", fmt(logcost.record_written_us)],
        ["one record, handed to a Logger that does nothing", fmt(logcost.record_handed_us)],
        ["one record, rendered by LogFormat (line dropped)", fmt(logcost.record_rendered_us)]
      ]),
      "",
      `${Math.round(logcost.bytes_per_record)} bytes per record written.`
    )
    const fibers = await runChild([...tsx, Path.join(here, "fiber.ts"), JSON.stringify({ quick })])
    extra.push(
      "",
      "### A fiber per call (in-memory transport answering on the next event-loop turn, 32 in flight, paired blocks)",
      "",
      "The open loop starts each request in a root fiber of its own (`runtime.runCallback`, as a program calling the client per incoming request does); the closed-loop scenarios run every call in one of 32 fibers that loop. `launch only`: a root fiber whose work is only the next-turn wait, no client: what Effect's runtime costs per fiber started, whatever runs in it.",
      "",
      ...table(
        ["stack", "in a fiber, CPU µs/call", "a root fiber per call", "launch only"],
        fibers.map((f) => [f.stack, fmt(f.in_fiber_us, 1), fmt(f.root_fiber_us, 1), fmt(f.launch_only_us, 1)])
      )
    )
    const plugins = quick ? [] : await runChild([...tsx, Path.join(here, "plugins.ts"), JSON.stringify({ quick })])
    if (!quick) {
      extra.push(
        "",
        "### What each plugin of the cheap full stack adds (in-memory transport answering on the next event-loop turn, C=32)",
        "",
        "Effect runtime steps per call are exact (counted by a Scheduler); CPU µs are noisy (±1 µs).",
        "",
        ...table(
          ["stack", "CPU µs/call", "runtime steps/call"],
          plugins.map((p) => [p.stack, fmt(p.us, 1), String(Math.round(p.steps))])
        )
      )
    } else extra.push("", "(--quick: the plugin-by-plugin table is left out)")
    memory = await runChild([
      "--expose-gc",
      ...tsx,
      Path.join(here, "memory.ts"),
      JSON.stringify({ quick, url: server.url })
    ])
    extra.push("", "## Memory: the 20-endpoint mix, NodeTransport, C=32, after GC", "")
    extra.push(
      ...table(
        ["stack", "calls", "RSS MB", "heap used MB", "log file MB"],
        memory.map((
          m
        ) => [m.stack, String(m.calls), fmt(m.rss_mb, 1), fmt(m.heap_mb, 1), fmt(m.log_bytes / 2 ** 20, 1)])
      )
    )
    for (
      const r of [
        { stack: "### Resilience plugins: CPU µs added per call over bare (bench/resilience.ts)" },
        ...await runChild([...tsx, Path.join(here, "resilience.ts"), JSON.stringify({ quick })])
      ]
    ) extra.push(r.us === undefined ? `\n${r.stack}\n` : `- ${r.stack}: +${fmt(r.us)} µs (bare ${fmt(r.bare)} µs)`)
    for (const r of await runChild(["--expose-gc", ...tsx, Path.join(here, "openapi.ts"), JSON.stringify({ quick })])) {
      extra.push(r.line)
    }
  }

  // the issue's targets, each with its measured value
  const t: Array<[string, string, boolean | undefined]> = []
  const check = (x: number, ok: (x: number) => boolean) => (Number.isFinite(x) ? ok(x) : undefined)
  if (logcost !== undefined) {
    t.push([
      "a log record written ≤ 5 µs CPU",
      `${fmt(logcost.record_written_us)} µs`,
      check(logcost.record_written_us, (x) => x <= 5)
    ])
    t.push([
      "a log record, logger off ≤ 0.3 µs CPU",
      `${fmt(logcost.record_off_us)} µs`,
      check(logcost.record_off_us, (x) => x <= 0.3)
    ])
  }
  const r = (label: string, client: string) => ratio(label, client, (m) => m.rps)
  t.push([
    "full+logs ≥ 0.50 × undici (GET C=32)",
    `${fmt(r("GET, C=32", "sc-logs-node"))} ×`,
    check(r("GET, C=32", "sc-logs-node"), (x) => x >= 0.5)
  ])
  // the peer of full+logs: the same concerns written by hand around @effect/platform's HttpClient
  const peer = r("GET, C=32", "platform-logs")
  if (Number.isFinite(peer)) {
    t.push(["(the peer: platform-logs, same concerns by hand, × undici)", `${fmt(peer)} ×`, undefined])
  }
  // its floor: one span and four message-only records through the same tracer and Logger, no library
  const logsFloor = r("GET, C=32", "undici-effect-logs")
  if (Number.isFinite(logsFloor)) {
    t.push([
      "(the floor: undici-effect-logs, one span + four records, no library, × undici)",
      `${fmt(logsFloor)} ×`,
      undefined
    ])
    const overFloor = ratio("GET, C=32", "sc-logs-node", (m) => m.rps, "undici-effect-logs")
    t.push(["(full+logs × its floor, req/s)", `${fmt(overFloor)} ×`, undefined])
  }
  const cheap = ratio("GET, C=32", "sc-full-node", (m) => m.rps, "sc-bare-node")
  t.push(["cheap full ≥ 0.85 × bare (GET C=32)", `${fmt(cheap)} ×`, check(cheap, (x) => x >= 0.85)])
  for (const client of ["sc-full-node", "sc-logs-node"]) {
    t.push([
      `mix: ${client} ≥ 0.65 × undici`,
      `${fmt(r("20-endpoint mix, C=32", client))} ×`,
      check(r("20-endpoint mix, C=32", client), (x) => x >= 0.65)
    ])
  }
  for (const client of ["sc-full-node", "sc-logs-node"]) {
    const x = r("HTTPS GET, C=32 (keep-alive)", client)
    t.push([`HTTPS: ${client} ≥ 0.85 × undici`, `${fmt(x)} ×`, check(x, (v) => v >= 0.85)])
  }
  const open80 = openLabels.find((l) => l === "open 80 %")
  for (const client of ["sc-full-node", "sc-logs-node"]) {
    const x = open80 === undefined ? NaN : ratio(open80, client, (m) => m.p99_us)
    t.push([`open loop 80 %: ${client} p99 ≤ 1.5 × undici's`, `${fmt(x)} ×`, check(x, (v) => v <= 1.5)])
  }
  // the floor of every Effect client at the same rate: undici.request in a fiber per request
  const floor80 = open80 === undefined ? NaN : ratio(open80, "undici-effect", (m) => m.p99_us)
  if (Number.isFinite(floor80)) {
    t.push([
      "(the floor: undici-effect, undici.request in a fiber per request, p99 × undici's)",
      `${fmt(floor80)} ×`,
      undefined
    ])
  }
  const logsMem = memory.filter((m) => m.stack.startsWith("full+logs"))
  if (logsMem.length >= 2) {
    const growth = logsMem[logsMem.length - 1].heap_mb - logsMem[0].heap_mb
    t.push([
      `no memory growth, mix with logs on (${logsMem[0].calls} → ${logsMem[logsMem.length - 1].calls} calls)`,
      `heap ${fmt(growth, 1)} MB`,
      check(growth, (x) => x < 2)
    ])
  }
  const targets = [
    "",
    "## Targets (issue 19)",
    "",
    ...table(["target", "measured", "holds"], t.map(([a, b, c]) => [a, b, c === undefined ? "-" : c ? "yes" : "NO"]))
  ]

  server.child.kill("SIGTERM")
  if (tls !== undefined) Fs.rmSync(tls.dir, { recursive: true, force: true })
  const seconds = Math.round((Date.now() - started) / 1000)
  const output = [...targets, ...lines, ...extra].join("\n")
  process.stdout.write(
    output +
      `\n\n${
        hasTaskset ? "pinned: server core 1, client core 0" : "not pinned (no taskset or < 2 cores)"
      }; ${seconds} s\n`
  )
  if (quick) return
  Fs.writeFileSync(Path.join(here, "results.json"), JSON.stringify(samples, null, 2) + "\n")
  const sh = (cmd: string) => {
    try {
      return execFileSync("sh", ["-c", cmd], { encoding: "utf8" }).trim()
    } catch {
      return "?"
    }
  }
  const md = [
    "# Bench results",
    "",
    `Made by \`npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}\` on ${
      new Date().toISOString()
    } (${seconds} s).`,
    "",
    `- machine: \`nproc\` = ${sh("nproc")}, CPU ${
      Os.cpus()[0]?.model ?? "?"
    }, node ${process.version}, ${Os.platform()} ${Os.release()} (the \`node-svc\` machine kind: 2 cores, 24 GiB, shared with other sessions' tests while this ran)`,
    `- load before/after: ${loadBefore} / ${sh("uptime")}`,
    `- ${
      hasTaskset ? "server pinned to core 1, each client process to core 0 (taskset)" : "not pinned"
    }; ${rounds} rounds, the clients' order rotating each round; one process per client and round runs its closed-loop scenarios one after another (max RSS is over them); the open loop and the RateLimit row run in processes of their own`,
    "- the machine is noisy (2 cores shared with other work): absolute numbers move between runs by ±20 % or more; ratios to undici.request within a round are what counts",
    "",
    "What each client row runs:",
    "",
    ...Clients.names.map((c) => `- \`${c}\`: ${Clients.describe[c]}`),
    "",
    output,
    ""
  ].join("\n")
  Fs.writeFileSync(Path.join(here, "RESULTS.md"), md)
}

const loadBefore = (() => {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim()
  } catch {
    return "?"
  }
})()

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
