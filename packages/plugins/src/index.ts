/**
 * @since 0.1.0
 */
export * as InnerLogger from "./InnerLogger.js"
export * as LogFormat from "./LogFormat.js"
export * as OuterLogger from "./OuterLogger.js"
