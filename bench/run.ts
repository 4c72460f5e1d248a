/**
 * `npm run bench`: the loopback server in its own process on one core, each measurement in
 * a fresh client process on the other core, the clients interleaved round by round; then
 * the pipeline's own cost over an in-memory transport and a 100,000-call memory run.
 *
 *   npm run bench                      full run: writes bench/results.json and bench/RESULTS.md
 *   npm run bench -- --quick           smoke run (< 60 s): writes nothing
 *   options: --rounds N --requests N --warmup N --only a,b --partial (full stack with the
 *            plugins there are) --no-extra (skip the pipeline and memory runs)
 *            --process-per-job (a fresh process per client, scenario and round: max RSS per
 *            scenario; by default one process per client and round runs the three scenarios)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { Job, Measurement } from "./client.js"
import * as Clients from "./clients.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const flag = (name: string) => args.includes(`--${name}`)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const quick = flag("quick")
const partial = flag("partial")
const rounds = option("rounds", quick ? 1 : 5)
const requests = option("requests", quick ? 200 : 20_000)
const warmup = option("warmup", quick ? 50 : 2_000)
const onlyIndex = args.indexOf("--only")
const clients = onlyIndex >= 0 ? args[onlyIndex + 1]!.split(",") as Array<Clients.Name> : [...Clients.names]
const scenarios: ReadonlyArray<{ scenario: Clients.Scenario; concurrency: number }> = [
  { scenario: "GET", concurrency: 1 },
  { scenario: "GET", concurrency: 32 },
  { scenario: "POST", concurrency: 32 }
]

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
const node = (core: number, nodeArgs: ReadonlyArray<string>, stdio: "pipe" | "inherit" = "pipe"): ChildProcess =>
  hasTaskset
    ? spawn("taskset", ["-c", String(core), process.execPath, ...nodeArgs], { stdio: ["pipe", stdio, "inherit"] })
    : spawn(process.execPath, nodeArgs, { stdio: ["pipe", stdio, "inherit"] })

// the TypeScript of this project runs as compiled code would: stripped by esbuild without
// tsx's keepNames (which adds an Object.defineProperty to every closure made per call)
const tsx = ["--import", pathToFileURL(Path.join(here, "loader.mjs")).href]

const runChild = (nodeArgs: ReadonlyArray<string>): Promise<Array<any>> =>
  new Promise((resolve, reject) => {
    const child = node(0, nodeArgs)
    let out = ""
    child.stdout!.on("data", (d) => (out += d))
    child.on("error", reject)
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${nodeArgs.join(" ")} exited with ${code}`))
      resolve(out.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l)))
    })
  })

const startServer = (): Promise<{ url: string; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const child = hasTaskset
      ? spawn("taskset", ["-c", "1", process.execPath, Path.join(here, "server.mjs")], { stdio: ["pipe", "pipe", "inherit"] })
      : spawn(process.execPath, [Path.join(here, "server.mjs")], { stdio: ["pipe", "pipe", "inherit"] })
    child.on("error", reject)
    child.stdout!.once("data", (d) => resolve({ url: `http://127.0.0.1:${JSON.parse(String(d)).port}`, child }))
  })

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s)
const fmt = (x: number, digits = 2) => x.toFixed(digits)

const main = async () => {
  const started = Date.now()
  const server = await startServer()
  const skipped = new Map<string, string>()
  const samples: Array<Measurement & { readonly round: number }> = []
  try {
    for (let round = 0; round < rounds; round++) {
      // rotate the order each round so no client always runs first or last
      const order = clients.map((_, i) => clients[(i + round) % clients.length]!)
      if (quick) {
        // a smoke run: every client and scenario in one process, to keep it short
        const jobs: Array<Job> = order.flatMap((client) =>
          scenarios.map((s) => ({ client, ...s, requests, warmup, url: server.url, partial }))
        )
        for (const r of await runChild([...tsx, Path.join(here, "client.ts"), JSON.stringify(jobs)])) {
          if ("skipped" in r) skipped.set(r.client, r.skipped)
          else samples.push({ ...r, round })
        }
        continue
      }
      if (flag("process-per-job")) {
        for (const s of scenarios) {
          for (const client of order) {
            const job: Job = { client, ...s, requests, warmup, url: server.url, partial }
            const [r] = await runChild([...tsx, Path.join(here, "client.ts"), JSON.stringify([job])])
            if ("skipped" in r) skipped.set(r.client, r.skipped)
            else samples.push({ ...r, round })
            process.stderr.write(".")
          }
        }
      } else {
        // one fresh process per client and round, running the scenarios one after another
        for (const client of order) {
          const jobs: Array<Job> = scenarios.map((s) => ({ client, ...s, requests, warmup, url: server.url, partial }))
          for (const r of await runChild([...tsx, Path.join(here, "client.ts"), JSON.stringify(jobs)])) {
            if ("skipped" in r) skipped.set(r.client, r.skipped)
            else samples.push({ ...r, round })
          }
          process.stderr.write(".")
        }
      }
      process.stderr.write(` round ${round + 1}/${rounds}\n`)
    }
  } catch (e) {
    server.child.kill("SIGTERM")
    throw e
  }

  const rows: Array<Measurement> = []
  const lines: Array<string> = []
  for (const s of scenarios) {
    const of = (client: string) => samples.filter((m) => m.client === client && m.scenario === s.scenario && m.concurrency === s.concurrency)
    const med = (client: string): Measurement | undefined => {
      const ms = of(client)
      if (ms.length === 0) return undefined
      return {
        client,
        scenario: s.scenario,
        concurrency: s.concurrency,
        rps: Math.round(median(ms.map((m) => m.rps))),
        p50_us: Math.round(median(ms.map((m) => m.p50_us))),
        p99_us: Math.round(median(ms.map((m) => m.p99_us))),
        cpu_us_per_req: Math.round(median(ms.map((m) => m.cpu_us_per_req)) * 10) / 10,
        max_rss_mb: Math.round(median(ms.map((m) => m.max_rss_mb)))
      }
    }
    const base = med("undici.request")
    lines.push("", `### ${s.scenario}, concurrency ${s.concurrency} (median of ${rounds})`, "")
    lines.push(
      `| ${pad("client", 26)} | ${lpad("req/s", 7)} | ${lpad("x undici", 8)} | ${lpad("p50 µs", 7)} | ${lpad("p50 x", 6)} | ${lpad("p99 µs", 7)} | ${lpad("CPU µs/req", 10)} | ${lpad("CPU x", 6)} | ${lpad("max RSS MB", 10)} |`,
      `| ${"-".repeat(26)} | ${"-".repeat(6)}: | ${"-".repeat(7)}: | ${"-".repeat(6)}: | ${"-".repeat(5)}: | ${"-".repeat(6)}: | ${"-".repeat(9)}: | ${"-".repeat(5)}: | ${"-".repeat(9)}: |`
    )
    for (const client of clients) {
      const m = med(client)
      if (m === undefined) continue
      rows.push(m)
      const r = (a: number, b: number | undefined) => (b === undefined || b === 0 ? "-" : fmt(a / b))
      lines.push(
        `| ${pad(client, 26)} | ${lpad(String(m.rps), 7)} | ${lpad(r(m.rps, base?.rps), 8)} | ${lpad(String(m.p50_us), 7)} | ${lpad(r(m.p50_us, base?.p50_us), 6)} | ${lpad(String(m.p99_us), 7)} | ${lpad(fmt(m.cpu_us_per_req, 1), 10)} | ${lpad(r(m.cpu_us_per_req, base?.cpu_us_per_req), 6)} | ${lpad(String(m.max_rss_mb), 10)} |`
      )
    }
    // full ÷ bare round by round (their processes ran next to each other): steadier than
    // the ratio of the medians when the machine's speed drifts during the run
    const full = of("sc-full-node")
    const bare = of("sc-bare-node")
    const paired = full.flatMap((f) => {
      const b = bare.find((m) => m.round === f.round)
      return b === undefined ? [] : [{ rps: f.rps / b.rps, cpu: b.cpu_us_per_req / f.cpu_us_per_req }]
    })
    if (paired.length > 0) {
      const list = (xs: ReadonlyArray<number>) => xs.map((x) => fmt(x)).join(", ")
      lines.push(
        "",
        `sc-full-node ÷ sc-bare-node, round by round: req/s ${fmt(median(paired.map((p) => p.rps)))} (median of ${
          list(paired.map((p) => p.rps))
        }); CPU per request, bare ÷ full: ${fmt(median(paired.map((p) => p.cpu)))} (median of ${list(paired.map((p) => p.cpu))})`
      )
    }
  }
  for (const [client, why] of skipped) lines.push("", `${client}: ${why}`)

  const extra: Array<string> = []
  if (!flag("no-extra")) {
    const pipeline = await runChild([...tsx, Path.join(here, "pipeline.ts"), JSON.stringify({ quick, partial })])
    extra.push("", "### Pipeline cost per call (in-memory transport, no network, sequential)", "")
    extra.push("| stack | calls/s | µs/call | CPU µs/call |", "| --- | ---: | ---: | ---: |")
    for (const p of pipeline) {
      extra.push(
        p.skipped
          ? `| ${p.stack} | ${p.skipped} | | |`
          : `| ${p.stack} | ${p.rps} | ${fmt(p.us_per_call, 2)} | ${fmt(p.cpu_us_per_call, 2)} |`
      )
    }
    const plugins = await runChild([...tsx, Path.join(here, "plugins.ts"), JSON.stringify({ quick })])
    extra.push(
      "",
      "### What each plugin adds (in-memory transport answering on the next event-loop turn, concurrency 32)",
      "",
      "Effect runtime steps per call are exact (counted by a Scheduler); CPU µs are noisy (±1 µs).",
      "",
      "| stack | CPU µs/call | runtime steps/call |",
      "| --- | ---: | ---: |"
    )
    for (const p of plugins) extra.push(`| ${p.stack} | ${fmt(p.us, 1)} | ${Math.round(p.steps)} |`)
    for (const r of [{ stack: "### Resilience plugins: CPU µs added per call over bare (bench/resilience.ts)" }, ...await runChild([...tsx, Path.join(here, "resilience.ts"), JSON.stringify({ quick })])]) extra.push(r.us === undefined ? `\n${r.stack}\n` : `- ${r.stack}: +${fmt(r.us)} µs (bare ${fmt(r.bare)} µs)`)
    for (const r of await runChild(["--expose-gc", ...tsx, Path.join(here, "openapi.ts"), JSON.stringify({ quick })])) extra.push(r.line)
    const memory = await runChild(["--expose-gc", ...tsx, Path.join(here, "memory.ts"), JSON.stringify({ quick, partial, url: server.url })])
    extra.push("", "### Memory (loopback, NodeTransport, concurrency 32; after GC)", "")
    extra.push("| stack | calls | RSS MB | heap used MB |", "| --- | ---: | ---: | ---: |")
    for (const m of memory) extra.push(`| ${m.stack} | ${m.calls} | ${fmt(m.rss_mb, 1)} | ${fmt(m.heap_mb, 1)} |`)
  }

  server.child.kill("SIGTERM")
  const seconds = Math.round((Date.now() - started) / 1000)
  const output = [...lines, ...extra].join("\n")
  process.stdout.write(output + `\n\n${hasTaskset ? "pinned: server core 1, client core 0" : "not pinned (no taskset or < 2 cores)"}; ${seconds} s\n`)
  if (quick) return
  Fs.writeFileSync(Path.join(here, "results.json"), JSON.stringify(rows, null, 2) + "\n")
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
    `Made by \`npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}\` on ${new Date().toISOString()} (${seconds} s).`,
    "",
    `- machine: \`nproc\` = ${sh("nproc")}, CPU ${Os.cpus()[0]?.model ?? "?"}, node ${process.version}, ${Os.platform()} ${Os.release()}`,
    `- load before/after: ${loadBefore} / ${sh("uptime")}`,
    `- ${hasTaskset ? "server pinned to core 1, each client process to core 0 (taskset)" : "not pinned"}; ${requests} requests after ${warmup} warm-up, ${rounds} rounds interleaved, medians; ${flag("process-per-job") ? "one process per client, scenario and round" : "one process per client and round (max RSS is over its three scenarios)"}`,
    "- ratios (x undici) compare with undici.request in the same run: req/s higher is better, p50 and CPU lower is better",
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
