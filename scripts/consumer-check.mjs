// The packages as a user installs them (run by `npm test`, or `npm run consumer`):
// 1. builds dist/, `npm pack`s every workspace package (whatever packages/* holds) and
//    checks each tarball ships dist/, README.md, LICENSE and no test, fixture or tsconfig;
// 2. installs the tarballs into a scratch app in the OS temp dir, outside the repository,
//    with only the peers the README names (effect, @effect/platform, ioredis) plus
//    @types/node, at the versions of the root lockfile and from the npm cache first;
// 3. runs a plain `node` ESM program that calls a 127.0.0.1 server through both live
//    transports, the mock and a YAML spec file; `require()`s every package from CommonJS;
// 4. type-checks a strict user project (NodeNext and Bundler, exactOptionalPropertyTypes,
//    skipLibCheck false) and prints the time;
// 5. runs publint and @arethetypeswrong/cli on every tarball;
// 6. bundles core + FetchHttpClient for the browser with esbuild and prints its size next
//    to plain @effect/platform making the same call.
// Targets (printed): bundle <= 60 KB minified over plain @effect/platform with Schema,
// strict type-check < 5 s. KEEP_CONSUMER=1 keeps the scratch app.
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const require = createRequire(import.meta.url)
const started = performance.now()
const failures = []
const typeCheckMs = {}
const bundleNumbers = {}
const step = (name) => console.log(`\n▶ ${name}`)
const fail = (message) => {
  failures.push(message)
  console.error(`  ✗ ${message}`)
}
const ok = (message) => console.log(`  ✓ ${message}`)
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`

const run = (command, args, options = {}) => {
  const t0 = performance.now()
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options })
  return { ...result, ms: performance.now() - t0, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() }
}
const node = (args, options) => run(process.execPath, args, options)
/** Like `run`, without blocking: independent steps share the machine's cores. */
const runAsync = (command, args, options = {}) =>
  new Promise((resolve) => {
    const t0 = performance.now()
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    const timer = options.timeout ? setTimeout(() => child.kill("SIGKILL"), options.timeout) : undefined
    child.stdout.on("data", (c) => (stdout += c))
    child.stderr.on("data", (c) => (stderr += c))
    child.on("close", (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr, ms: performance.now() - t0, output: `${stdout}${stderr}`.trim() })
    })
  })
const nodeAsync = (args, options) => runAsync(process.execPath, args, options)
/** Runs `tasks` (functions returning promises) at most `n` at a time, in order. */
const pool = async (n, tasks) => {
  const results = []
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]()
    }
  }))
  return results
}
const npm = (args, options) => run(process.platform === "win32" ? "npm.cmd" : "npm", args, options)
const indent = (text) => text.split("\n").map((l) => `    ${l}`).join("\n")

// ---------------------------------------------------------------------------------------
step("build")
{
  const r = node([Path.join(root, "scripts/build.mjs")], { cwd: root })
  if (r.status !== 0) {
    console.error(r.output)
    process.exit(1)
  }
  ok(`dist/ of every package (${seconds(r.ms)})`)
}

const packages = Fs.readdirSync(Path.join(root, "packages"))
  .map((dir) => Path.join(root, "packages", dir))
  .filter((dir) => Fs.existsSync(Path.join(dir, "package.json")))
  .map((dir) => ({ dir, json: JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) }))
  .filter((p) => p.json.private !== true)

const scratch = Fs.mkdtempSync(Path.join(Os.tmpdir(), "service-client-consumer-"))
const tarballs = Path.join(scratch, "tarballs")
const app = Path.join(scratch, "app")
Fs.mkdirSync(tarballs)
Fs.mkdirSync(app)

// ---------------------------------------------------------------------------------------
step(`npm pack (${packages.map((p) => p.json.name).join(", ")})`)
const forbidden = [
  /(^|\/)test\//,
  /\.test\.[cm]?[jt]s$/,
  /(^|\/)fixtures?\//,
  /(^|\/)tsconfig[^/]*\.json$/,
  /\.tsbuildinfo$/
]
for (const p of packages) {
  // dist/ was just built: no prepack build per package
  const r = npm(["pack", "--json", "--ignore-scripts", "--pack-destination", tarballs], { cwd: p.dir })
  if (r.status !== 0) {
    fail(`npm pack ${p.json.name}: ${r.output}`)
    continue
  }
  const [info] = JSON.parse(r.stdout)
  p.tarball = Path.join(tarballs, info.filename)
  const files = info.files.map((f) => f.path)
  const dirs = new Map()
  for (const f of files) {
    const top = f.includes("/") ? `${f.split("/")[0]}/` : f
    dirs.set(top, (dirs.get(top) ?? 0) + 1)
  }
  const listing = [...dirs].map(([d, n]) => (d.endsWith("/") ? `${d} (${n} files)` : d)).join(", ")
  console.log(
    `  ${info.filename}: ${kb(info.size)} packed, ${kb(info.unpackedSize)} unpacked, ${files.length} files: ${listing}`
  )
  for (const needed of ["README.md", "LICENSE", "package.json", "dist/index.js", "dist/index.d.ts"]) {
    if (!files.includes(needed)) fail(`${p.json.name}: the tarball has no ${needed}`)
  }
  const bad = files.filter((f) => forbidden.some((re) => re.test(f)))
  if (bad.length > 0) fail(`${p.json.name}: the tarball ships ${bad.slice(0, 5).join(", ")}`)
  for (const f of files.filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
    const source = `src/${f.slice(5, -3)}.ts`
    if (!files.includes(source)) fail(`${p.json.name}: ${f} ships without its source ${source} (stale dist?)`)
  }
}
if (failures.length > 0) finish()

// ---------------------------------------------------------------------------------------
step("install into a scratch app outside the repository")
const lock = JSON.parse(Fs.readFileSync(Path.join(root, "package-lock.json"), "utf8"))
const lockVersion = (name) => {
  const entry = lock.packages[`node_modules/${name}`]
  if (!entry?.version) throw new Error(`${name} is not in the root lockfile`)
  return entry.version
}
// The peers the README's Install section names, plus @types/node (any TypeScript app on Node).
const peers = ["effect", "@effect/platform", "ioredis"]
const devPeers = ["@types/node"]
// Every package the lockfile holds in one version only is pinned to it: the app resolves
// to what `npm ci` put in the npm cache (works offline) and to versions this repository tests.
const versions = new Map()
for (const [key, entry] of Object.entries(lock.packages)) {
  const at = key.lastIndexOf("node_modules/")
  if (at < 0 || entry.link || !entry.version) continue
  const name = key.slice(at + "node_modules/".length)
  versions.set(name, versions.has(name) && versions.get(name) !== entry.version ? null : entry.version)
}
const own = new Set(packages.map((p) => p.json.name))
const overrides = {}
for (const [name, version] of versions) {
  if (version !== null && !own.has(name) && !peers.includes(name) && !devPeers.includes(name)) overrides[name] = version
}
for (const p of packages) overrides[p.json.name] = `$${p.json.name}`
Fs.writeFileSync(
  Path.join(app, "package.json"),
  JSON.stringify(
    {
      name: "service-client-consumer",
      private: true,
      type: "module",
      dependencies: {
        ...Object.fromEntries(packages.map((p) => [p.json.name, `file:${p.tarball}`])),
        ...Object.fromEntries(peers.map((name) => [name, lockVersion(name)]))
      },
      devDependencies: Object.fromEntries(devPeers.map((name) => [name, lockVersion(name)])),
      overrides
    },
    null,
    2
  )
)
{
  const r = npm(
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
    { cwd: app }
  )
  if (r.status !== 0) {
    fail(`npm install in ${app}:\n${indent(r.output)}`)
    finish()
  }
  const count = Fs.readdirSync(Path.join(app, "node_modules")).length
  ok(`installed (${count} top-level entries in node_modules, ${seconds(r.ms)})`)
  const missingPeers = r.output.split("\n").filter((l) => /peer/i.test(l) && /warn/i.test(l))
  if (missingPeers.length > 0) fail(`peer warnings:\n${indent(missingPeers.join("\n"))}`)
}

// ---------------------------------------------------------------------------------------
const fixtures = Path.join(root, "scripts", "consumer")
for (const f of Fs.readdirSync(fixtures)) Fs.copyFileSync(Path.join(fixtures, f), Path.join(app, f))

step("plain node: ESM program calling 127.0.0.1 (NodeTransport, Transport.layer + fetch, mock, YAML spec)")
{
  const r = node(["app.mjs"], { cwd: app, timeout: 60_000 })
  if (r.status === 0) ok(`${r.stdout.trim().split("\n").join("; ")} (${seconds(r.ms)})`)
  else fail(`node app.mjs:\n${indent(r.output)}`)
}

step("require() from CommonJS (require(esm), Node >= 20.19)")
{
  const r = node(["app.cjs"], { cwd: app, timeout: 60_000 })
  if (r.status === 0) ok(`${r.stdout.trim().split("\n").join("; ")} (${seconds(r.ms)})`)
  else fail(`node app.cjs:\n${indent(r.output)}`)
}

// ---------------------------------------------------------------------------------------
step("tsc --noEmit: strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, skipLibCheck false")
const tsc = require.resolve("typescript/bin/tsc")
// CPU time, not wall time: this machine is shared, the CPU a run takes is what it costs
const cpu = Path.join(app, "cpu.cjs")
Fs.writeFileSync(
  cpu,
  "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\nCPU_MS ${(u.user + u.system) / 1000}\\n`) })\n"
)
const tscRun = (config, ...flags) =>
  nodeAsync(["-r", cpu, tsc, "-p", config, ...flags], { cwd: app, timeout: 300_000 }).then((r) => ({
    ...r,
    cpuMs: Number(/CPU_MS ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN)
  }))
{
  const configs = ["tsconfig.nodenext.json", "tsconfig.bundler.json"]
  const results = await pool(2, configs.map((config) => () => tscRun(config)))
  configs.forEach((config, i) => {
    const r = results[i]
    typeCheckMs[config] = r.cpuMs
    const errors = r.stdout.split("\n").filter((l) => /error TS\d+/.test(l))
    if (r.status === 0) ok(`${config}: no error, ${seconds(r.cpuMs)} CPU (${seconds(r.ms)} wall)`)
    else fail(`${config}:\n${indent((errors.length > 0 ? errors.join("\n") : r.output).slice(0, 4000))}`)
  })
  // what the packages add to a user's type-check: the same project with skipLibCheck
  // (the usual setting) against one that imports only effect and @effect/platform
  // (baseline.ts: one GET), and against the same four calls of check.ts written with plain
  // @effect/platform (baseline-calls.ts: a Tag, a Layer from Config, payload, error body)
  const [ours, base, calls] = await pool(2, [
    () => tscRun("tsconfig.nodenext.json", "--skipLibCheck"),
    () => tscRun("tsconfig.baseline.json", "--skipLibCheck"),
    () => tscRun("tsconfig.baseline-calls.json", "--skipLibCheck")
  ])
  typeCheckMs.skipLibCheck = ours.cpuMs
  // CPU time grows with the machine's load (a shared machine): the difference to the
  // baseline of the same run is what the packages add
  console.log(
    `  with skipLibCheck: ${seconds(ours.cpuMs)} CPU (target < 5 s); a project of effect + @effect/platform alone: ` +
      `${seconds(base.cpuMs)} (the packages add ${seconds(ours.cpuMs - base.cpuMs)}); the same four calls with ` +
      `plain @effect/platform: ${seconds(calls.cpuMs)}; with skipLibCheck false the same baseline is most of the ` +
      `time above`
  )
  if (calls.status !== 0) fail(`baseline-calls.ts:\n${indent(calls.output.slice(0, 4000))}`)
  if (ours.status !== 0 || base.status !== 0) fail(`skipLibCheck runs:\n${indent(`${ours.output}\n${base.output}`)}`)
}

// ---------------------------------------------------------------------------------------
step("publint and @arethetypeswrong/cli on every tarball")
const bin = (pkg, name) => {
  const dir = Path.join(root, "node_modules", pkg)
  const json = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8"))
  return Path.join(dir, typeof json.bin === "string" ? json.bin : json.bin[name])
}
const publint = bin("publint", "publint")
const attw = bin("@arethetypeswrong/cli", "attw")
{
  const tasks = packages.flatMap((p) => [
    // --strict: warnings count as errors
    () =>
      nodeAsync([publint, "--strict", "--pack", "false", Path.join(app, "node_modules", p.json.name)], { cwd: app }),
    // ESM only: CommonJS consumers load it with require(esm) (Node >= 20.19), which attw's
    // node16-from-CJS column does not model; the esm-only profile leaves that column out
    () => nodeAsync([attw, p.tarball, "--profile", "esm-only", "--format", "table-flipped"], { cwd: app })
  ])
  const results = await pool(2, tasks)
  packages.forEach((p, i) => {
    const [lint, types] = [results[2 * i], results[2 * i + 1]]
    // colours are stripped: CI may force them (FORCE_COLOR), and a coloured "All good" is still all good
    const remarks = lint.output.replace(/\u001b\[[0-9;]*m/g, "").split("\n").filter((l) =>
      l.trim() !== "" && !/^(Running publint|Packing files|Linting|All good)/i.test(l.trim())
    )
    if (lint.status === 0 && remarks.length === 0) ok(`publint ${p.json.name}`)
    else fail(`publint ${p.json.name}:\n${indent(lint.output)}`)
    if (types.status === 0) ok(`attw ${p.json.name} (esm-only profile)`)
    else fail(`attw ${p.json.name}:\n${indent(types.output)}`)
  })
}

// ---------------------------------------------------------------------------------------
step("browser bundle (esbuild --bundle --minify --platform=browser)")
const esbuild = require("esbuild")
const bundle = async (entry) => {
  const result = await esbuild.build({
    entryPoints: [Path.join(app, entry)],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    absWorkingDir: app,
    logLevel: "silent"
  })
  const code = result.outputFiles[0].contents
  return { size: code.length, gzip: Zlib.gzipSync(code).length, meta: result.metafile }
}
try {
  const plain = await bundle("browser-platform.mjs")
  const plainSchema = await bundle("browser-platform-schema.mjs")
  const ours = await bundle("browser-core.mjs")
  const over = ours.size - plainSchema.size
  bundleNumbers.over = over
  const row = (name, b) => `  ${name.padEnd(58)} ${kb(b.size).padStart(9)} min ${kb(b.gzip).padStart(8)} gzip`
  console.log(row("plain @effect/platform: GET + JSON", plain))
  console.log(row("plain @effect/platform: GET + JSON decoded by a Schema", plainSchema))
  console.log(row("@service-client/core + FetchHttpClient: the same call", ours))
  console.log(
    `  over plain @effect/platform with Schema: +${kb(over)} min, +${
      kb(ours.gzip - plainSchema.gzip)
    } gzip (target <= 60 KB min)` +
      ` / over without Schema: +${kb(ours.size - plain.size)} min`
  )
  // what the output holds (meta.inputs also lists modules read and then shaken out entirely)
  const inputs = Object.entries(Object.values(ours.meta.outputs)[0].inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([k]) => k)
  const yaml = inputs.filter((i) => i.includes("node_modules/yaml/"))
  if (yaml.length > 0) console.log(`  ! the bundle holds yaml (${yaml.length} modules), although it loads no spec file`)
  else ok("no yaml in the bundle")
  if (over > 60 * 1024) console.log(`  ! over the 60 KB target`)
  if (process.env.CONSUMER_BUNDLE_TOP) {
    const base = new Set(Object.keys(plainSchema.meta.inputs))
    const extra = Object.entries(Object.values(ours.meta.outputs)[0].inputs)
      .filter(([k]) => !base.has(k))
      .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
      .slice(0, Number(process.env.CONSUMER_BUNDLE_TOP))
    for (const [k, v] of extra) console.log(`    ${String(v.bytesInOutput).padStart(7)} ${k}`)
  }
} catch (e) {
  fail(`esbuild: ${e.message}`)
}

finish()

function finish() {
  const typeCheck = Object.values(typeCheckMs)
  console.log(
    `\nconsumer check: ${packages.length} packages, ${failures.length} failure(s), ${
      seconds(performance.now() - started)
    }` +
      (typeCheck.length > 0 ? `; strict type-check ${typeCheck.map(seconds).join(" / ")} (target < 5 s)` : "") +
      (bundleNumbers.over !== undefined ? `; bundle +${kb(bundleNumbers.over)} over plain @effect/platform` : "")
  )
  if (failures.length > 0 || process.env.KEEP_CONSUMER) console.log(`scratch app kept: ${app}`)
  else Fs.rmSync(scratch, { recursive: true, force: true })
  process.exit(failures.length > 0 ? 1 : 0)
}
