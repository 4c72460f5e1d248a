/**
 * `service-client generate <document> -o <file>`: writes a typed `Spec.make` module for
 * an OpenAPI document; with `--check`, writes nothing and fails when the file differs
 * from what the document gives (for CI).
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { type OpenApiSpec, SpecError, SpecLoader } from "@service-client/core"
import { safeDisplay } from "@service-client/core/Errors"
import { Console, Data, Effect, Option } from "effect"
import * as Codegen from "./Codegen.js"

/**
 * `--check` found the generated file missing or different from the document's module.
 *
 * @since 0.1.0
 * @category errors
 */
export class StaleFile extends Data.TaggedError("StaleFile")<{
  readonly file: string
  readonly document: string
  readonly missing: boolean
}> {
  override get message() {
    return `${this.file} is ${
      this.missing ? "missing" : "stale"
    }: run service-client generate ${this.document} -o ${this.file}`
  }
}
safeDisplay(StaleFile)

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The OpenAPI document (JSON or YAML). */
  readonly document: string
  /** The module to write. */
  readonly output: string
  /** Compare instead of writing: fail with `StaleFile` when they differ. */
  readonly check?: boolean | undefined
  /** The exported spec's name (`Api`). */
  readonly name?: string | undefined
  /** Where the module imports the client from (`@service-client/core`). */
  readonly core?: string | undefined
  /** Only these operations (operationIds or endpoint names)... */
  readonly operations?: ReadonlyArray<string> | undefined
  /** ...and those with one of these tags (without either: every operation). */
  readonly tags?: ReadonlyArray<string> | undefined
}

/**
 * The operations of a GET or HEAD whose request body the module leaves out, told in one
 * line (names are identifiers; at most 10 of them).
 *
 * @since 0.3.0
 * @category generating
 */
export const ignoredBodies = (api: OpenApiSpec.Api): string | undefined => {
  const names = api.operations.filter((op) => op.ignoredBody !== undefined).map((op) => op.name)
  if (names.length === 0) return undefined
  return `warning: ${names.length} GET/HEAD operation${names.length === 1 ? "" : "s"} of the document declare${
    names.length === 1 ? "s" : ""
  } a request body, left out (a GET or HEAD request carries none): ${names.slice(0, 10).join(", ")}${
    names.length > 10 ? ` and ${names.length - 10} more` : ""
  }`
}

/**
 * The module's text for a document (the header names the document relative to the output).
 *
 * @since 0.1.0
 * @category generating
 */
export const render = (
  options: Pick<Options, "document" | "output" | "name" | "core" | "operations" | "tags">
): Effect.Effect<string, SpecError, FileSystem.FileSystem | Path.Path> => Effect.map(model(options), ({ text }) => text)

const model = (
  options: Pick<Options, "document" | "output" | "name" | "core" | "operations" | "tags">
): Effect.Effect<
  { readonly api: OpenApiSpec.Api; readonly text: string },
  SpecError,
  FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const problem = options.name === undefined ? undefined : Codegen.exportNameProblem(options.name)
    if (problem !== undefined) {
      return yield* new SpecError({
        key: "name",
        reason: `the spec's name ${JSON.stringify(options.name!.slice(0, 100))}${
          options.name!.length > 100 ? "…" : ""
        } ${problem}`
      })
    }
    const api = yield* SpecLoader.openapiModel(options.document, { operations: options.operations, tags: options.tags })
    const source = path.relative(path.dirname(path.resolve(options.output)), path.resolve(options.document))
      .split(path.sep).join("/")
    return {
      api,
      text: Codegen.module(api, {
        source,
        coreModule: options.core,
        exportName: options.name,
        selection: { operations: options.operations, tags: options.tags }
      })
    }
  })

/**
 * Writes (or, with `check`, compares) the module.
 *
 * @since 0.1.0
 * @category generating
 */
export const generate = (
  options: Options
): Effect.Effect<void, SpecError | StaleFile | PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { api, text } = yield* model(options)
    const warning = ignoredBodies(api)
    if (warning !== undefined) yield* Console.error(warning)
    if (options.check === true) {
      const exists = yield* fs.exists(options.output)
      const current = exists ? yield* fs.readFileString(options.output) : undefined
      if (current !== text) {
        return yield* new StaleFile({ file: options.output, document: options.document, missing: !exists })
      }
      return yield* Console.log(`${options.output} is up to date`)
    }
    yield* fs.makeDirectory(path.dirname(path.resolve(options.output)), { recursive: true })
    yield* fs.writeFileString(options.output, text)
    yield* Console.log(`wrote ${options.output}`)
  })

const list = (text: string): ReadonlyArray<string> => text.split(",").map((s) => s.trim()).filter((s) => s.length > 0)

/**
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "generate",
  {
    document: Args.file({ name: "document", exists: "yes" }).pipe(
      Args.withDescription("the OpenAPI 3.0/3.1 document (JSON or YAML; files its $refs name are read too)")
    ),
    output: Options.file("output").pipe(
      Options.withAlias("o"),
      Options.withDescription("the TypeScript module to write")
    ),
    check: Options.boolean("check").pipe(
      Options.withDescription("write nothing; exit with 1 when the module is missing or stale")
    ),
    name: Options.text("name").pipe(Options.withDefault("Api"), Options.withDescription("the exported spec's name")),
    core: Options.text("core").pipe(
      Options.withDefault("@service-client/core"),
      Options.withDescription("the module the generated code imports Endpoint, OpenApi and Spec from")
    ),
    operations: Options.text("operations").pipe(
      Options.optional,
      Options.withDescription("only these operations: operationIds or endpoint names, separated by commas")
    ),
    tags: Options.text("tags").pipe(
      Options.optional,
      Options.withDescription(
        "only the operations with one of these tags, separated by commas (with --operations: both)"
      )
    )
  },
  ({ operations, tags, ...options }) =>
    generate({
      ...options,
      operations: Option.map(operations, list).pipe(Option.getOrUndefined),
      tags: Option.map(tags, list).pipe(Option.getOrUndefined)
    })
).pipe(Command.withDescription("write a typed Spec.make module for an OpenAPI document"))
