// Docs that cannot rot: every ```ts block of README.md and docs/*.md is type-checked
// against the built packages (`npm test` runs this after `tsc -b`, which builds dist/). A block is a fragment of a program, so each becomes a module:
// - its own imports stay; the names it uses and does not declare come from a prelude of
//   the packages' namespaces (and effect's, @effect/vitest's) and from the context the
//   docs share (`UserApi`, `UserService`, `users`...: scripts/docs-context.ts);
// - a block with `yield*` outside a generator is the body of an `Effect.gen`.
// A block that is meant to be partial says so on the line before its fence:
// `<!-- docs-check: skip (reason) -->`. Keep those rare.
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const out = Path.join(root, "build", "docs-check")
Fs.rmSync(out, { recursive: true, force: true })
Fs.mkdirSync(out, { recursive: true })

const docs = [
  "README.md",
  ...Fs.readdirSync(Path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)
]

// name -> import line (namespaces of the packages and of effect)
const prelude = new Map()
const namespaces = (pkg, file) => {
  const index = Fs.readFileSync(Path.join(root, file), "utf8")
  for (const m of index.matchAll(/export \* as (\w+) from/g)) prelude.set(m[1], `import { ${m[1]} } from "${pkg}"`)
}
for (const dir of Fs.readdirSync(Path.join(root, "packages"))) {
  const index = Path.join("packages", dir, "src", "index.ts")
  if (Fs.existsSync(Path.join(root, index))) namespaces(`@service-client/${dir}`, index)
}
for (
  const name of [
    "Effect",
    "Schema",
    "Layer",
    "Config",
    "Context",
    "Duration",
    "Stream",
    "Scope",
    "Option",
    "Either",
    "Data",
    "Redacted",
    "Schedule",
    "Fiber",
    "Exit",
    "Cause",
    "Logger",
    "LogLevel",
    "Metric",
    "TestClock",
    "Ref",
    "Match",
    "Chunk",
    "Array",
    "Record",
    "Struct",
    "Predicate",
    "ConfigProvider",
    "ManagedRuntime",
    "Random",
    "Clock",
    "Queue",
    "Deferred",
    "Runtime",
    "HashMap",
    "Console"
  ]
) {
  if (!prelude.has(name)) prelude.set(name, `import { ${name} } from "effect"`)
}
for (
  const name of [
    "FetchHttpClient",
    "HttpClient",
    "HttpClientRequest",
    "HttpClientResponse",
    "FileSystem",
    "Path",
    "HttpApi",
    "HttpApiEndpoint",
    "HttpApiGroup"
  ]
) {
  prelude.set(name, `import { ${name} } from "@effect/platform"`)
}
prelude.set("NodeFileSystem", `import { NodeFileSystem } from "@effect/platform-node"`)
prelude.set("InMemorySpanExporter", `import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base"`)
prelude.set("NodeContext", `import { NodeContext } from "@effect/platform-node"`)
prelude.set("NodeHttpClient", `import { NodeHttpClient } from "@effect/platform-node"`)
prelude.set("it", `import { it } from "@effect/vitest"`)
prelude.set("assert", `import { assert } from "@effect/vitest"`)
prelude.set("describe", `import { describe } from "@effect/vitest"`)
prelude.set("expect", `import { expect } from "@effect/vitest"`)
prelude.set("pipe", `import { pipe } from "effect"`)
prelude.set("NodeMockTransport", `import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"`)

// the shared context: `// name` lines start each entry of scripts/docs-context.ts
const contextText = Fs.readFileSync(Path.join(root, "scripts", "docs-context.ts"), "utf8")
const context = []
for (const part of contextText.split(/^\/\/ @entry /m).slice(1)) {
  const [head, ...body] = part.split("\n")
  context.push({ names: head.trim().split(/\s+/), code: body.join("\n") })
}

const declared = (code) => {
  const names = new Set()
  for (
    const m of code.matchAll(
      /^\s*(?:export\s+)?(?:declare\s+)?(?:const|let|var|class|function\*?|interface|type|namespace|enum)\s+(\w+)/gm
    )
  ) names.add(m[1])
  for (const m of code.matchAll(/^import\s+(?:type\s+)?([\s\S]*?)\s+from\s+"[^"]+"/gm)) {
    const spec = m[1]
    for (const n of spec.replace(/[{}]/g, " ").split(/[\s,]+/)) {
      if (/^\w+$/.test(n) && n !== "as" && n !== "type") names.add(n)
    }
  }
  for (const m of code.matchAll(/\bconst\s*\{([^}]*)\}\s*=/g)) {
    for (const n of m[1].split(/[\s,:]+/)) if (/^\w+$/.test(n)) names.add(n)
  }
  return names
}
const uses = (code, name) => new RegExp(`(^|[^.\\w$"'\`])${name}\\b`).test(code.replace(/\/\/.*$/gm, ""))

const blocks = []
for (const doc of docs) {
  const lines = Fs.readFileSync(Path.join(root, doc), "utf8").split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue
    const start = i
    let end = i + 1
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++
    const skip = /<!--\s*docs-check:\s*skip/.test(lines[start - 1] ?? "")
    blocks.push({ doc, line: start + 2, code: lines.slice(start + 1, end).join("\n"), skip })
    i = end
  }
}

const files = []
let skipped = 0
for (const [n, block] of blocks.entries()) {
  if (block.skip) {
    skipped++
    continue
  }
  const own = declared(block.code)
  const imports = block.code.split("\n").filter((l) => /^import\s/.test(l))
  let body = block.code.split("\n").filter((l) => !/^import\s/.test(l)).join("\n")
  // the context entries this block needs (and what they need), in their order
  const needed = new Set()
  const want = (text) => {
    for (const [i, entry] of context.entries()) {
      if (needed.has(i) || entry.names.every((name) => own.has(name))) continue
      if (entry.names.some((name) => !own.has(name) && uses(text, name))) {
        needed.add(i)
        want(entry.code)
      }
    }
  }
  want(body)
  const contextCode = [...needed].sort((a, b) => a - b).map((i) => context[i].code).join("\n")
  const allOwn = new Set([...own, ...declared(contextCode)])
  const preludeLines = [...prelude].filter(([name]) => !allOwn.has(name) && uses(`${body}\n${contextCode}`, name)).map((
    [, line]
  ) => line)
  const generator = /\byield\*/.test(body) && !/function\s*\*/.test(body)
  if (generator) body = `export const __block = Effect.gen(function*() {\n${body}\n})`
  if (generator && !allOwn.has("Effect") && !preludeLines.some((l) => /\{ Effect \}/.test(l))) {
    preludeLines.push(prelude.get("Effect"))
  }
  const header = `// ${block.doc}:${block.line}\n`
  const text = `${header}${
    [...imports, ...preludeLines].join("\n")
  }\n${contextCode}\n// ---- the block\n${body}\nexport {}\n`
  const file = `block${String(n).padStart(3, "0")}.ts`
  Fs.writeFileSync(Path.join(out, file), text)
  files.push({ file, block, text })
}
Fs.writeFileSync(
  Path.join(out, "tsconfig.json"),
  JSON.stringify(
    {
      extends: "../../tsconfig.base.json",
      compilerOptions: {
        noEmit: true,
        composite: false,
        incremental: false,
        declaration: false,
        declarationMap: false,
        emitDeclarationOnly: false,
        noUnusedLocals: false,
        // against the packages as users get them (dist/*.d.ts, built by `tsc -b` first),
        // not their sources
        customConditions: [],
        rootDir: "."
      },
      include: ["*.ts"]
    },
    null,
    2
  )
)
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
const r = spawnSync(process.execPath, [tsc, "-p", Path.join(out, "tsconfig.json")], { encoding: "utf8", cwd: root })
const byFile = new Map(files.map((f) => [f.file, f]))
const errors = []
for (const line of `${r.stdout}`.split("\n")) {
  const m = /^build\/docs-check\/(block\d+\.ts)\((\d+),(\d+)\): (error .*)$/.exec(line)
  if (!m) {
    if (/error TS/.test(line)) errors.push(line)
    continue
  }
  const f = byFile.get(m[1])
  const lineNo = Number(m[2])
  const generated = f.text.split("\n")
  const marker = generated.indexOf("// ---- the block")
  const bodyLine = lineNo - marker - 1 - (/^export const __block = Effect.gen/.test(generated[marker + 1]) ? 1 : 0)
  const where = lineNo > marker + 1
    ? `${f.block.doc}:${
      f.block.line + bodyLine - 1 + f.block.code.split("\n").filter((l) => /^import\s/.test(l)).length
    }`
    : `${f.block.doc}:${f.block.line} (context)`
  errors.push(`${where}: ${m[4]}   [${m[1]}:${lineNo}]`)
}
console.log(
  `docs check: ${files.length} ts blocks of ${docs.length} documents type-checked, ${skipped} marked partial (docs-check: skip)`
)
if (errors.length > 0) {
  console.error(errors.join("\n"))
  console.error(`${errors.length} error(s); the generated modules are in build/docs-check/`)
  process.exit(1)
}
