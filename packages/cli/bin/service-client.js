#!/usr/bin/env node
// The `service-client` command. A built package runs its compiled entry; in this
// repository (sources only) the TypeScript entry runs through tsx.
import { existsSync } from "node:fs"

const built = new URL("../dist/bin.js", import.meta.url)
if (existsSync(built)) {
  await import(built.href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(new URL("../src/bin.ts", import.meta.url).href)
}
