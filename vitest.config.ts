import { defineConfig } from "vitest/config"

// Tests run from the TypeScript sources: the workspace packages' exports send the
// "@service-client/source" condition to `src/` (what users install is `dist/`). Vite's
// default conditions are listed again: setting `conditions` replaces them.
const source = "@service-client/source"

// Files that measure wall-clock behaviour under load or run several processes against the
// one Redis: they run one at a time, after everything else (a group of their own).
const exclusive = ["test/reliability/load.test.ts", "test/redis/**/*.test.ts", "packages/redis/test/**/*.test.ts"]

const shared = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: "forks" as const,
  // undoes @effect/vitest's `layer()` leaking its runtime into every later `it.effect`
  // (see the file); without it, results depend on module isolation and file order
  setupFiles: ["test/support/vitestSetup.ts"],
  sequence: { concurrent: false }
}

export default defineConfig({
  resolve: { conditions: [source, "module", "browser", "development|production"] },
  ssr: { resolve: { conditions: [source, "node", "development|production"] } },
  test: {
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: "parallel",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
          exclude: [...exclusive, "**/node_modules/**"],
          // Vitest's default on 2 cores is ONE worker (cores - 1); most files wait on
          // sockets and timers, so three keep both cores busy
          maxWorkers: 3,
          minWorkers: 1,
          sequence: { ...shared.sequence, groupOrder: 0 }
        }
      },
      {
        extends: true,
        test: {
          ...shared,
          name: "exclusive",
          include: exclusive,
          fileParallelism: false,
          sequence: { ...shared.sequence, groupOrder: 1 }
        }
      }
    ]
  }
})
