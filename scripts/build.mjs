// Builds every workspace package to its dist/ (ESM JavaScript, .d.ts, declaration and
// source maps: `tsc -b tsconfig.build.json`), then removes from dist/ what no source
// file produces any more (a module deleted or moved since the last build), so that a
// tarball never ships a stale module. `npm test` builds through `tsc -b` (tsconfig.json
// references tsconfig.build.json); `npm pack` runs this through each package's prepack.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
execFileSync(process.execPath, [tsc, "-b", Path.join(root, "tsconfig.build.json")], { stdio: "inherit" })

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
