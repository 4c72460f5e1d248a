// Module hooks for bench/loader.mjs: the workspace packages resolve to their sources, `.js`
// specifiers that name a `.ts` file resolve to it,
// `.ts` files are transformed by esbuild (ESM, no keepNames, inline source maps).
import { transform } from "esbuild"
import { existsSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"

// The workspace packages' exports send this condition to their TypeScript sources.
const source = "@service-client/source"

export const resolve = async (specifier, context, next) => {
  if (!context.conditions.includes(source)) context = { ...context, conditions: [source, ...context.conditions] }
  if (
    specifier.endsWith(".js") && (specifier.startsWith(".") || specifier.startsWith("/")) &&
    context.parentURL?.startsWith("file:")
  ) {
    const ts = new URL(specifier.slice(0, -3) + ".ts", context.parentURL)
    if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(ts))) {
      return next(ts.href, context)
    }
  }
  return next(specifier, context)
}

export const load = async (url, context, next) => {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context)
  const path = fileURLToPath(url)
  const { code } = await transform(await readFile(path, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "node20",
    keepNames: false,
    sourcemap: "inline",
    sourcefile: path
  })
  return { format: "module", source: code, shortCircuit: true }
}
