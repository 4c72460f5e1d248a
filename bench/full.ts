/**
 * The plugin stacks of the bench (each client row says which one it runs):
 *
 * - `cheap` ("sc-full-node"): PathTokens, Headers, QueryParams, Timeout, Elapsed,
 *   TrackingToken, Pool (limit 64), RateLimit (a limit that never binds), InnerLogger and
 *   OuterLogger at Debug under a minimum level of Info, so they never write: every
 *   plugin's cheap path.
 * - `logs` ("sc-logs-node", full+logs): what a user turns on in production. PathTokens,
 *   Headers, QueryParams, Tracing (a real OpenTelemetry tracer through
 *   `@effect/opentelemetry`'s NodeSdk, a BatchSpanProcessor and an exporter that drops the
 *   spans), Retry (defaults: 3 attempts on 408/425/429/5xx), Timeout 10 s, Elapsed,
 *   TrackingToken, Metrics, Pool 256 (hardLimit 10,000, 5 s wait), RateLimit 100,000/s
 *   (hardLimit 10,000, 5 s wait), OuterLogger and InnerLogger at Info: four records per
 *   call rendered by `LogFormat.make()` and written as JSON lines (`{"t","level","line"}`)
 *   to a file through `PlatformLogger.toFile` (a real, batched file Logger).
 * - `pool8`: `cheap` with Pool 8 (at C=32: 24 calls wait at every moment).
 * - `rate`: `cheap` with a RateLimit of `BENCH_RATE` calls per second (run.ts sets it to
 *   80 % of the cheap stack's own maximum measured in the same round), so it binds.
 */
import type { Plugin } from "@service-client/core"
import { Layer, Logger, LogLevel } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

export type Stack = "cheap" | "logs" | "pool8" | "rate"

export interface Full {
  readonly plugins: ReadonlyArray<Plugin.PluginLike>
  /** Provided with the transport: the minimum log level, the file Logger, the tracer. */
  readonly layer: Layer.Layer<never>
  /** Bytes written to the log file so far (the logs stack), to show the records are written. */
  readonly logBytes: () => number
}

/** The plugins of the cheap stack, in order (bench/plugins.ts adds them one at a time). */
export const required = [
  "PathTokens",
  "Headers",
  "QueryParams",
  "Timeout",
  "Elapsed",
  "TrackingToken",
  "Pool",
  "RateLimit",
  "InnerLogger",
  "OuterLogger"
] as const

// BENCH_FULL_WITHOUT=RateLimit,Timeout leaves plugins out (to find what costs what)
const without = () => new Set((process.env.BENCH_FULL_WITHOUT ?? "").split(",").filter((s) => s !== ""))

const common = (m: Record<string, any>) => ({
  PathTokens: () => m.PathTokens.make({ tokens: { version: "v1" } }),
  Headers: () => m.Headers.make({ headers: { "x-client": "bench", accept: "application/json" } }),
  QueryParams: () => m.QueryParams.make({ query: { source: "bench" } }),
  Timeout: () => m.Timeout.make({ timeout: "10 seconds" }),
  Elapsed: () => m.Elapsed.make({}),
  TrackingToken: () => m.TrackingToken.make({ prefix: "b-", length: 10 })
})

const cheap = (m: Record<string, any>, pool: number, rate: number): ReadonlyArray<Plugin.PluginLike> => {
  const c = common(m)
  const build: Record<(typeof required)[number], () => Plugin.PluginLike> = {
    ...c,
    Pool: () => m.Pool.make({ limit: pool }),
    RateLimit: () => m.RateLimit.make({ limit: rate, period: "1 second" }),
    InnerLogger: () => m.InnerLogger.make({ level: "Debug" }),
    OuterLogger: () => m.OuterLogger.make({ level: "Debug" })
  }
  const skip = without()
  return required.filter((n) => !skip.has(n)).map((n) => build[n]())
}

const logsNames = [
  "PathTokens",
  "Headers",
  "QueryParams",
  "Tracing",
  "Retry",
  "Timeout",
  "Elapsed",
  "TrackingToken",
  "Metrics",
  "Pool",
  "RateLimit",
  "OuterLogger",
  "InnerLogger"
] as const

const logs = (m: Record<string, any>): ReadonlyArray<Plugin.PluginLike> => {
  const c = common(m)
  const build: Record<(typeof logsNames)[number], () => Plugin.PluginLike> = {
    ...c,
    Tracing: () => m.Tracing.make(),
    Retry: () => m.Retry.make(),
    Metrics: () => m.Metrics.make(),
    Pool: () => m.Pool.make({ limit: 256, hardLimit: 10_000, timeout: "5 seconds" }),
    RateLimit: () => m.RateLimit.make({ limit: 100_000, period: "1 second", hardLimit: 10_000, timeout: "5 seconds" }),
    OuterLogger: () => m.OuterLogger.make({ level: "Info" }),
    InnerLogger: () => m.InnerLogger.make({ level: "Info" })
  }
  const skip = without()
  return logsNames.filter((n) => !skip.has(n)).map((n) => build[n]())
}

const made: Array<string> = []
/** A fresh log file, removed when the process exits. */
const logFile = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-bench-log-"))
  if (made.length === 0) process.on("exit", () => made.forEach((d) => Fs.rmSync(d, { recursive: true, force: true })))
  made.push(dir)
  return Path.join(dir, "calls.jsonl")
}

/**
 * The file Logger of the logs stack: LogFormat's line, as a JSON line, batched to a file.
 * `BENCH_LOGGER=format` renders each line and drops it, `BENCH_LOGGER=none` drops the
 * records unread (to split what the records cost from what the Logger costs).
 */
export const fileLoggerLayer = async (file: string): Promise<Layer.Layer<never>> => {
  const { LogFormat } = await import("@service-client/plugins")
  const { PlatformLogger } = await import("@effect/platform")
  const { NodeFileSystem } = await import("@effect/platform-node")
  const format = LogFormat.make()
  const sink = process.env.BENCH_LOGGER
  if (sink === "none") return Logger.replace(Logger.defaultLogger, Logger.make(() => {}))
  if (sink === "format") return Logger.replace(Logger.defaultLogger, Logger.make((o) => void format.log(o)))
  const jsonLines = Logger.make<unknown, string>((o) =>
    JSON.stringify({ t: o.date.getTime(), level: o.logLevel.label, line: format.log(o) })
  )
  return Logger.replaceScoped(Logger.defaultLogger, PlatformLogger.toFile(jsonLines, file)).pipe(
    Layer.provide(NodeFileSystem.layer),
    Layer.orDie
  )
}

/** A real OpenTelemetry tracer (NodeSdk, BatchSpanProcessor) whose exporter drops the spans. */
export const tracerLayer = async (): Promise<Layer.Layer<never>> => {
  const { NodeSdk } = await import("@effect/opentelemetry")
  const { BatchSpanProcessor } = await import("@opentelemetry/sdk-trace-base")
  const exporter = {
    export: (_batch: ReadonlyArray<unknown>, done: (r: { code: number }) => void) => done({ code: 0 }),
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve()
  }
  return NodeSdk.layer(() => ({
    resource: { serviceName: "bench" },
    spanProcessor: new BatchSpanProcessor(exporter as any)
  })) as Layer.Layer<never>
}

export const load = async (stack: Stack = "cheap"): Promise<Full> => {
  const m = await import("@service-client/plugins") as Record<string, any>
  switch (stack) {
    case "cheap":
      return { plugins: cheap(m, 64, 1_000_000_000), layer: Logger.minimumLogLevel(LogLevel.Info), logBytes: () => 0 }
    case "pool8":
      return { plugins: cheap(m, 8, 1_000_000_000), layer: Logger.minimumLogLevel(LogLevel.Info), logBytes: () => 0 }
    case "rate": {
      const rate = Number(process.env.BENCH_RATE ?? "")
      if (!(rate > 0)) throw new Error("the rate stack needs BENCH_RATE (calls per second)")
      return {
        plugins: cheap(m, 64, Math.round(rate)),
        layer: Logger.minimumLogLevel(LogLevel.Info),
        logBytes: () => 0
      }
    }
    case "logs": {
      const file = logFile()
      const layer = Layer.mergeAll(
        await fileLoggerLayer(file),
        await tracerLayer(),
        Logger.minimumLogLevel(LogLevel.Info)
      )
      const logBytes = () => {
        try {
          return Fs.statSync(file).size
        } catch {
          return 0
        }
      }
      return { plugins: logs(m), layer, logBytes }
    }
  }
}
