/**
 * Every built-in plugin as a type a client config can name
 * (`plugins: [{ type: "Pool", limit: 10 }]`), for `ClientConfig.makeClient`.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ClientConfig.makeClient(config).pipe(Effect.provide(Registry.layer))
 * ```
 *
 * @since 0.1.0
 */
import { PluginRegistry } from "@service-client/core"
import { Effect, Schema } from "effect"
import * as CircuitBreaker from "./CircuitBreaker.js"
import * as Coalesce from "./Coalesce.js"
import * as Elapsed from "./Elapsed.js"
import * as Headers from "./Headers.js"
import * as Hedge from "./Hedge.js"
import * as HttpCache from "./HttpCache.js"
import * as IdempotencyKey from "./IdempotencyKey.js"
import * as InnerLogger from "./InnerLogger.js"
import * as OuterLogger from "./OuterLogger.js"
import * as PathTokens from "./PathTokens.js"
import * as Pool from "./Pool.js"
import * as QueryParams from "./QueryParams.js"
import * as RateLimit from "./RateLimit.js"
import * as Timeout from "./Timeout.js"
import * as TrackingToken from "./TrackingToken.js"

const { DurationOption, fromSchema } = PluginRegistry
const Scalar = Schema.Union(Schema.String, Schema.Number, Schema.Boolean)
const Count = Schema.Int.pipe(Schema.positive())
const NonNegative = Schema.Int.pipe(Schema.nonNegative())
const Level = Schema.Literal("All", "Fatal", "Error", "Warning", "Info", "Debug", "Trace", "None", "Off")
const Logger = Schema.Struct({
  maxBodyLength: Schema.optional(NonNegative),
  level: Schema.optional(Level),
  levels: Schema.optional(Schema.Struct({
    request: Schema.optional(Level),
    response: Schema.optional(Level),
    exception: Schema.optional(Level),
    parseException: Schema.optional(Level)
  })),
  redactHeaders: Schema.optional(Schema.Array(Schema.String)),
  redactDefaultHeaders: Schema.optional(Schema.Boolean)
})
const plain = <A>(make: (options: A) => unknown) => (options: A) => Effect.succeed(make(options) as never)

/**
 * The factories of the built-in plugin types, by type name.
 *
 * @since 0.1.0
 * @category registry
 */
export const entries: Readonly<Record<string, PluginRegistry.Factory>> = {
  PathTokens: fromSchema(
    Schema.Struct({ tokens: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) }) }),
    plain(PathTokens.make)
  ),
  Headers: fromSchema(
    Schema.Struct({ headers: Schema.Record({ key: Schema.String, value: Schema.String }) }),
    plain(Headers.make)
  ),
  QueryParams: fromSchema(
    Schema.Struct({
      query: Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.Union(Scalar, Schema.Array(Scalar))) })
    }),
    plain(QueryParams.make)
  ),
  Timeout: fromSchema(Schema.Struct({ timeout: Schema.optional(Schema.NullOr(DurationOption)) }), plain(Timeout.make)),
  Elapsed: fromSchema(
    Schema.Struct({
      headers: Schema.optional(Schema.Boolean),
      read: Schema.optional(Schema.Boolean),
      parse: Schema.optional(Schema.Boolean)
    }),
    plain(Elapsed.make)
  ),
  TrackingToken: fromSchema(
    Schema.Struct({
      prefix: Schema.optional(Schema.String),
      length: Schema.optional(Count),
      header: Schema.optional(Schema.String)
    }),
    plain(TrackingToken.make)
  ),
  InnerLogger: fromSchema(Logger, plain(InnerLogger.make)),
  OuterLogger: fromSchema(Logger, plain(OuterLogger.make)),
  Pool: fromSchema(
    Schema.Struct({
      limit: Schema.optional(Count),
      hardLimit: Schema.optional(NonNegative),
      timeout: Schema.optional(DurationOption),
      key: Schema.optional(Schema.NonEmptyString)
    }),
    Pool.make
  ),
  CircuitBreaker: fromSchema(
    Schema.Struct({
      scope: Schema.optional(Schema.Literal("service", "endpoint", "origin")),
      window: Schema.optional(Schema.Union(
        Schema.Struct({ calls: Count }),
        Schema.Struct({ duration: DurationOption, buckets: Schema.optional(Count) })
      )),
      failureRate: Schema.optional(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1))),
      minimumCalls: Schema.optional(Count),
      openFor: Schema.optional(DurationOption),
      probes: Schema.optional(Count),
      failOn: Schema.optional(
        Schema.Array(Schema.Union(Schema.Literal("transport", "timeout", "5xx", "429"), Schema.Int))
      )
    }),
    plain(CircuitBreaker.make)
  ),
  Coalesce: fromSchema(
    Schema.Struct({
      methods: Schema.optional(
        Schema.Array(Schema.Literal("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
      ),
      ignoreHeaders: Schema.optional(Schema.Array(Schema.String)),
      endpoints: Schema.optional(Schema.Array(Schema.String))
    }),
    Coalesce.make
  ),
  Hedge: fromSchema(
    Schema.Struct({
      delay: Schema.optional(DurationOption),
      percentile: Schema.optional(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1))),
      minDelay: Schema.optional(DurationOption),
      methods: Schema.optional(
        Schema.Array(Schema.Literal("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
      ),
      endpoints: Schema.optional(Schema.Array(Schema.String))
    }),
    plain(Hedge.make)
  ),
  HttpCache: fromSchema(
    Schema.Struct({ maxBytes: Schema.optional(Count), maxEntryBytes: Schema.optional(Count) }),
    HttpCache.make
  ),
  IdempotencyKey: fromSchema(
    Schema.Struct({
      header: Schema.optional(Schema.NonEmptyString),
      methods: Schema.optional(
        Schema.Array(Schema.Literal("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
      ),
      endpoints: Schema.optional(Schema.Array(Schema.String))
    }),
    plain(IdempotencyKey.make)
  ),
  RateLimit: fromSchema(
    Schema.Struct({
      limit: Schema.optional(Count),
      period: Schema.optional(DurationOption),
      hardLimit: Schema.optional(NonNegative),
      timeout: Schema.optional(DurationOption),
      key: Schema.optional(Schema.NonEmptyString),
      adaptive: Schema.optional(Schema.Union(
        Schema.Boolean,
        Schema.Struct({ maxPause: Schema.optional(DurationOption), defaultPause: Schema.optional(DurationOption) })
      ))
    }),
    RateLimit.make
  )
}

/**
 * Registers every built-in plugin type.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = PluginRegistry.layer(entries)
