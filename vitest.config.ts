import { defineConfig } from "vitest/config"

// Tests run from the TypeScript sources: the workspace packages' exports send the
// "@service-client/source" condition to `src/` (what users install is `dist/`). Vite's
// default conditions are listed again: setting `conditions` replaces them.
const source = "@service-client/source"

export default defineConfig({
  resolve: { conditions: [source, "module", "browser", "development|production"] },
  ssr: { resolve: { conditions: [source, "node", "development|production"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    sequence: { concurrent: false },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: ["default"]
  }
})
