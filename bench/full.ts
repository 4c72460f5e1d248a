/**
 * The "full" plugin stack of the bench: PathTokens, Headers, QueryParams, Timeout, Elapsed,
 * TrackingToken, Pool (limit 64), RateLimit (a limit that never binds), InnerLogger and
 * OuterLogger at a level that is switched off.
 *
 * The plugins are looked up by name in @service-client/plugins, so this module turns
 * itself on as soon as that package exports all of them; until then `load()` says which
 * are missing and the bench skips the full rows (or, with --partial, runs the ones there
 * are and labels the rows so).
 */
import { Logger, LogLevel, type Layer } from "effect"
import type { Plugin } from "@service-client/core"

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

export interface Full {
  readonly plugins: ReadonlyArray<Plugin.PluginLike>
  readonly missing: ReadonlyArray<string>
  /** The loggers log at Debug; this layer keeps the minimum at Info so they are switched off. */
  readonly layer: Layer.Layer<never>
}

const build: Record<(typeof required)[number], (m: any) => Plugin.PluginLike> = {
  PathTokens: (m) => m.make({ tokens: { version: "v1" } }),
  Headers: (m) => m.make({ headers: { "x-client": "bench", accept: "application/json" } }),
  QueryParams: (m) => m.make({ query: { source: "bench" } }),
  Timeout: (m) => m.make({ timeout: "10 seconds" }),
  Elapsed: (m) => m.make({}),
  TrackingToken: (m) => m.make({ prefix: "b-", length: 10 }),
  Pool: (m) => m.make({ limit: 64 }),
  RateLimit: (m) => m.make({ limit: 1_000_000_000, period: "1 second" }),
  InnerLogger: (m) => m.make({ level: "Debug" }),
  OuterLogger: (m) => m.make({ level: "Debug" })
}

export const load = async (): Promise<Full> => {
  let mod: Record<string, unknown> = {}
  try {
    mod = await import("@service-client/plugins") as Record<string, unknown>
  } catch {
    // the package is not there at all
  }
  const plugins: Array<Plugin.PluginLike> = []
  const missing: Array<string> = []
  // BENCH_FULL_WITHOUT=RateLimit,Timeout leaves plugins out (to find what costs what)
  const without = new Set((process.env.BENCH_FULL_WITHOUT ?? "").split(",").filter((s) => s !== ""))
  for (const name of required) {
    if (without.has(name)) continue
    const m = mod[name] as { make?: unknown } | undefined
    if (m === undefined || typeof m.make !== "function") missing.push(name)
    else plugins.push(build[name](m))
  }
  return { plugins, missing, layer: Logger.minimumLogLevel(LogLevel.Info) }
}
