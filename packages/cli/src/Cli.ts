/**
 * The `service-client` command and its subcommands (one module each): `generate`,
 * `call`, `record`, `verify`.
 *
 * @since 0.1.0
 */
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Chaos } from "@service-client/mock"
import { NodeTransport } from "@service-client/node"
import { Registry } from "@service-client/plugins"
import { Layer } from "effect"
import * as CallCommand from "./CallCommand.js"
import * as GenerateCommand from "./GenerateCommand.js"
import * as RecordCommand from "./RecordCommand.js"
import * as VerifyCommand from "./VerifyCommand.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("service-client").pipe(
  Command.withDescription(
    "Tools for effect-service-client: generate a typed client from an OpenAPI document; call, record and verify a service"
  ),
  Command.withSubcommands([GenerateCommand.command, CallCommand.command, RecordCommand.command, VerifyCommand.command])
)

/**
 * Runs the command line (`process.argv`: the node binary and the script first).
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.run(command, { name: "service-client", version: "0.2.0" })

/**
 * What the commands need: Node's file system, path and terminal, the undici transport
 * (`call`, `record`, `verify`) and the plugin types a client config may name (the
 * built-in plugins and `Chaos`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.mergeAll(NodeContext.layer, NodeTransport.layer).pipe(
  Layer.provideMerge(Chaos.registryLayer),
  Layer.provideMerge(Registry.layer)
)
