/**
 * The `service-client` command line: `call`, `record`, `verify`. Plugins named in a
 * client config file (`--config`) are looked up among the built-in plugins and `Chaos`.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Chaos } from "@service-client/mock"
import { NodeTransport } from "@service-client/node"
import { Registry } from "@service-client/plugins"
import { Layer } from "effect"
import * as Call from "./commands/Call.js"
import * as Record from "./commands/Record.js"
import * as Verify from "./commands/Verify.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("service-client").pipe(
  Command.withDescription("Call, record and verify REST services described by spec files"),
  Command.withSubcommands([Call.command, Record.command, Verify.command])
)

/**
 * Runs the command line on `argv` (as `process.argv`).
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.run(command, { name: "service-client", version: "0.1.0" })

/**
 * What the commands need: Node's file system, path and terminal, the undici transport
 * and the plugin types a config may name.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.mergeAll(NodeContext.layer, NodeTransport.layer).pipe(
  Layer.provideMerge(Chaos.registryLayer),
  Layer.provideMerge(Registry.layer)
)
