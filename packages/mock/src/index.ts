/**
 * @since 0.1.0
 */
export * as Chaos from "./Chaos.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Mock from "./Mock.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as MockTransport from "./MockTransport.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Property from "./Property.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Recorder from "./Recorder.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Recording from "./Recording.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Redaction from "./Redaction.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Replay from "./Replay.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Verify from "./Verify.js"
