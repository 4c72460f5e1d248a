// Runs the bench's TypeScript as compiled code runs: type annotations stripped by esbuild
// with `keepNames` off (tsx turns it on, which wraps every closure created per call in an
// `Object.defineProperty` call that compiled output — tsc, bundlers — does not have).
// Usage: node --import ./bench/loader.mjs bench/run.ts
import { register } from "node:module"

register("./loader-hooks.mjs", import.meta.url)
