#!/usr/bin/env node
/**
 * The `service-client` executable.
 *
 * @since 0.1.0
 */
import { ValidationError } from "@effect/cli"
import { NodeRuntime } from "@effect/platform-node"
import { Render } from "@service-client/core"
import { Console, Effect } from "effect"
import * as Cli from "./Cli.js"

Cli.run(process.argv).pipe(
  // @effect/cli has printed its own validation errors (with the help)
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => void (process.exitCode = 1))),
  Effect.catchAll((e) =>
    Effect.zipRight(
      Console.error(`error: ${Render.text(e instanceof Error ? e.message : String(e), 4096)}`),
      Effect.sync(() => void (process.exitCode = 1))
    )
  ),
  Effect.provide(Cli.layer),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
