/**
 * `service-client record --out FILE [--calls FILE]`: makes calls against the live service
 * and records every exchange into `--out` (merged into what it holds; redacted; checked
 * against the endpoints' Schemas). The calls come from `--calls` (a YAML/JSON list of
 * `{ endpoint, input }`); without it, the requests already recorded in `--out` are
 * recorded again (a refresh). Exits with 1 when an answer does not match its Schema.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Render, SpecError } from "@service-client/core"
import { Recorder, Recording, Verify } from "@service-client/mock"
import { Console, Effect, Either, Layer, Option, Schema } from "effect"
import * as YAML from "yaml"
import * as Target from "./internal/target.js"

const Calls = Schema.Array(
  Schema.Struct({
    endpoint: Schema.String,
    input: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
  })
)

interface Call {
  readonly endpoint: string
  readonly input: Record<string, unknown>
}

const loadCalls = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* Effect.mapError(
      fs.readFileString(file),
      (e) => new SpecError({ file, reason: `cannot read: ${e.message}` })
    )
    let data: unknown
    try {
      data = file.toLowerCase().endsWith(".json") ? JSON.parse(text) : YAML.parse(text)
    } catch (e) {
      return yield* new SpecError({ file, reason: `cannot parse: ${e instanceof Error ? e.message : e}` })
    }
    const decoded = Schema.decodeUnknownEither(Calls, { onExcessProperty: "error" })(data)
    if (Either.isLeft(decoded)) {
      return yield* new SpecError({ file, reason: `expected a list of { endpoint, input }: ${decoded.left.message}` })
    }
    return decoded.right.map((c): Call => ({ endpoint: c.endpoint, input: { ...c.input } }))
  })

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "record",
  {
    ...Target.options,
    out: Options.file("out").pipe(Options.withDescription("the recording file to write (YAML, or JSON for .json)")),
    calls: Options.file("calls", { exists: "yes" }).pipe(
      Options.withDescription(
        "a YAML/JSON list of { endpoint, input } to call (default: the requests already in --out)"
      ),
      Options.optional
    ),
    redact: Options.text("redact-body").pipe(
      Options.withDescription("a body path to redact (password, user.token, items[].secret); repeatable"),
      Options.repeated
    )
  },
  (flags) =>
    Effect.gen(function*() {
      const target = yield* Target.resolve(flags)
      const service = target.options.name
      let calls: ReadonlyArray<Call>
      if (Option.isSome(flags.calls)) calls = yield* loadCalls(flags.calls.value)
      else {
        const existing = yield* Recording.loadOrEmpty(flags.out)
        const rebuilt: Array<Call> = []
        for (const entry of existing.entries) {
          if (entry.service !== service) continue
          const definition = target.spec.endpoints[entry.endpoint]
          const input = definition === undefined
            ? Either.left("not in the spec")
            : Verify.inputOf(definition, entry.request)
          if (Either.isLeft(input)) {
            yield* Console.error(Render.text(`skipped ${entry.endpoint} ${entry.request.path}: ${input.left}`, 1024))
          } else rebuilt.push({ endpoint: entry.endpoint, input: input.right })
        }
        calls = rebuilt
      }
      if (calls.length === 0) {
        yield* Console.error("nothing to record: give --calls FILE, or an --out file that holds recorded requests")
        return yield* Target.exitWith(2)
      }
      const mismatches = yield* Effect.gen(function*() {
        const client = yield* Target.client(target)
        for (const call of calls) {
          const result = yield* Effect.either(
            client.call(call.endpoint as never, call.input as never) as Effect.Effect<
              { status: number },
              { message: string; status?: number }
            >
          )
          const line = Either.isRight(result)
            ? `✓ ${call.endpoint} → ${result.right.status}`
            : result.left.status !== undefined
            ? `✓ ${call.endpoint} → ${result.left.status}`
            : `✗ ${call.endpoint}: ${result.left.message}`
          yield* Console.log(Render.text(line, 1024))
        }
        return yield* Recorder.mismatches
      }).pipe(
        Effect.provide(Recorder.layerFile(flags.out, { redact: { body: flags.redact } }).pipe(Layer.fresh)),
        Effect.scoped
      )
      for (const m of mismatches) {
        yield* Console.error(
          Render.text(`Schema mismatch: ${m.endpoint} ${m.method} ${m.path} (${m.status}): ${m.issue}`, 2048)
        )
      }
      yield* Console.log(`recorded ${calls.length} call(s) into ${flags.out}`)
      yield* Target.exitWith(mismatches.length > 0 ? 1 : 0)
    })
).pipe(Command.withDescription("Call a live service and record the exchanges as mocks (redacted, Schema-checked)"))
