/**
 * @since 0.1.0
 */
export * as Mock from "./Mock.js"
export * as MockTransport from "./MockTransport.js"
