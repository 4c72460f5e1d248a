// The static checks of `npm test`, two at a time (each is one single-threaded process; the
// machines that run them have two cores): the type-check builds dist/, which docs:check
// reads, so docs:check waits for it; the others are independent. Each check's output is
// printed whole when it ends; the run fails when any check fails (after all have ended).
import { spawn } from "node:child_process"
import * as Os from "node:os"

const checks = [
  // the longest first, so that the two lanes end together
  { name: "docgen" },
  { name: "typecheck" },
  { name: "lint" },
  { name: "docs:check", after: "typecheck" },
  { name: "format:check" },
  { name: "circular" }
]
const lanes = Math.max(1, Math.min(2, Os.availableParallelism()))
const npm = process.platform === "win32" ? "npm.cmd" : "npm"

const run = (check) =>
  new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(npm, ["run", "-s", check.name], { stdio: ["ignore", "pipe", "pipe"] })
    const output = []
    child.stdout.on("data", (chunk) => output.push(chunk))
    child.stderr.on("data", (chunk) => output.push(chunk))
    child.on("close", (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      process.stdout.write(`\n> ${check.name} (${code === 0 ? "ok" : `failed: exit ${code}`}, ${seconds} s)\n`)
      process.stdout.write(Buffer.concat(output))
      resolve(code === 0)
    })
  })

const done = new Map()
const pending = [...checks]
const failed = []
const lane = async () => {
  for (;;) {
    const i = pending.findIndex((c) => c.after === undefined || done.has(c.after))
    if (i < 0) {
      if (pending.length === 0) return
      // what is left waits for a check still running in the other lane
      await Promise.race([...running])
      continue
    }
    const [check] = pending.splice(i, 1)
    if (check.after !== undefined && done.get(check.after) === false) {
      process.stdout.write(`\n> ${check.name} (not run: ${check.after} failed)\n`)
      done.set(check.name, false)
      failed.push(check.name)
      continue
    }
    const result = run(check).then((ok) => {
      done.set(check.name, ok)
      if (!ok) failed.push(check.name)
      running.delete(result)
    })
    running.add(result)
    await result
  }
}
const running = new Set()
const started = performance.now()
await Promise.all(Array.from({ length: lanes }, lane))
const seconds = ((performance.now() - started) / 1000).toFixed(1)
if (failed.length > 0) {
  console.error(`\nchecks failed: ${failed.join(", ")} (${seconds} s)`)
  process.exit(1)
}
console.log(`\nchecks passed: ${checks.map((c) => c.name).join(", ")} (${seconds} s, ${lanes} at a time)`)
