/**
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"
export * as Metrics from "./Metrics.js"
export * as Retry from "./Retry.js"
export * as Tracing from "./Tracing.js"
