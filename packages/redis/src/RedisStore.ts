/**
 * The Redis connection behind the distributed limiters: one ioredis client (plus one for
 * pub/sub wake-ups, made on first use) per layer, with connect and command timeouts so an
 * unreachable Redis is a typed failure and never a hang, and the limiters' Lua scripts
 * loaded on it. `layerLimiters` puts every `Pool` and `RateLimit` built under it on Redis.
 *
 * @since 0.1.0
 */
import { safeDisplay, SpecError } from "@service-client/core/Errors"
import * as LimiterStore from "@service-client/plugins/LimiterStore"
import { Config, ConfigError, Context, Data, Duration, Effect, Either, Layer, Option, Redacted, Scope } from "effect"
import type { Cluster, Redis, RedisOptions } from "ioredis"
import type { ConnectionOptions } from "node:tls"
import * as Impl from "./internal/redisLimiter.js"
import * as Scripts from "./internal/redisScripts.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends ConnectionConfig {
  /**
   * An ioredis `Redis` or `Cluster` of the program's own, used instead of connecting (it is
   * not closed with the layer; the pub/sub connection is its `duplicate()`). The other
   * connection options are then ignored.
   */
  readonly client?: Redis | Cluster | undefined
  /** TLS: `true`, or Node's `tls.connect` options (CA, client certificate, servername...). `rediss://` URLs turn it on too. */
  readonly tls?: boolean | ConnectionOptions | undefined
}

/**
 * A Redis node: `"host:port"` or `{ host, port }`.
 *
 * @since 0.1.0
 * @category models
 */
export type Node = string | { readonly host: string; readonly port: number }

/**
 * The options {@link layerConfig} can read from `Config` (all but `client`; `tls` on or off).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionConfig {
  /** `redis://[:password@]host:port[/db]` or `rediss://` (TLS); default `redis://127.0.0.1:6379`. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** Sentinel: the sentinels to ask for the primary of `name` (a failover is followed). */
  readonly sentinels?: ReadonlyArray<Node> | undefined
  /** Sentinel: the name of the primary group (`sentinel monitor <name> ...`). */
  readonly name?: string | undefined
  /** Cluster: some of its nodes (the rest is discovered). Every limiter's keys share one hash slot (`{name}`). */
  readonly nodes?: ReadonlyArray<Node> | undefined
  /** Password of the Redis nodes (Sentinel and Cluster; a URL carries its own). */
  readonly password?: Redacted.Redacted<string> | string | undefined
  /** Password of the sentinels, when they ask for one. */
  readonly sentinelPassword?: Redacted.Redacted<string> | string | undefined
  /** Prefix of every key; processes that share limits share the prefix. Default `"service-client"`. */
  readonly prefix?: string | undefined
  /** Default 1 second. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Longest wait for one Redis command before the limiter counts Redis as unavailable. Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /**
   * When Redis is unavailable: `"fail"` (fail closed, the default) fails the call with the
   * core's `LimiterUnavailable`; `"allow"` (fail open) lets the call through without a
   * permit (logged as a warning).
   */
  readonly onUnavailable?: "fail" | "allow" | undefined
  /**
   * How long the permit of a call in flight stays taken without renewal (a fiber of the
   * call renews it every third of it), so a process that dies gives its permits back
   * within it. Default 10 seconds.
   */
  readonly leaseTtl?: Duration.DurationInput | undefined
  /**
   * Waiting calls are woken by Redis (pub/sub) when a permit is handed to them; as a
   * fallback for a lost wake-up, each process checks once per limiter every
   * `pollInterval`..`2 * pollInterval` (jittered) for all of its waiters. Default 1 second.
   */
  readonly pollInterval?: Duration.DurationInput | undefined
}

/**
 * The names of the limiters' Lua scripts.
 *
 * @since 0.1.0
 * @category models
 */
export type ScriptName = Scripts.ScriptName

/**
 * A store command failed: the limiter turns it into the core's `LimiterUnavailable`.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreFailure
  extends Data.TaggedError("StoreFailure")<{ readonly reason: string; readonly cause?: unknown }>
{}
safeDisplay(StoreFailure)

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly prefix: string
  readonly onUnavailable: "fail" | "allow"
  /** Default lease TTL of a limiter (ms). */
  readonly leaseTtl: number
  /** Default fallback check period of a limiter (ms). */
  readonly pollInterval: number
  /** The command connection (a `Cluster` with `nodes` or a given cluster `client`). */
  readonly redis: Redis | Cluster
  /** Runs one of the store's scripts on `keys` (see `internal/redisScripts.ts`). */
  readonly run: (
    script: ScriptName,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Effect.Effect<unknown, StoreFailure>
  /** Calls `onMessage` on each message of `channel` for the life of the scope (best effort). */
  readonly subscribe: (channel: string, onMessage: (message: string) => void) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * The Redis connection shared by every Redis limiter of the program.
 *
 * @since 0.1.0
 * @category tags
 */
export class RedisStore extends Context.Tag("@service-client/redis/RedisStore")<RedisStore, Service>() {}

const duration = (key: string, input: unknown, fallback: Duration.DurationInput) =>
  input === undefined
    ? Either.right(Duration.decode(fallback))
    : Option.match(Duration.decodeUnknown(input), {
      onNone: () => Either.left(ConfigError.InvalidData([key], `not a duration: ${String(input)}`)),
      onSome: Either.right
    })

const nodeList = (key: string, input: ReadonlyArray<Node> | undefined) =>
  Effect.suspend(() => {
    if (input === undefined) return Effect.succeed(undefined)
    if (!Array.isArray(input) || input.length === 0) {
      return Effect.fail(ConfigError.InvalidData([key], "expected a non-empty list of host:port"))
    }
    const out: Array<{ host: string; port: number }> = []
    for (const node of input as ReadonlyArray<unknown>) {
      const m = typeof node === "string" ? /^\[?([^\s\]]+?)\]?:(\d{1,5})$/.exec(node.trim()) : null
      const host = m ? m[1] : typeof node === "object" && node !== null ? (node as { host?: unknown }).host : undefined
      const port = m
        ? Number(m[2])
        : typeof node === "object" && node !== null
        ? (node as { port?: unknown }).port
        : undefined
      if (
        typeof host !== "string" || host === "" || !Number.isInteger(port) || (port as number) < 1 ||
        (port as number) > 65535
      ) {
        const shown = JSON.stringify(node)?.slice(0, 80) ?? String(node)
        return Effect.fail(ConfigError.InvalidData([key], `expected host:port, got ${shown}`))
      }
      out.push({ host, port: port as number })
    }
    return Effect.succeed(out)
  })

/**
 * Connects to Redis for the life of the scope. Never waits for the connection: a Redis
 * that is down shows up as `LimiterUnavailable` on calls, and ioredis reconnects in the
 * background.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const connectTimeout = yield* duration("connectTimeout", options.connectTimeout, "1 second")
    const commandTimeout = yield* duration("commandTimeout", options.commandTimeout, "1 second")
    const leaseTtl = Duration.toMillis(yield* duration("leaseTtl", options.leaseTtl, "10 seconds"))
    const pollInterval = Duration.toMillis(yield* duration("pollInterval", options.pollInterval, "1 second"))
    if (!(leaseTtl >= 10 && Number.isFinite(leaseTtl))) {
      return yield* Effect.fail(ConfigError.InvalidData(["leaseTtl"], "expected a finite duration of 10 ms or more"))
    }
    if (!(pollInterval >= 1 && Number.isFinite(pollInterval))) {
      return yield* Effect.fail(ConfigError.InvalidData(["pollInterval"], "expected a finite duration of 1 ms or more"))
    }
    const onUnavailable = options.onUnavailable ?? "fail"
    if (onUnavailable !== "fail" && onUnavailable !== "allow") {
      const reason = `expected "fail" or "allow", got ${String(onUnavailable)}`
      return yield* Effect.fail(ConfigError.InvalidData(["onUnavailable"], reason))
    }
    const timeoutMs = Duration.toMillis(commandTimeout)
    const secret = (v: string | Redacted.Redacted<string> | undefined) =>
      v === undefined ? undefined : Redacted.isRedacted(v) ? Redacted.value(v) : v
    const sentinels = yield* nodeList("sentinels", options.sentinels)
    const nodes = yield* nodeList("nodes", options.nodes)
    if (sentinels !== undefined && (typeof options.name !== "string" || options.name === "")) {
      return yield* Effect.fail(ConfigError.InvalidData(["name"], "Sentinel needs the name of the primary group"))
    }
    if (sentinels !== undefined && nodes !== undefined) {
      return yield* Effect.fail(ConfigError.InvalidData(["nodes"], "give either sentinels or cluster nodes, not both"))
    }
    const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls
    const common: RedisOptions = {
      connectTimeout: Duration.toMillis(connectTimeout),
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      enableAutoPipelining: true,
      ...(tls === undefined ? {} : { tls })
    }
    // loaded when a store is made, so that importing this package (e.g. for its types) loads no ioredis
    const { Cluster, Redis } = yield* Effect.promise(() => import("ioredis")).pipe(
      Effect.catchAllDefect(() => Effect.dieMessage("RedisStore needs the ioredis package: npm install ioredis@5"))
    )
    const connect = (): Redis | Cluster => {
      const password = secret(options.password)
      if (nodes !== undefined) {
        return new Cluster(nodes, {
          enableAutoPipelining: true,
          clusterRetryStrategy: (times) => Math.min(50 * times, 1000),
          redisOptions: { ...common, ...(password === undefined ? {} : { password }) }
        })
      }
      if (sentinels !== undefined) {
        const sentinelPassword = secret(options.sentinelPassword)
        return new Redis({
          ...common,
          sentinels,
          name: options.name!,
          ...(password === undefined ? {} : { password }),
          ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
          ...(tls === undefined ? {} : { enableTLSForSentinelMode: true, sentinelTLS: tls })
        })
      }
      return new Redis(secret(options.url) ?? "redis://127.0.0.1:6379", common)
    }
    const given = options.client
    const redis = given !== undefined ? given : yield* Effect.acquireRelease(
      Effect.try({
        try: connect,
        catch: (cause) => ConfigError.InvalidData(["url"], `not a Redis URL: ${String(cause)}`)
      }),
      (redis) => Effect.sync(() => redis.disconnect())
    )
    let lastError = "not connected"
    redis.on("error", (e: Error) => {
      lastError = e.message
    })
    for (const [name, lua] of Object.entries(Scripts.commands)) {
      // idempotent: a given client may already carry them
      if (!(name in redis)) redis.defineCommand(name, { lua, numberOfKeys: 5 })
    }

    const run: Service["run"] = (script, keys, args) =>
      Effect.tryPromise({
        try: () =>
          (redis as unknown as Record<ScriptName, (...a: Array<string | number>) => Promise<unknown>>)[script](
            ...keys,
            ...args
          ),
        catch: (cause) => new StoreFailure({ reason: cause instanceof Error ? cause.message : String(cause), cause })
      }).pipe(
        Effect.timeoutFail({
          duration: commandTimeout,
          onTimeout: () =>
            new StoreFailure({ reason: `no answer within ${Duration.format(commandTimeout)} (${lastError})` })
        })
      )

    const handlers = new Map<string, Set<(message: string) => void>>()
    let subscriber: Redis | undefined
    yield* Effect.addFinalizer(() => Effect.sync(() => subscriber?.disconnect()))
    const subscribe: Service["subscribe"] = (channel, onMessage) =>
      Effect.gen(function*() {
        if (subscriber === undefined) {
          const sub = redis.duplicate() as Redis
          sub.on("error", () => {})
          sub.on("message", (ch: string, message: string) => handlers.get(ch)?.forEach((f) => f(message)))
          subscriber = sub
        }
        const sub = subscriber
        let set = handlers.get(channel)
        if (set === undefined) {
          set = new Set()
          handlers.set(channel, set)
          // ioredis resubscribes after a reconnect; the limiter's fallback check covers a failure
          const subscribed = sub.subscribe(channel).catch(() => {})
          set.add(onMessage)
          // the first waiters are woken too: wait (briefly) until Redis confirms the subscription
          yield* Effect.promise(() => subscribed).pipe(Effect.timeout(commandTimeout), Effect.ignore)
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

    return {
      prefix: options.prefix ?? "service-client",
      onUnavailable,
      leaseTtl,
      pollInterval,
      redis,
      run,
      subscribe
    }
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

/**
 * The default configuration of {@link layerLimitersConfig}: every key optional.
 *
 * | key | option |
 * | --- | --- |
 * | `REDIS_URL` | `url` (read as `Redacted`) |
 * | `REDIS_PREFIX` | `prefix` |
 * | `REDIS_ON_UNAVAILABLE` | `onUnavailable` (`fail` or `allow`) |
 * | `REDIS_COMMAND_TIMEOUT` | `commandTimeout` (e.g. `500 millis`) |
 * | `REDIS_LEASE_TTL` | `leaseTtl` |
 * | `REDIS_SENTINELS` | `sentinels` (`host:port,host:port`) |
 * | `REDIS_SENTINEL_NAME` | `name` |
 * | `REDIS_CLUSTER_NODES` | `nodes` (`host:port,host:port`) |
 * | `REDIS_PASSWORD` | `password` (read as `Redacted`) |
 * | `REDIS_TLS` | `tls` (`true` / `false`) |
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  url: Config.option(Config.redacted("REDIS_URL")),
  prefix: Config.option(Config.string("REDIS_PREFIX")),
  onUnavailable: Config.option(Config.literal("fail", "allow")("REDIS_ON_UNAVAILABLE")),
  commandTimeout: Config.option(Config.duration("REDIS_COMMAND_TIMEOUT")),
  leaseTtl: Config.option(Config.duration("REDIS_LEASE_TTL")),
  sentinels: Config.option(Config.array(Config.string(), "REDIS_SENTINELS")),
  name: Config.option(Config.string("REDIS_SENTINEL_NAME")),
  nodes: Config.option(Config.array(Config.string(), "REDIS_CLUSTER_NODES")),
  password: Config.option(Config.redacted("REDIS_PASSWORD")),
  tls: Config.option(Config.boolean("REDIS_TLS"))
}).pipe(
  Config.map((c): Options => ({
    url: Option.getOrUndefined(c.url),
    prefix: Option.getOrUndefined(c.prefix),
    onUnavailable: Option.getOrUndefined(c.onUnavailable),
    commandTimeout: Option.getOrUndefined(c.commandTimeout),
    leaseTtl: Option.getOrUndefined(c.leaseTtl),
    sentinels: Option.getOrUndefined(c.sentinels),
    name: Option.getOrUndefined(c.name),
    nodes: Option.getOrUndefined(c.nodes),
    password: Option.getOrUndefined(c.password),
    tls: Option.getOrUndefined(c.tls)
  }))
)

/**
 * The `LimiterStore` on Redis. A Pool or RateLimit plugin gets one Redis limiter per name:
 * `<name>:pool` / `<name>:rateLimit`, where `<name>` is its `key` option or else the name
 * of the client that calls. Its blocked time goes to the same attributes as in memory, also
 * when the call fails.
 *
 * A RateLimit with `adaptive` is refused when the client is built (a defect: a `SpecError`
 * with key `RateLimit.adaptive`): the pause it takes from a 429 would hold in this process
 * only, while the limit it pauses is shared by every process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const limiters = (store: Service): LimiterStore.Service => ({
  kind: "redis",
  make: (options) =>
    Effect.gen(function*() {
      if (options.adaptive !== undefined) {
        return yield* Effect.die(
          new SpecError({
            key: `${options.limiter === "pool" ? "Pool" : "RateLimit"}.adaptive`,
            reason: "not supported on the Redis store (the pause would hold in one process of a limit shared by all)"
          })
        )
      }
      const scope = yield* Effect.scope
      const common = { limit: options.limit, hardLimit: options.hardLimit, timeout: options.timeout }
      const period = options.period === undefined ? undefined : Duration.toMillis(options.period)
      // one limit per name: `<key or calling client's name>:<pool|rateLimit>`
      const permitsOf = yield* Effect.cachedFunction((name: string) =>
        Impl.plan(store, options.limiter, { ...common, name }, period).pipe(
          Effect.flatMap((p) => Impl.permits(store, p)),
          Scope.extend(scope)
        )
      )
      const route = (ticket: LimiterStore.Ticket) => permitsOf(`${options.key ?? ticket.service}:${options.limiter}`)
      return {
        name: `RedisLimiter ${options.key === undefined ? options.limiter : `${options.key}:${options.limiter}`}`,
        onUnavailable: store.onUnavailable,
        take: (ticket) => Effect.flatMap(route(ticket), (permits) => permits.take(ticket)),
        tryTake: (ticket) => Effect.flatMap(route(ticket), (permits) => permits.tryTake(ticket)),
        cancel: (ticket) => Effect.flatMap(route(ticket), (permits) => permits.cancel(ticket)),
        release: (ticket) => Effect.flatMap(route(ticket), (permits) => permits.release(ticket))
      } satisfies LimiterStore.Permits
    })
})

/**
 * Connects to Redis and puts every `Pool` and `RateLimit` built under this layer on it
 * (provides `RedisStore` too, for `RedisLimiter.semaphore`/`window`). Without it they
 * stay in memory.
 *
 * **Example** (Five calls in flight across every replica)
 * ```ts
 * const UsersLive = ServiceClient.layer(Users, UserApi, {
 *   name: "users",
 *   baseUrl: Config.string("USERS_URL"),
 *   plugins: [Pool.make({ limit: 5 }), RateLimit.make({ limit: 20, period: "1 second" })]
 * }).pipe(Layer.provide(RedisStore.layerLimiters({ url: "redis://redis:6379", prefix: "shop" })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLimiters = (
  options: Options = {}
): Layer.Layer<RedisStore | LimiterStore.LimiterStore, ConfigError.ConfigError> =>
  Layer.effect(LimiterStore.LimiterStore, Effect.map(RedisStore, limiters)).pipe(Layer.provideMerge(layer(options)))

/**
 * {@link layerLimiters} from Effect `Config`: by default the keys of {@link config}
 * (`REDIS_URL`, `REDIS_PREFIX`, ...).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLimitersConfig = (
  options: Config.Config.Wrap<Options> = config
): Layer.Layer<RedisStore | LimiterStore.LimiterStore, ConfigError.ConfigError> =>
  Layer.effect(LimiterStore.LimiterStore, Effect.map(RedisStore, limiters)).pipe(
    Layer.provideMerge(layerConfig(options))
  )
