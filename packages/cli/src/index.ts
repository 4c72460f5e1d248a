/**
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"
export * as Codegen from "./Codegen.js"
export * as GenerateCommand from "./GenerateCommand.js"
