/**
 * OpenAPI import and generated-module type-check (targets: a 1,000-operation document
 * imports in < 1 s and < 100 MB; its generated module type-checks in < 10 s). The
 * document is GitHub's REST API (1,223 operations, 13 MB of JSON), kept gzipped in
 * packages/core/test/fixtures/openapi. Run with `node --expose-gc`; prints JSON lines
 * `{ line }` (markdown) for bench/run.ts.
 *
 * - import: `SpecLoader.openapi(file)` in this fresh process (cold: the first import,
 *   JIT included) and the median of the next 3 (warm); heap growth after GC with the
 *   spec kept (retained) and at its peak (sampled);
 * - type-check: `service-client generate`'s module for the same document, checked by the
 *   TypeScript compiler API against the packages' built .d.ts (what a user's project
 *   sees): CPU time (the target; wall time on a shared machine is mostly waiting), the
 *   compiler's type instantiations and types (the same on any machine). Skipped with `--quick`.
 */
import { NodeContext } from "@effect/platform-node"
import { GenerateCommand } from "@service-client/cli"
import { SpecLoader } from "@service-client/core"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"
import ts from "typescript"

const { quick } = JSON.parse(process.argv[2] ?? "{}") as { quick?: boolean }
const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const work = Path.join(root, "build", "bench-openapi")
Fs.mkdirSync(work, { recursive: true })
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1)
const emit = (line: string) => console.log(JSON.stringify({ line }))

const document = Path.join(work, "api.github.com.json")
Fs.writeFileSync(
  document,
  Zlib.gunzipSync(Fs.readFileSync(Path.join(root, "packages/core/test/fixtures/openapi/api.github.com.json.gz")))
)
const run = <A, E>(effect: Effect.Effect<A, E, NodeContext.NodeContext>) =>
  Effect.runPromise(effect.pipe(Effect.provide(NodeContext.layer)))

const importOnce = async () => {
  gc()
  const before = process.memoryUsage().heapUsed
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5)
  const cpu = process.cpuUsage()
  const started = performance.now()
  const spec = await run(SpecLoader.openapi(document))
  const ms = performance.now() - started
  const used = process.cpuUsage(cpu)
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().heapUsed)
  gc()
  const retained = process.memoryUsage().heapUsed - before
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    operations: Object.keys(spec.endpoints).length,
    retained,
    peak: peak - before,
    spec
  }
}

const cold = await importOnce()
const warm: Array<{ ms: number; cpuMs: number }> = []
for (let i = 0; i < (quick ? 1 : 3); i++) warm.push(await importOnce())
warm.sort((a, b) => a.ms - b.ms)
const median = warm[Math.floor(warm.length / 2)]!
emit("")
emit(`### OpenAPI import (bench/openapi.ts): GitHub's REST API, ${cold.operations} operations, 13 MB JSON`)
emit("")
emit(
  `- SpecLoader.openapi: ${cold.ms.toFixed(0)} ms wall / ${
    cold.cpuMs.toFixed(0)
  } ms CPU cold (a fresh process's first import), ` +
    `${median.ms.toFixed(0)} ms wall / ${median.cpuMs.toFixed(0)} ms CPU warm (median); target < 1,000 ms`
)
emit(
  `- heap: ${mb(cold.retained)} MB retained by the spec after GC, ${
    mb(cold.peak)
  } MB above the start at the sampled peak; target < 100 MB`
)

if (!quick) {
  const output = Path.join(work, "github.ts")
  const started = performance.now()
  await run(GenerateCommand.generate({ document, output }))
  const generateMs = performance.now() - started
  const size = Fs.statSync(output).size
  // what a user's project sees: the packages' dist/ declarations (built by `tsc -b`)
  const built = Fs.existsSync(Path.join(root, "packages/core/dist/index.d.ts"))
  if (!built) {
    // the sources cost more to check than the declarations a user's project reads
    emit(
      "- type-check of the generated module: **not measured** (no dist/ declarations to check it against: `npm run typecheck` first)"
    )
  } else {
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: true,
      noEmit: true,
      types: []
    }
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    const program = ts.createProgram([output], options)
    const read = process.cpuUsage(cpu)
    const diagnostics = ts.getPreEmitDiagnostics(program)
    const checkMs = performance.now() - t0
    const used = process.cpuUsage(cpu)
    const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error)
    const cpuS = (used.user + used.system) / 1e6
    const readS = (read.user + read.system) / 1e6
    emit(
      `- generate: ${generateMs.toFixed(0)} ms, ${(size / 2 ** 20).toFixed(1)} MB of TypeScript (${
        (Fs.readFileSync(output, "utf8").match(/^export interface /gm) ?? []).length
      } interfaces)`
    )
    emit(
      `- type-check of the generated module (TypeScript ${ts.version}, strict, against dist/ declarations): ${
        cpuS.toFixed(1)
      } s CPU (${readS.toFixed(1)} s reading and parsing, ${(cpuS - readS).toFixed(1)} s checking), ${
        (checkMs / 1000).toFixed(1)
      } s wall at load average ${Os.loadavg()[0]!.toFixed(1)} on ${Os.availableParallelism()} cores; ${
        program.getInstantiationCount().toLocaleString("en")
      } type instantiations, ${
        program.getTypeCount().toLocaleString("en")
      } types; ${errors.length} errors; target < 10 s: ${
        errors.length > 0
          ? "**not measured** (the module does not type-check: a stale dist/? `npm run typecheck`)"
          : cpuS < 10
          ? "met"
          : "**not met**"
      } (CPU time)`
    )
    for (const e of errors.slice(0, 3)) emit(`  - ${ts.flattenDiagnosticMessageText(e.messageText, " ").slice(0, 200)}`)
  }
}
