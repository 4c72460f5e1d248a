// Builds every workspace package to its dist/ (ESM JavaScript, .d.ts, declaration and
// source maps: `tsc -b tsconfig.build.json`), then
// - rewrites the JavaScript's imports of the `effect` and `@effect/platform` barrels into
//   imports of their modules (`import { Effect } from "effect"` becomes
//   `import * as Effect from "effect/Effect"`), as Effect's own packages import: a bundler
//   that meets a barrel (esbuild) keeps much of what it re-exports — fast-check, STM,
//   PubSub... — in every bundle. The sources keep the barrels; the rewrite keeps each
//   import on its lines, so the source maps hold. Idempotent.
// - removes from dist/ what no source file produces any more (a module deleted or moved
//   since the last build), so that a tarball never ships a stale module.
// `npm test` builds through `tsc -b` (tsconfig.json references tsconfig.build.json) and
// the consumer check runs this; `npm pack` runs it through each package's prepack.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
execFileSync(process.execPath, [tsc, "-b", Path.join(root, "tsconfig.build.json")], { stdio: "inherit" })

// The barrels' exports: `export * as X from "./X.js"` and named ones (effect's Function).
const barrels = new Map()
for (const name of ["effect", "@effect/platform"]) {
  const index = Path.join(Path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)), "dist/esm/index.js")
  const text = readFileSync(index, "utf8")
  const exports = new Map()
  for (const m of text.matchAll(/export \* as (\w+) from "\.\/([\w/]+)\.js"/g)) exports.set(m[1], { module: m[2], namespace: true })
  for (const m of text.matchAll(/export\s*\{([^}]*)\}\s*from\s*"\.\/([\w/]+)\.js"/g)) {
    for (const n of m[1].split(",").map((x) => x.trim()).filter(Boolean)) exports.set(n, { module: m[2], namespace: false })
  }
  barrels.set(name, exports)
}
const rewriteImports = (file) => {
  const text = readFileSync(file, "utf8")
  const out = text.replace(/import\s*\{([^}]*)\}\s*from\s*"(effect|@effect\/platform)";?/g, (all, list, pkg) => {
    const exports = barrels.get(pkg)
    const lines = all.split("\n").length
    const parts = []
    const named = new Map()
    for (const spec of list.split(",").map((x) => x.trim()).filter(Boolean)) {
      const [imported, local = imported] = spec.split(/\s+as\s+/)
      const target = exports.get(imported)
      if (target === undefined) throw new Error(`${file}: ${pkg} exports no ${imported}`)
      if (target.namespace) parts.push(`import * as ${local} from "${pkg}/${target.module}";`)
      else named.set(target.module, [...(named.get(target.module) ?? []), imported === local ? local : `${imported} as ${local}`])
    }
    for (const [module, names] of named) parts.push(`import { ${names.join(", ")} } from "${pkg}/${module}";`)
    // as many lines as before, so that every later line keeps its place in the source map
    const perLine = Math.ceil(parts.length / lines)
    return Array.from({ length: lines }, (_, i) => parts.slice(i * perLine, (i + 1) * perLine).join(" ")).join("\n")
  })
  if (out !== text) writeFileSync(file, out)
}

const outputs = /\.(d\.ts\.map|d\.ts|js\.map|js)$/
let removed = 0
const prune = (dist, src) => {
  for (const entry of readdirSync(dist)) {
    const path = Path.join(dist, entry)
    if (statSync(path).isDirectory()) {
      prune(path, Path.join(src, entry))
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true })
      continue
    }
    if (entry.endsWith(".js")) rewriteImports(path)
    const stem = entry.replace(outputs, "")
    if (stem !== entry && !existsSync(Path.join(src, `${stem}.ts`))) {
      rmSync(path)
      removed++
    }
  }
}
for (const name of readdirSync(Path.join(root, "packages"))) {
  const dist = Path.join(root, "packages", name, "dist")
  if (existsSync(dist)) prune(dist, Path.join(root, "packages", name, "src"))
}
if (removed > 0) console.log(`build: removed ${removed} stale file(s) from dist/`)
