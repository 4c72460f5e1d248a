import { assert, describe, it } from "@effect/vitest"
import { PluginRegistry } from "@service-client/core"
import { Registry } from "@service-client/plugins"
import { Effect } from "effect"

const examples: Record<string, unknown> = {
  PathTokens: { tokens: { version: "v1" } },
  Headers: { headers: { accept: "application/json" } },
  QueryParams: { query: { page: 1, tags: ["a", "b"], gone: null } },
  Timeout: { timeout: "5 seconds" },
  Elapsed: { headers: true, read: false },
  TrackingToken: { prefix: "REQ-", length: 8, header: "x-tracking-token" },
  InnerLogger: { maxBodyLength: 100, level: "Debug", redactHeaders: ["x-secret"] },
  OuterLogger: { levels: { request: "None", response: "Info" } },
  Pool: { limit: 4, hardLimit: 10, timeout: 1000 },
  RateLimit: { limit: 5, period: "1 second", hardLimit: 20, adaptive: { maxPause: "10 seconds" } },
  Coalesce: { ignoreHeaders: ["x-session"] },
  Hedge: { percentile: 0.95, delay: "50 millis" },
  HttpCache: { maxBytes: 1048576 },
  IdempotencyKey: { header: "X-Idempotency-Key", endpoints: ["createCharge"] },
  CircuitBreaker: {
    scope: "endpoint",
    window: { duration: "30 seconds" },
    failureRate: 0.5,
    openFor: "10 seconds",
    failOn: ["5xx", 429]
  }
}

describe("Registry", () => {
  it.scoped("registers every built-in plugin type and builds each from config options", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(Object.keys(Registry.entries).sort(), Object.keys(examples).sort())
      for (const [type, options] of Object.entries(examples)) {
        const build = yield* PluginRegistry.lookup({ type, ...(options as object) })
        const plugin = yield* build
        assert.strictEqual(plugin.name, type)
      }
    }).pipe(Effect.provide(Registry.layer)))

  it.effect("bad options fail with a SpecError naming the key", () =>
    Effect.gen(function*() {
      const cases: Array<[unknown, RegExp]> = [
        [{ type: "Pool", limit: 0 }, /limit/],
        [{ type: "Pool", size: 3 }, /size/],
        [{ type: "Timeout", timeout: "soon" }, /timeout/],
        [{ type: "Headers", headers: { "x-a": "a\nb" } }, /CR, LF/],
        [{ type: "InnerLogger", level: "Loud" }, /level/],
        [{ type: "RateLimit", adaptive: "yes" }, /adaptive/],
        [{ type: "RateLimit", adaptive: { maxPause: "soon" } }, /maxPause/],
        [{ type: "CircuitBreaker", failureRate: 2 }, /failureRate/],
        [{ type: "Nope" }, /type/]
      ]
      for (const [description, pattern] of cases) {
        const error = yield* Effect.flip(
          Effect.flatMap(PluginRegistry.lookup(description), (build) => build).pipe(Effect.scoped)
        )
        assert.strictEqual(error._tag, "SpecError")
        assert.match(error.message, pattern)
      }
    }).pipe(Effect.provide(Registry.layer)))
})
