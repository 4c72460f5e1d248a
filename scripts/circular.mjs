// Fails when a package's sources import each other in a cycle, type-only imports included
// (see ARCHITECTURE.md, "No import cycles").
import madge from "madge"
import { readdirSync } from "node:fs"

const roots = readdirSync("packages", { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => `packages/${d.name}/src`)
const result = await madge(roots, { fileExtensions: ["ts"], detectiveOptions: { ts: { skipTypeImports: false } } })
const cycles = result.circular()
if (cycles.length > 0) {
  console.error(`Import cycles (${cycles.length}):`)
  for (const cycle of cycles) console.error(`  ${cycle.join(" > ")} > ${cycle[0]}`)
  process.exit(1)
}
console.log(`No import cycle in ${Object.keys(result.obj()).length} modules of ${roots.join(", ")}`)
