/**
 * `service-client call [endpoint] [key=value...]`: invokes one endpoint of a spec file and
 * prints the answer. The input comes from `--input JSON` (or `--input @file.json`) and
 * `key=value` arguments (`user_id=12`, `query.page=2`, `headers.x-id=abc`,
 * `payload=@body.json`): a value is JSON when it parses as JSON, else a string. Without
 * an endpoint, lists the spec's endpoints. The status line goes to stderr and the data,
 * pretty-printed, to stdout; a failed call exits with 1.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Render, ResponseError, SpecError } from "@service-client/core"
import { Console, Effect, Option, Stream } from "effect"
import * as Target from "./internal/target.js"

const decoder = new TextDecoder()

const parseValue = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const readValue = (text: string) =>
  text.startsWith("@")
    ? Effect.flatMap(FileSystem.FileSystem, (fs) =>
      Effect.mapBoth(fs.readFileString(text.slice(1)), {
        onFailure: (e) => new SpecError({ key: "input", reason: `cannot read ${text.slice(1)}: ${e.message}` }),
        onSuccess: parseValue
      }))
    : Effect.succeed(parseValue(text))

/**
 * The call input of `--input` and `key=value` arguments.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseInput = (
  base: Option.Option<string>,
  pairs: ReadonlyArray<string>
): Effect.Effect<Record<string, unknown>, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const start = Option.isSome(base) ? yield* readValue(base.value) : {}
    if (!isRecord(start)) return yield* new SpecError({ key: "input", reason: "--input must be a JSON object" })
    const input: Record<string, unknown> = structuredClone(start)
    for (const pair of pairs) {
      const at = pair.indexOf("=")
      if (at <= 0) return yield* new SpecError({ key: pair, reason: "expected key=value" })
      const keys = pair.slice(0, at).split(".")
      const value = yield* readValue(pair.slice(at + 1))
      let target = input
      for (const key of keys.slice(0, -1)) {
        const next = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined
        if (next === undefined) target = target[key] = {} as Record<string, unknown>
        else if (isRecord(next)) target = next
        else return yield* new SpecError({ key: pair.slice(0, at), reason: `"${key}" is not an object` })
      }
      target[keys[keys.length - 1]!] = value
    }
    return input
  })

const text = (data: unknown, body: Uint8Array | undefined): string => {
  if (data === undefined) return body === undefined ? "" : decoder.decode(body)
  if (typeof data === "string") return data
  if (data instanceof Uint8Array) return decoder.decode(data)
  return JSON.stringify(data, null, 2) ?? String(data)
}

/**
 * The data as printed: as it is for a pipe or a file, but on a terminal each line escaped
 * (`Render.escape`), so that a server's body cannot send escape sequences to the terminal.
 */
const pretty = (data: unknown, body: Uint8Array | undefined): string => {
  const out = text(data, body)
  return process.stdout.isTTY === true ? out.split(/\r?\n/).map(Render.escape).join("\n") : out
}

const failureOutput = (failure: unknown) => {
  if (failure instanceof ResponseError) {
    const e = failure
    return Effect.zipRight(
      Console.error(Render.text(`${e.status} ${e.method} ${e.url}`, 2048)),
      Console.log(pretty(
        e.error ?? (() => {
          try {
            return JSON.parse(decoder.decode(e.body))
          } catch {
            return undefined
          }
        })(),
        e.body
      ))
    )
  }
  return Console.error(`error: ${Render.text(failure instanceof Error ? failure.message : String(failure), 4096)}`)
}

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "call",
  {
    ...Target.options,
    input: Options.text("input").pipe(
      Options.withDescription("the call input as JSON, or @file.json"),
      Options.optional
    ),
    endpoint: Args.text({ name: "endpoint" }).pipe(Args.optional),
    pairs: Args.text({ name: "key=value" }).pipe(Args.repeated)
  },
  (flags) =>
    Effect.gen(function*() {
      const target = yield* Target.resolve(flags, Option.isSome(flags.endpoint))
      if (Option.isNone(flags.endpoint)) {
        for (const [name, endpoint] of Object.entries(target.spec.endpoints)) {
          const description = endpoint.description === undefined ? "" : `  ${endpoint.description}`
          yield* Console.log(Render.text(`${name}  ${endpoint.method} ${endpoint.path}${description}`, 400))
        }
        return
      }
      const name = flags.endpoint.value
      if (!Object.prototype.hasOwnProperty.call(target.spec.endpoints, name)) {
        const known = Object.keys(target.spec.endpoints).join(", ")
        return yield* new SpecError({ endpoint: name, reason: `no such endpoint (the spec has: ${known})` })
      }
      const input = yield* parseInput(flags.input, flags.pairs)
      const client = yield* Target.client(target)
      const started = Date.now()
      const result = yield* Effect.either(client.call(name, input as never))
      if (result._tag === "Left") {
        yield* failureOutput(result.left)
        return yield* Target.exitWith(1)
      }
      const response = result.right
      yield* Console.error(
        Render.text(`${response.status} ${response.method} ${response.url} (${Date.now() - started} ms)`, 2048)
      )
      if (response.stream !== undefined) {
        return yield* Stream.runForEach(response.stream, (chunk) => Effect.sync(() => void process.stdout.write(chunk)))
      }
      yield* Console.log(pretty(response.data, response.body))
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("Call one endpoint of a spec file and print the answer (no endpoint: list them)"))
