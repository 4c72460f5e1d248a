/**
 * @since 0.1.0
 */
export * as CallCommand from "./CallCommand.js"
export * as Cli from "./Cli.js"
export * as Codegen from "./Codegen.js"
export * as GenerateCommand from "./GenerateCommand.js"
export * as RecordCommand from "./RecordCommand.js"
export * as VerifyCommand from "./VerifyCommand.js"
