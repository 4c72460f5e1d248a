/**
 * @since 0.1.0
 */
export * as Elapsed from "./Elapsed.js"
export * as Headers from "./Headers.js"
export * as InnerLogger from "./InnerLogger.js"
export * as LogFormat from "./LogFormat.js"
export * as OuterLogger from "./OuterLogger.js"
export * as PathTokens from "./PathTokens.js"
export * as Pool from "./Pool.js"
export * as QueryParams from "./QueryParams.js"
export * as RateLimit from "./RateLimit.js"
export * as Registry from "./Registry.js"
export * as Timeout from "./Timeout.js"
export * as TrackingToken from "./TrackingToken.js"
