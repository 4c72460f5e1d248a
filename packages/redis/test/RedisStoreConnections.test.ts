// Connection options of RedisStore: an existing ioredis client, hash-tagged keys, options read from Config.
// Runs against the Redis at 127.0.0.1:6379; every run uses its own key prefix.
import { assert, describe, it } from "@effect/vitest"
import { RedisLimiter, RedisStore } from "@service-client/redis"
import { ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { Redis } from "ioredis"

const prefix = `conn-${process.pid}-${Date.now().toString(36)}`
const caller = { service: "svc", endpoint: "ep" }

describe("RedisStore connections", () => {
  it.live("uses an existing ioredis client, leaves it open, and keeps each limiter's keys in one hash slot", () =>
    Effect.gen(function*() {
      const client = new Redis("redis://127.0.0.1:6379", { lazyConnect: false })
      yield* Effect.addFinalizer(() => Effect.sync(() => client.disconnect()))
      const keys = yield* Effect.gen(function*() {
        const sem = yield* RedisLimiter.semaphore({ name: "tagged", limit: 1 })
        return yield* sem.withPermit(caller)(
          Effect.gen(function*() {
            const stats = yield* sem.stats
            assert.deepStrictEqual(stats, { taken: 1, waiting: 0 })
            return yield* Effect.promise(() => client.keys(`${prefix}:*`))
          })
        )
      }).pipe(Effect.scoped, Effect.provide(RedisStore.layer({ client, prefix })))
      assert.isAbove(keys.length, 0)
      // one hash tag per limiter: every key of the limiter lands in the same Cluster slot
      for (const key of keys) assert.match(key, new RegExp(`^${prefix}:\\{tagged:pool\\}:|^${prefix}:\\{tagged\\}:`))
      // the layer closed; the client is the program's and still answers
      assert.strictEqual(yield* Effect.promise(() => client.ping()), "PONG")
    }).pipe(Effect.scoped))

  it.effect("reads Sentinel, Cluster, TLS and password settings from Config", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromMap(
        new Map([
          ["REDIS_SENTINELS", "127.0.0.1:26379,[::1]:26380"],
          ["REDIS_SENTINEL_NAME", "primary"],
          ["REDIS_PASSWORD", "s3cret"],
          ["REDIS_TLS", "true"],
          ["REDIS_PREFIX", "shop"]
        ])
      )
      const options = yield* Effect.withConfigProvider(RedisStore.config, provider)
      assert.deepStrictEqual(options.sentinels, ["127.0.0.1:26379", "[::1]:26380"])
      assert.strictEqual(options.name, "primary")
      assert.strictEqual(options.tls, true)
      assert.strictEqual(options.prefix, "shop")
      assert.isTrue(Redacted.isRedacted(options.password))
      const nodes = ConfigProvider.fromMap(new Map([["REDIS_CLUSTER_NODES", "127.0.0.1:7000,127.0.0.1:7001"]]))
      assert.deepStrictEqual((yield* Effect.withConfigProvider(RedisStore.config, nodes)).nodes, [
        "127.0.0.1:7000",
        "127.0.0.1:7001"
      ])
    }))

  it.effect("bad connection settings are a ConfigError naming the key, before any I/O", () =>
    Effect.gen(function*() {
      const build = (options: RedisStore.Options) => Effect.exit(Effect.scoped(Layer.build(RedisStore.layer(options))))
      const noName = yield* build({ sentinels: ["127.0.0.1:26379"] })
      assert.isTrue(Exit.isFailure(noName))
      assert.include(String(Exit.isFailure(noName) && noName.cause), "name")
      const badNode = yield* build({ nodes: ["not a node"] })
      assert.include(String(Exit.isFailure(badNode) && badNode.cause), "expected host:port")
      const badPort = yield* build({ nodes: [{ host: "127.0.0.1", port: 70000 }] })
      assert.isTrue(Exit.isFailure(badPort))
      const both = yield* build({ nodes: ["127.0.0.1:7000"], sentinels: ["127.0.0.1:26379"], name: "p" })
      assert.include(String(Exit.isFailure(both) && both.cause), "not both")
      const empty = yield* build({ sentinels: [], name: "p" })
      assert.isTrue(Exit.isFailure(empty))
    }))
})
