/**
 * @since 0.1.0
 */
export * as Chaos from "./Chaos.js"
export * as Mock from "./Mock.js"
export * as MockTransport from "./MockTransport.js"
export * as Property from "./Property.js"
export * as Recorder from "./Recorder.js"
export * as Recording from "./Recording.js"
export * as Redaction from "./Redaction.js"
export * as Replay from "./Replay.js"
export * as Verify from "./Verify.js"
