/**
 * `service-client verify --recording FILE`: sends every recorded request of the service
 * again to the live server and prints, per request, status changes, Schema failures and
 * fields added, missing or changed; exits with 1 when anything drifted (for CI).
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Recording, Verify } from "@service-client/mock"
import { Console, Effect } from "effect"
import * as Target from "./internal/target.js"

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "verify",
  {
    ...Target.options,
    recording: Options.file("recording", { exists: "yes" }).pipe(
      Options.withDescription("the recording file (YAML or JSON) written by `record` or the Recorder")
    ),
    allowAdded: Options.boolean("allow-added").pipe(
      Options.withDescription("fields the live answers added are reported, not counted as drift")
    )
  },
  (flags) =>
    Effect.gen(function*() {
      const target = yield* Target.resolve(flags)
      const recording = yield* Recording.load(flags.recording)
      const report = yield* Target.withFormats(
        target,
        Verify.run(target.spec, recording, target.options, { allowAdded: flags.allowAdded })
      )
      if (report.rows.length === 0) {
        yield* Console.error(`the recording has no request of the service "${target.options.name}"`)
        return yield* Target.exitWith(2)
      }
      yield* Console.log(Verify.format(report))
      yield* Target.exitWith(Verify.exitCode(report))
    })
).pipe(Command.withDescription("Replay a recording against the live service and report drift (exit 1 on drift)"))
