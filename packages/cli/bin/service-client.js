#!/usr/bin/env node
// The `service-client` command: runs the compiled entry (dist/, built by `npm run build`
// in this repository, shipped in the package).
import("../dist/bin.js").catch((e) => {
  console.error(e?.code === "ERR_MODULE_NOT_FOUND" ? "service-client: dist/ is missing (run npm run build)" : e)
  process.exitCode = 1
})
