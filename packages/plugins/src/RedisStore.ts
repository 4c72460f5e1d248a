/**
 * The Redis connection behind the distributed limiters of `RedisLimiter`: one ioredis
 * client (plus one for pub/sub wake-ups, made on first use) per layer, with connect and
 * command timeouts so an unreachable Redis is a typed failure and never a hang, and the
 * limiters' Lua scripts loaded on it.
 *
 * @since 0.1.0
 */
import {
  Config,
  ConfigError,
  Context,
  Data,
  Duration,
  Effect,
  Either,
  Layer,
  Option,
  Redacted,
  type Scope
} from "effect"
import type { Redis } from "ioredis"
import * as Scripts from "./internal/redisScripts.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `redis://[:password@]host:port[/db]`; default `redis://127.0.0.1:6379`. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** Prefix of every key; processes that share limits share the prefix. Default `"service-client"`. */
  readonly prefix?: string | undefined
  /** Default 1 second. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Longest wait for one Redis command before the limiter counts Redis as unavailable. Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /**
   * When Redis is unavailable: `"fail"` (default) fails the call with `LimiterUnavailable`;
   * `"allow"` lets the call through without a permit (logged as a warning).
   */
  readonly onUnavailable?: "fail" | "allow" | undefined
}

/**
 * The names of the limiters' Lua scripts.
 *
 * @since 0.1.0
 * @category models
 */
export type ScriptName = keyof typeof scripts

const scripts = {
  scAcquire: Scripts.acquire,
  scRenew: Scripts.renew,
  scRelease: Scripts.release,
  scCancel: Scripts.cancel,
  scCount: Scripts.count
} as const

/**
 * A store command failed: the limiter turns it into `RedisLimiter.LimiterUnavailable`.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreFailure extends Data.TaggedError("StoreFailure")<{ readonly reason: string; readonly cause?: unknown }> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly prefix: string
  readonly onUnavailable: "fail" | "allow"
  /** The command connection. */
  readonly redis: Redis
  /** Runs one of the store's scripts on `keys` (see `internal/redisScripts.ts`). */
  readonly run: (
    script: ScriptName,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Effect.Effect<unknown, StoreFailure>
  /** Calls `onMessage` on each message of `channel` for the life of the scope (best effort). */
  readonly subscribe: (channel: string, onMessage: () => void) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * The Redis connection shared by every Redis limiter of the program.
 *
 * @since 0.1.0
 * @category tags
 */
export class RedisStore extends Context.Tag("@service-client/plugins/RedisStore")<RedisStore, Service>() {}

const duration = (key: string, input: unknown, fallback: Duration.DurationInput) =>
  input === undefined
    ? Either.right(Duration.decode(fallback))
    : Option.match(Duration.decodeUnknown(input), {
      onNone: () => Either.left(ConfigError.InvalidData([key], `not a duration: ${String(input)}`)),
      onSome: Either.right
    })

/**
 * Connects to Redis for the life of the scope. Never waits for the connection: a Redis
 * that is down shows up as `RedisLimiter.LimiterUnavailable` on calls, and ioredis reconnects in the
 * background.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const connectTimeout = yield* duration("connectTimeout", options.connectTimeout, "1 second")
    const commandTimeout = yield* duration("commandTimeout", options.commandTimeout, "1 second")
    const onUnavailable = options.onUnavailable ?? "fail"
    if (onUnavailable !== "fail" && onUnavailable !== "allow") {
      const reason = `expected "fail" or "allow", got ${String(onUnavailable)}`
      return yield* Effect.fail(ConfigError.InvalidData(["onUnavailable"], reason))
    }
    const url = options.url === undefined
      ? "redis://127.0.0.1:6379"
      : Redacted.isRedacted(options.url)
      ? Redacted.value(options.url)
      : options.url
    const timeoutMs = Duration.toMillis(commandTimeout)
    // loaded here so that importing the plugins package does not need the optional ioredis
    const { Redis } = yield* Effect.promise(() => import("ioredis")).pipe(
      Effect.catchAllDefect(() => Effect.dieMessage("RedisStore needs the ioredis package: npm install ioredis@5"))
    )
    const redis = yield* Effect.acquireRelease(
      Effect.try({
        try: (): Redis =>
          new Redis(url, {
            connectTimeout: Duration.toMillis(connectTimeout),
            commandTimeout: timeoutMs,
            maxRetriesPerRequest: 1,
            retryStrategy: (times) => Math.min(50 * times, 1000),
            enableAutoPipelining: true
          }),
        catch: (cause) => ConfigError.InvalidData(["url"], `not a Redis URL: ${String(cause)}`)
      }),
      (redis) => Effect.sync(() => redis.disconnect())
    )
    let lastError = "not connected"
    redis.on("error", (e: Error) => {
      lastError = e.message
    })
    for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { lua, numberOfKeys: 5 })

    const run: Service["run"] = (script, keys, args) =>
      Effect.tryPromise({
        try: () => (redis as unknown as Record<ScriptName, (...a: Array<string | number>) => Promise<unknown>>)[script](...keys, ...args),
        catch: (cause) => new StoreFailure({ reason: cause instanceof Error ? cause.message : String(cause), cause })
      }).pipe(
        Effect.timeoutFail({
          duration: commandTimeout,
          onTimeout: () => new StoreFailure({ reason: `no answer within ${Duration.format(commandTimeout)} (${lastError})` })
        })
      )

    const handlers = new Map<string, Set<() => void>>()
    let subscriber: Redis | undefined
    yield* Effect.addFinalizer(() => Effect.sync(() => subscriber?.disconnect()))
    const subscribe: Service["subscribe"] = (channel, onMessage) =>
      Effect.gen(function*() {
        if (subscriber === undefined) {
          const sub = redis.duplicate({ lazyConnect: false })
          sub.on("error", () => {})
          sub.on("message", (ch: string) => handlers.get(ch)?.forEach((f) => f()))
          subscriber = sub
        }
        const sub = subscriber
        let set = handlers.get(channel)
        if (set === undefined) {
          set = new Set()
          handlers.set(channel, set)
          // ioredis resubscribes after a reconnect; a failure here leaves polling only
          sub.subscribe(channel).catch(() => {})
        }
        set.add(onMessage)
        const own = set
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            own.delete(onMessage)
            if (own.size === 0) {
              handlers.delete(channel)
              sub.unsubscribe(channel).catch(() => {})
            }
          })
        )
      })

    return { prefix: options.prefix ?? "service-client", onUnavailable, redis, run, subscribe }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RedisStore, ConfigError.ConfigError> =>
  Layer.scoped(RedisStore, make(options))

/**
 * **Example** (From the environment)
 * ```ts
 * RedisStore.layerConfig({ url: Config.redacted("REDIS_URL"), prefix: Config.string("REDIS_PREFIX") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (options: Config.Config.Wrap<Options>): Layer.Layer<RedisStore, ConfigError.ConfigError> =>
  Layer.scoped(RedisStore, Effect.flatMap(Config.unwrap(options), make))
