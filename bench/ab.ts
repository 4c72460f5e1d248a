/**
 * A/B of two checkouts: "did this change make the client faster?" on a noisy machine,
 * where two separate bench runs differ by more than the change. Rounds of two short
 * client processes (one per checkout, the order alternating), each measuring the client
 * of its own checkout against the same loopback server; the median of the per-round CPU
 * ratios. (Both in one process does not work: two copies of effect share its global
 * values, and the second runs several times slower.)
 *
 *   git worktree add /tmp/base HEAD && cp -a node_modules /tmp/base/   # relative links: its own packages
 *   node bench/ab.ts URL /tmp/base . [client] [rounds] [requests] [GET|POST] [concurrency]
 *
 * A side may carry environment for its processes after a `?`: `.?BENCH_FULL_WITHOUT=Elapsed`
 * against `.` is what Elapsed costs, measured without the other's code in the process.
 *
 * Each process is pinned to core 0 when `taskset` exists (the server should be on core 1).
 */
import { execFileSync } from "node:child_process"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"

const [url, rootA, rootB, nameArg, roundsArg, requestsArg, scenarioArg, concurrencyArg] = process.argv.slice(2)
const job = {
  client: nameArg ?? "sc-full-node",
  scenario: scenarioArg ?? "GET",
  concurrency: Number(concurrencyArg ?? 32),
  requests: Number(requestsArg ?? 20_000),
  warmup: 5_000,
  label: scenarioArg ?? "GET",
  url
}
const rounds = Number(roundsArg ?? 10)
const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-c", "0", "true"])
    return true
  } catch {
    return false
  }
})()

const measure = (side: string): { cpu_us_per_req: number; rps: number } => {
  const [root, query] = side.split("?") as [string, string | undefined]
  const env = { ...process.env, ...Object.fromEntries(new URLSearchParams(query ?? "")) }
  const args = [
    "--import",
    pathToFileURL(Path.resolve(root, "bench", "loader.mjs")).href,
    Path.resolve(root, "bench", "client.ts"),
    JSON.stringify([job])
  ]
  const out = hasTaskset
    ? execFileSync("taskset", ["-c", "0", process.execPath, ...args], { encoding: "utf8", env })
    : execFileSync(process.execPath, args, { encoding: "utf8", env })
  return JSON.parse(out.trim().split("\n").pop()!)
}

const cpu: [Array<number>, Array<number>] = [[], []]
const rps: [Array<number>, Array<number>] = [[], []]
for (let r = 0; r < rounds; r++) {
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const m = measure(i === 0 ? rootA! : rootB!)
    cpu[i]!.push(m.cpu_us_per_req)
    rps[i]!.push(m.rps)
  }
}
const sorted = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)
const median = (xs: ReadonlyArray<number>) => sorted(xs)[Math.floor(xs.length / 2)]!
const cpuRatios = cpu[0].map((c, r) => c / cpu[1][r]!)
const rpsRatios = rps[1].map((x, r) => x / rps[0][r]!)
const q = (xs: ReadonlyArray<number>) =>
  `${sorted(xs)[Math.floor(xs.length / 4)]!.toFixed(3)}..${sorted(xs)[Math.floor((3 * xs.length) / 4)]!.toFixed(3)}`
console.log(
  `${job.client} ${job.scenario} C=${job.concurrency}, ${rounds} rounds of ${job.requests} requests:\n` +
    `  CPU µs/req  A ${median(cpu[0]).toFixed(1)}  B ${median(cpu[1]).toFixed(1)}  A/B per round: median ${
      median(cpuRatios).toFixed(3)
    } (quartiles ${q(cpuRatios)})\n` +
    `  req/s       A ${median(rps[0])}  B ${median(rps[1])}  B/A per round: median ${
      median(rpsRatios).toFixed(3)
    } (quartiles ${q(rpsRatios)})`
)
