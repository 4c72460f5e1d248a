/**
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as CircuitBreaker from "./CircuitBreaker.js"
/**
 * @since 0.3.0
 * @category modules
 */
export * as CircuitStore from "./CircuitStore.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Coalesce from "./Coalesce.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Elapsed from "./Elapsed.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Headers from "./Headers.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Hedge from "./Hedge.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as HttpCache from "./HttpCache.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as IdempotencyKey from "./IdempotencyKey.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as InnerLogger from "./InnerLogger.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as LimiterError from "./LimiterError.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as LimiterStore from "./LimiterStore.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as LogFormat from "./LogFormat.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Metrics from "./Metrics.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as OuterLogger from "./OuterLogger.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as PathTokens from "./PathTokens.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Pool from "./Pool.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as QueryParams from "./QueryParams.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as RateLimit from "./RateLimit.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Registry from "./Registry.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Retry from "./Retry.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Timeout from "./Timeout.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Tracing from "./Tracing.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as TrackingToken from "./TrackingToken.js"
