// Builds every workspace package to its dist/ (ESM JavaScript, .d.ts, declaration and
// source maps: `tsc -b tsconfig.build.json`), then
// - rewrites the JavaScript's imports of the `effect` and `@effect/platform` barrels into
//   imports of their modules (`import { Effect } from "effect"` becomes
//   `import * as Effect from "effect/Effect"`), as Effect's own packages import: a bundler
//   that meets a barrel (esbuild) keeps much of what it re-exports — fast-check, STM,
//   PubSub... — in every bundle. The sources keep the barrels; the rewrite keeps each
//   import on its lines, so the source maps hold. Idempotent.
// - marks the calls that run when a module loads (`Schema.Struct(...)`, `Context.GenericTag(...)`,
//   `class X extends Data.TaggedError(...)`) `/*#__PURE__*/`, as Effect's own build does: the
//   packages declare `sideEffects: []`, but a bundler keeps every top-level call of a module it
//   reaches through our `export * as X` index unless the call is marked pure (core + fetch in a
//   browser bundle: +198 KB over plain @effect/platform without the marks, about +52 KB with them).
//   Inserted on the same line, so lines in the source maps hold. Idempotent.
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
  const index = Path.join(
    Path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)),
    "dist/esm/index.js"
  )
  const text = readFileSync(index, "utf8")
  const exports = new Map()
  for (const m of text.matchAll(/export \* as (\w+) from "\.\/([\w/]+)\.js"/g)) {
    exports.set(m[1], { module: m[2], namespace: true })
  }
  for (const m of text.matchAll(/export\s*\{([^}]*)\}\s*from\s*"\.\/([\w/]+)\.js"/g)) {
    for (const n of m[1].split(",").map((x) => x.trim()).filter(Boolean)) {
      exports.set(n, { module: m[2], namespace: false })
    }
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
      else {named.set(target.module, [
          ...(named.get(target.module) ?? []),
          imported === local ? local : `${imported} as ${local}`
        ])}
    }
    for (const [module, names] of named) parts.push(`import { ${names.join(", ")} } from "${pkg}/${module}";`)
    // as many lines as before, so that every later line keeps its place in the source map
    const perLine = Math.ceil(parts.length / lines)
    return Array.from({ length: lines }, (_, i) => parts.slice(i * perLine, (i + 1) * perLine).join(" ")).join("\n")
  })
  if (out !== text) writeFileSync(file, out)
}

const ts = createRequire(import.meta.url)("typescript")
const PURE = "/*#__PURE__*/ "
const annotatePure = (file) => {
  const text = readFileSync(file, "utf8")
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  const at = []
  const visit = (node) => {
    // code in functions and methods runs later, not when the module loads
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const start = node.getStart(source)
      if (!text.slice(Math.max(0, start - PURE.length - 2), start).includes("__PURE__")) at.push(start)
    }
    ts.forEachChild(node, visit)
  }
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach((d) => d.initializer && visit(d.initializer))
    } else if (ts.isClassDeclaration(statement)) statement.heritageClauses?.forEach(visit)
  }
  if (at.length === 0) return
  let out = text
  for (const start of at.sort((a, b) => b - a)) out = out.slice(0, start) + PURE + out.slice(start)
  writeFileSync(file, out)
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
    if (entry.endsWith(".js")) {
      rewriteImports(path)
      annotatePure(path)
    }
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
