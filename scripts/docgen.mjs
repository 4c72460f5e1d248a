// Runs @effect/docgen in every package of packages/ that has a docgen.json (API docs from the
// `@since`/`@category` JSDoc into packages/<name>/docs/, git-ignored). Fails on the first package
// whose docs are incomplete or whose examples do not type-check.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = createRequire(import.meta.url).resolve("@effect/docgen/bin.cjs")
const packages = readdirSync(join(root, "packages")).filter((name) =>
  existsSync(join(root, "packages", name, "docgen.json"))
).sort()
for (const name of packages) {
  console.log(`docgen: packages/${name}`)
  const result = spawnSync(process.execPath, [bin], { cwd: join(root, "packages", name), stdio: "inherit" })
  if (result.status !== 0) {
    console.error(`docgen failed in packages/${name}`)
    process.exit(result.status ?? 1)
  }
}
