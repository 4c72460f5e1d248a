/**
 * The `service-client` command and its subcommands (one module each).
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import * as GenerateCommand from "./GenerateCommand.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("service-client").pipe(
  Command.withDescription("Tools for effect-service-client: generate a typed client from an OpenAPI document"),
  Command.withSubcommands([GenerateCommand.command])
)

/**
 * Runs the command line (`process.argv`: the node binary and the script first).
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.run(command, { name: "service-client", version: "0.1.0" })
