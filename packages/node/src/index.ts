/**
 * @since 0.1.0
 */
export * as NodeTransport from "./NodeTransport.js"
