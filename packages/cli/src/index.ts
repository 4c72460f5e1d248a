/**
 * @since 0.1.0
 */
export * as CallCommand from "./CallCommand.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Cli from "./Cli.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as Codegen from "./Codegen.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as GenerateCommand from "./GenerateCommand.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as RecordCommand from "./RecordCommand.js"
/**
 * @since 0.2.0
 * @category modules
 */
export * as VerifyCommand from "./VerifyCommand.js"
