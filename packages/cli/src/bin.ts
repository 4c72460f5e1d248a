#!/usr/bin/env node
/**
 * The executable: runs the command line on Node, prints a failure's message (never a
 * stack) and exits with 1.
 *
 * @since 0.1.0
 */
import { ValidationError } from "@effect/cli"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import * as Cli from "./Cli.js"

Cli.run(process.argv).pipe(
  Effect.catchAll((e) =>
    Effect.zipRight(
      ValidationError.isValidationError(e) ? Effect.void : Console.error(e.message),
      Effect.sync(() => void (process.exitCode = 1))
    )
  ),
  Effect.provide(Cli.layer),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
