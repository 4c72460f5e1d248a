import { defineConfig } from "vitest/config"

// Tests run from the TypeScript sources: the workspace packages' exports send the
// "@service-client/source" condition to `src/` (what users install is `dist/`). Vite's
// default conditions are listed again: setting `conditions` replaces them.
const source = "@service-client/source"

// Files that measure wall-clock behaviour under load, or run several processes and Redis
// servers (Sentinel, Cluster, a Redis stopped and started): each runs alone, after
// everything else, one file per group (Vitest 3 sizes its one worker pool from the root
// `maxWorkers`, so a project's own `maxWorkers`/`fileParallelism` do not hold them apart;
// a group of one file does).
const exclusive = [
  "test/reliability/load.test.ts",
  "test/redis/distributed.test.ts",
  "test/redis/sentinel.test.ts",
  "test/redis/cluster.test.ts",
  "test/redis/circuit.test.ts"
]

const shared = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: "forks" as const,
  // undoes @effect/vitest's `layer()` leaking its runtime into every later `it.effect`
  // (see the file); without it, results depend on module isolation and file order
  setupFiles: ["test/support/vitestSetup.ts"]
}

export default defineConfig({
  resolve: { conditions: [source, "module", "browser", "development|production"] },
  ssr: { resolve: { conditions: [source, "node", "development|production"] } },
  test: {
    reporters: ["default"],
    // Vitest's default on 2 cores is ONE worker (cores - 1); most files wait on sockets,
    // timers and child processes, so three keep both cores busy
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: "parallel",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
          exclude: [...exclusive, "**/node_modules/**"],
          sequence: { concurrent: false, groupOrder: 0 }
        }
      },
      ...exclusive.map((file, i) => ({
        extends: true as const,
        test: {
          ...shared,
          name: `alone:${file.split("/").pop()!.replace(".test.ts", "")}`,
          include: [file],
          sequence: { concurrent: false, groupOrder: 1 + i }
        }
      }))
    ]
  }
})
