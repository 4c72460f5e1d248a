/**
 * The service a command talks to: a spec file and/or a client config file (plugins,
 * serializer, parser), the base URL and the name, from the common options.
 *
 * @internal
 */
import { Options } from "@effect/cli"
import type { FileSystem } from "@effect/platform"
import { Path } from "@effect/platform"
import {
  ClientConfig,
  type Plugin,
  type Serializer as SerializerModule,
  ServiceClient,
  type Spec,
  SpecError
} from "@service-client/core"
import * as Parser from "@service-client/core/Parser"
import * as Serializer from "@service-client/core/Serializer"
import { Effect, Option, type Scope } from "effect"

/** @internal */
export const options = {
  spec: Options.file("spec", { exists: "yes" }).pipe(
    Options.withDescription("the spec file (YAML or JSON)"),
    Options.optional
  ),
  config: Options.file("config", { exists: "yes" }).pipe(
    Options.withDescription("a client config file (name, baseUrl, specFile, plugins, serializer, parser)"),
    Options.optional
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.withDescription("the service's base URL (over the config's)"),
    Options.optional
  ),
  name: Options.text("name").pipe(
    Options.withDescription("the service's name (default: the config's, or the spec file's name)"),
    Options.optional
  )
}

/** @internal */
export interface Flags {
  readonly spec: Option.Option<string>
  readonly config: Option.Option<string>
  readonly baseUrl: Option.Option<string>
  readonly name: Option.Option<string>
}

/** @internal */
export interface Target {
  readonly spec: Spec.Untyped
  readonly options: ServiceClient.Options<ReadonlyArray<Effect.Effect<Plugin.Plugin<unknown>, SpecError, Scope.Scope>>>
  readonly serializer: Option.Option<SerializerModule.Service>
  readonly parser: Option.Option<Parser.Service>
}

/** @internal */
export const resolve = (
  flags: Flags,
  /** `false` when no call is made (listing endpoints): a missing base URL is then no error. */
  needsBaseUrl = true
): Effect.Effect<Target, SpecError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    let input: Record<string, unknown>
    if (Option.isSome(flags.config)) {
      const config = (yield* ClientConfig.fromFile(flags.config.value)) as unknown as Record<string, unknown>
      input = config
      if (Option.isSome(flags.spec)) {
        const { spec: _, ...rest } = input
        input = { ...rest, specFile: path.resolve(flags.spec.value) }
      }
    } else if (Option.isSome(flags.spec)) {
      const file = path.resolve(flags.spec.value)
      input = { name: path.basename(file).replace(/\.(ya?ml|json)$/i, ""), specFile: file }
    } else {
      return yield* new SpecError({ reason: "give --spec FILE or --config FILE" })
    }
    if (Option.isSome(flags.baseUrl)) input = { ...input, baseUrl: flags.baseUrl.value }
    if (Option.isSome(flags.name)) input = { ...input, name: flags.name.value }
    if (input.baseUrl === undefined) {
      if (!needsBaseUrl) input = { ...input, baseUrl: "http://127.0.0.1" } // never called
      else {return yield* new SpecError({
          key: "baseUrl",
          reason: "give --base-url URL (or baseUrl in the config file)"
        })}
    }
    const resolved = yield* ClientConfig.resolve(input as unknown as ClientConfig.Input)
    return {
      spec: resolved.spec,
      options: {
        name: resolved.name,
        baseUrl: resolved.baseUrl,
        plugins: resolved.plugins,
        maxResponseBytes: resolved.maxResponseBytes
      },
      serializer: resolved.serializer,
      parser: resolved.parser
    }
  })

/** Runs `effect` with the target's serializer and parser. @internal */
export const withFormats = <A, E, R>(target: Target, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  let out = effect
  if (Option.isSome(target.serializer)) out = Effect.provideService(out, Serializer.Serializer, target.serializer.value)
  if (Option.isSome(target.parser)) out = Effect.provideService(out, Parser.Parser, target.parser.value)
  return out
}

/** The client of the target (over the `Transport` in context). @internal */
export const client = (target: Target) => withFormats(target, ServiceClient.make(target.spec, target.options))

/** Sets the process's exit code. @internal */
export const exitWith = (code: number) =>
  Effect.sync(() => {
    if (code !== 0) process.exitCode = code
  })
