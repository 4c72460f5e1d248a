// Summarises a .cpuprofile (node --cpu-prof): the functions with the most self time, and
// self time grouped by package. Usage: node bench/profile-summary.mjs file.cpuprofile [top]
import * as Fs from "node:fs"

const [file, topArg] = process.argv.slice(2)
const profile = JSON.parse(Fs.readFileSync(file, "utf8"))
const top = Number(topArg ?? 30)
const self = new Map()
const byPackage = new Map()
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const dt = new Map()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]
  dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
let total = 0
for (const [id, us] of dt) {
  const n = nodes.get(id)
  const f = n.callFrame
  const where = f.url.replace(/^file:\/\//, "").replace(/.*node_modules\//, "").replace(/.*\/packages\//, "packages/")
  const key = `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + us)
  const pkg = f.url === "" ? f.functionName : where.startsWith("packages/") ?
    where.split("/").slice(0, 2).join("/") :
    where.startsWith("node:")
    ? "node internals"
    : where.split("/")[0].startsWith("@")
    ? where.split("/").slice(0, 2).join("/")
    : where.split("/")[0]
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us)
  total += us
}
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5) + "%"
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`)
console.log("\nself time by package")
for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(pct(v), k)
console.log(`\ntop ${top} functions by self time`)
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k)

// inclusive time per source file of this project (a sample counts once per file on its stack)
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const inclusive = new Map()
for (const [id, us] of dt) {
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const url = nodes.get(cur).callFrame.url
    const m = /\/(packages\/[^?]+)/.exec(url)
    if (m && !seen.has(m[1])) {
      seen.add(m[1])
      inclusive.set(m[1], (inclusive.get(m[1]) ?? 0) + us)
    }
  }
}
console.log("\ninclusive time per project file (own code and what it calls)")
for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(pct(v), k)
