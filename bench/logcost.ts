/**
 * What one log record costs, in CPU µs: the same calls over an in-memory transport (no
 * network), in paired blocks in one process, with
 *   A: no logger,
 *   B: OuterLogger + InnerLogger at Info under a minimum level of Warning (switched off),
 *   C: both at Info, written: `LogFormat.make()` as JSON lines to a file through
 *      `PlatformLogger.toFile` (bench/full.ts's file Logger),
 * and, to see where a written record's time goes, both at Info into a Logger that does
 * nothing (the record built and handed to Effect's loggers) and into `LogFormat.make()`
 * whose line is dropped (the record rendered).
 * Each call writes 4 records (two per logger): a record costs (C − A) / 4 when written and
 * (B − A) / 4 when off, the median over blocks of the difference with the A block next to it.
 *
 *   node --import ./bench/loader.mjs bench/logcost.ts '{"quick":false}'
 */
import { Transport } from "@service-client/core"
import { Effect, Layer, Logger, LogLevel } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ApiClient from "./apiClient.js"
import * as Full from "./full.js"
import * as MemoryTransport from "./memoryTransport.js"

const options = JSON.parse(process.argv[2] ?? "{}") as { quick?: boolean }
const perBlock = options.quick ? 1_000 : 5_000
const blocks = options.quick ? 2 : 9

const response = MemoryTransport.response()
const transport = Layer.succeed(Transport.Transport, { send: () => Effect.succeed(response) })

const plugins = await import("@service-client/plugins")
const common = () => [
  plugins.Headers.make({ headers: { "x-client": "bench", accept: "application/json" } }),
  plugins.Elapsed.make({}),
  plugins.TrackingToken.make({ prefix: "b-", length: 10 })
]
const loggers = () => [plugins.OuterLogger.make({ level: "Info" }), plugins.InnerLogger.make({ level: "Info" })]
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-bench-logcost-"))
process.on("exit", () => Fs.rmSync(dir, { recursive: true, force: true }))

const build = async (name: string, list: ReadonlyArray<any>, layer: Layer.Layer<never>) => {
  const { client, close, runtime } = await ApiClient.make(transport, list, layer)
  const loop = (n: number) => Effect.repeatN(Effect.suspend(() => client.getItem({ version: "v1", id: 1 })), n - 1)
  const run = async (n: number) => {
    const cpu0 = process.cpuUsage()
    await runtime.runPromise(loop(n))
    const cpu = process.cpuUsage(cpu0)
    return (cpu.user + cpu.system) / n
  }
  return { name, run, close }
}

const stacks = [
  await build("none", common(), Layer.empty),
  await build("off", [...common(), ...loggers()], Logger.minimumLogLevel(LogLevel.Warning)),
  await build(
    "written",
    [...common(), ...loggers()],
    Layer.merge(await Full.fileLoggerLayer(Path.join(dir, "calls.jsonl")), Logger.minimumLogLevel(LogLevel.Info))
  ),
  await build(
    "handed to a Logger that does nothing",
    [...common(), ...loggers()],
    Layer.merge(Logger.replace(Logger.defaultLogger, Logger.make(() => {})), Logger.minimumLogLevel(LogLevel.Info))
  ),
  await build(
    "rendered by LogFormat, line dropped",
    [...common(), ...loggers()],
    Layer.merge(Logger.replace(Logger.defaultLogger, plugins.LogFormat.make()), Logger.minimumLogLevel(LogLevel.Info))
  )
]
for (const s of stacks) await s.run(perBlock)
const cost: Array<Array<number>> = stacks.map(() => [])
for (let b = 0; b < blocks; b++) {
  for (let k = 0; k < stacks.length; k++) {
    const i = (k + b) % stacks.length
    cost[i]!.push(await stacks[i]!.run(perBlock))
  }
}
for (const s of stacks) await s.close()
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const per = (i: number) => median(cost[i]!.map((c, b) => (c - cost[0]![b]!) / 4))
process.stdout.write(
  JSON.stringify({
    call_us: median(cost[0]!),
    off_call_us: median(cost[1]!),
    written_call_us: median(cost[2]!),
    record_off_us: per(1),
    record_written_us: per(2),
    record_handed_us: per(3),
    record_rendered_us: per(4),
    bytes_per_record: Fs.statSync(Path.join(dir, "calls.jsonl")).size / ((blocks + 1) * perBlock * 4)
  }) + "\n"
)
process.exit(0)
