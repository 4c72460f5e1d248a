/**
 * A client declared as plain data: its name, base URL, spec (inline, or a spec file),
 * plugins by type name (looked up in the `PluginRegistry`), serializer and parser by
 * name. Validated by Schema; every mistake is a `SpecError` naming the key (and, for a
 * config loaded from a file, the file and the line). `ClientConfig.makeClient` builds
 * the client from it.
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform"
import { Config, type ConfigError, Effect, Either, Option, Redacted, Schema, type Scope } from "effect"
import { type AnyPluginError, SpecError } from "./Errors.js"
import {
  absoluteMockFiles,
  formatOf,
  keyPath,
  path as pathService,
  read,
  type Source,
  withLine
} from "./internal/source.js"
import * as Parser from "./Parser.js"
import type * as Plugin from "./Plugin.js"
import * as PluginRegistry from "./PluginRegistry.js"
import * as Serializer from "./Serializer.js"
import * as ServiceClient from "./ServiceClient.js"
import type * as Spec from "./Spec.js"
import * as SpecLoader from "./SpecLoader.js"
import type * as Transport from "./Transport.js"

/**
 * One plugin of a config: its registered `type` and its options.
 *
 * @since 0.1.0
 * @category models
 */
export interface PluginDescription {
  readonly type: string
  readonly [option: string]: unknown
}

/**
 * A client config as plain data. Exactly one of `spec` and `specFile`.
 *
 * @since 0.1.0
 * @category models
 */
export type Input =
  & Common
  & (
    | { readonly spec: Readonly<Record<string, unknown>>; readonly specFile?: undefined }
    | { readonly specFile: string; readonly spec?: undefined }
  )

/**
 * @since 0.1.0
 * @category models
 */
export interface Common {
  /** The service's name, in errors and logs. */
  readonly name: string
  /** Absolute http(s) URL (from code, a `Redacted` or a `Config` of either works too). */
  readonly baseUrl:
    | string
    | Redacted.Redacted<string>
    | Config.Config<string>
    | Config.Config<Redacted.Redacted<string>>
  /** In the order of `ServiceClient.Options.plugins`: the first is the outermost `aroundSend`. */
  readonly plugins?: ReadonlyArray<PluginDescription> | undefined
  /** A name from `Serializer.byName` (`json`, `formUrlEncoded`, `text`, `bytes`). */
  readonly serializer?: string | undefined
  /** A name from `Parser.byName` (`json`, `text`, `bytes`, `formUrlEncoded`). */
  readonly parser?: string | undefined
  readonly maxResponseBytes?: number | undefined
  /** `follow` (default), `manual` or `error`: see `ServiceClient.Options.redirect`. */
  readonly redirect?: "follow" | "manual" | "error" | undefined
  readonly maxRedirects?: number | undefined
  /** More header and query names to redact in errors and logs: `{ headers: [...], query: [...], defaults: true }`. */
  readonly redact?: {
    readonly headers?: ReadonlyArray<string> | undefined
    readonly query?: ReadonlyArray<string> | undefined
    readonly defaults?: boolean | undefined
  } | undefined
}

/**
 * What building a client from config `C` needs besides `Transport` and `Scope`: a
 * `FileSystem` unless the spec is inline.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ContextOf<C> = C extends { readonly spec: object } ? never : FileSystem.FileSystem

const ConfigString = Schema.declare((u): u is Config.Config<string> => Config.isConfig(u), {
  identifier: "Config<string>"
})

const RedactedString = Schema.declare((u): u is Redacted.Redacted<string> => Redacted.isRedacted(u), {
  identifier: "Redacted<string>"
})

const names = (record: Readonly<Record<string, unknown>>) => {
  const choices = Object.keys(record)
  return Schema.String.pipe(
    Schema.filter((name) =>
      choices.includes(name) || `expected one of ${choices.join(", ")}, got ${JSON.stringify(name)}`
    )
  )
}

/**
 * The Schema a config is validated by (unknown keys are an error).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientConfig = Schema.Struct({
  name: Schema.NonEmptyString,
  baseUrl: Schema.Union(Schema.String, RedactedString, ConfigString),
  spec: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  specFile: Schema.optional(Schema.NonEmptyString),
  plugins: Schema.optional(
    Schema.Array(Schema.Struct({ type: Schema.NonEmptyString }, { key: Schema.String, value: Schema.Unknown }))
  ),
  serializer: Schema.optional(names(Serializer.byName)),
  parser: Schema.optional(names(Parser.byName)),
  maxResponseBytes: Schema.optional(Schema.Int.pipe(Schema.positive())),
  redirect: Schema.optional(Schema.Literal("follow", "manual", "error")),
  maxRedirects: Schema.optional(Schema.Int.pipe(Schema.between(0, 100))),
  redact: Schema.optional(Schema.Struct({
    headers: Schema.optional(Schema.Array(Schema.NonEmptyString)),
    query: Schema.optional(Schema.Array(Schema.NonEmptyString)),
    defaults: Schema.optional(Schema.Boolean)
  }))
})

const decode = Schema.decodeUnknownEither(ClientConfig, { onExcessProperty: "error", errors: "first" })

const SourceId: unique symbol = Symbol.for("@service-client/core/ClientConfig/Source") as never

const sourceOf = (config: unknown): Source | undefined =>
  typeof config === "object" && config !== null ? (config as { [SourceId]?: Source })[SourceId] : undefined

/** Adds the config file and line, unless the key at fault was overridden since the file was read. */
const locate = (
  error: SpecError,
  config: unknown,
  source: Source | undefined,
  path: ReadonlyArray<string | number>
) => {
  if (source === undefined) return error
  const top = path[0]
  const fromFile = top === undefined ||
    (config as Record<string, unknown>)[top] === (source.data as Record<string, unknown>)[top]
  return fromFile ? withLine(error, source, path) : error
}

const validate = (config: unknown, source: Source | undefined) => {
  const decoded = decode(source === undefined ? config : Object.fromEntries(Object.entries(config as object)))
  if (Either.isLeft(decoded)) {
    const error = PluginRegistry.redactedSpecError(decode, config, decoded.left)
    return Either.left(locate(error, config, source, keyPath(error.key)))
  }
  const value = decoded.right
  if ((value.spec === undefined) === (value.specFile === undefined)) {
    return Either.left(
      locate(
        new SpecError({ service: value.name, reason: "give exactly one of spec and specFile" }),
        config,
        source,
        []
      )
    )
  }
  return Either.right(value)
}

/**
 * Loads a config from a JSON or YAML file (by extension: `.json` is JSON, anything else
 * YAML). A relative `specFile` is made relative to the config file. The result is
 * validated plain data that remembers its file, so that errors found later by
 * `ClientConfig.makeClient` (an unknown plugin type, a bad option) name the file and the
 * line too; spread it to override a key (`{ ...config, baseUrl }`).
 *
 * **Example**
 *
 * ```ts
 * const config = yield* ClientConfig.fromFile("config/users.yaml")
 * const users = yield* ClientConfig.makeClient(config)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFile = (file: string): Effect.Effect<Input, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const path = yield* pathService
    const absolute = path.resolve(String(file))
    const source = yield* read(absolute, formatOf(absolute, "yaml"))
    const checked = validate(source.data, source)
    if (Either.isLeft(checked)) return yield* checked.left
    const data = source.data as Record<string, unknown>
    const specFile = typeof data.specFile === "string"
      ? path.resolve(path.dirname(absolute), data.specFile)
      : undefined
    return { ...data, ...(specFile === undefined ? {} : { specFile }), [SourceId]: source } as unknown as Input
  })

/**
 * A config resolved into what `ServiceClient.make` takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly spec: Spec.Untyped
  readonly name: string
  readonly baseUrl:
    | string
    | Redacted.Redacted<string>
    | Config.Config<string>
    | Config.Config<Redacted.Redacted<string>>
  readonly plugins: ReadonlyArray<Effect.Effect<Plugin.Plugin<unknown>, SpecError, Scope.Scope>>
  readonly maxResponseBytes: number | undefined
  readonly redirect: "follow" | "manual" | "error" | undefined
  readonly maxRedirects: number | undefined
  readonly redact: Common["redact"]
  readonly serializer: Option.Option<Serializer.Service>
  readonly parser: Option.Option<Parser.Service>
}

/**
 * Validates a config, loads its spec and looks its plugins up in the `PluginRegistry`.
 * The plugins themselves are built (and their options checked) when the client is.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = <const C extends Input>(config: C): Effect.Effect<Resolved, SpecError, ContextOf<C>> =>
  resolveUnknown(config) as Effect.Effect<Resolved, SpecError, ContextOf<C>>

const resolveUnknown = (config: unknown): Effect.Effect<Resolved, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const source = sourceOf(config)
    const checked = validate(config, source)
    if (Either.isLeft(checked)) return yield* checked.left
    const value = checked.right
    const service = value.name
    const named = (error: SpecError) => new SpecError({ ...fields(error), service })
    let spec: Spec.Untyped
    if (value.spec !== undefined) {
      const inFile = source !== undefined &&
        (config as Record<string, unknown>).spec === (source.data as Record<string, unknown>).spec
      const path = yield* pathService
      const decoded = SpecLoader.fromRecordEither(
        inFile ? absoluteMockFiles(value.spec, path.dirname(source.file), path) : value.spec,
        inFile ? { file: source.file } : {}
      )
      if (Either.isLeft(decoded)) {
        const e = decoded.left
        return yield* named(
          locate(e, config, source, ["spec", ...(e.endpoint === undefined ? [] : [e.endpoint]), ...keyPath(e.key)])
        )
      }
      spec = decoded.right
    } else {
      spec = yield* Effect.mapError(SpecLoader.fromFile(value.specFile!), named)
    }
    const plugins: Array<Effect.Effect<Plugin.Plugin<unknown>, SpecError, Scope.Scope>> = []
    for (const [i, description] of (value.plugins ?? []).entries()) {
      const where = (error: SpecError) => {
        const key = `plugins[${i}]${error.key === undefined ? "" : `.${error.key}`}`
        return named(locate(new SpecError({ ...fields(error), key }), config, source, keyPath(key)))
      }
      const build = yield* Effect.mapError(PluginRegistry.lookup(description), where)
      plugins.push(Effect.mapError(build, where))
    }
    return {
      spec,
      name: service,
      baseUrl: value.baseUrl,
      plugins,
      maxResponseBytes: value.maxResponseBytes,
      redirect: value.redirect,
      maxRedirects: value.maxRedirects,
      redact: value.redact,
      serializer: Option.fromNullable(value.serializer === undefined ? undefined : Serializer.byName[value.serializer]),
      parser: Option.fromNullable(value.parser === undefined ? undefined : Parser.byName[value.parser])
    }
  })

const fields = (e: SpecError) => ({
  reason: e.reason,
  service: e.service,
  endpoint: e.endpoint,
  key: e.key,
  file: e.file,
  line: e.line
})

/**
 * Builds a client from plain data: `name`, `baseUrl`, `spec` (inline) or `specFile`,
 * `plugins` by registered type (`[{ type: "Pool", limit: 10 }]`, see `PluginRegistry`),
 * `serializer` and `parser` by name, `maxResponseBytes`. Fails with a `SpecError` naming
 * the key at fault. Needs a `FileSystem` when the spec is in a file. The plugins are known
 * only when the config is read, so their errors are typed as `AnyPluginError`. It lives
 * here, not in `ServiceClient`, so that a bundle which builds its clients in code carries
 * no spec-file loader (yaml, OpenAPI import): a bundler keeps every export of a namespace
 * it reaches.
 *
 * **Example**
 *
 * ```ts
 * const users = yield* ClientConfig.makeClient({
 *   name: "users",
 *   baseUrl: "http://127.0.0.1:8080",
 *   spec: { getUser: { path: "/user/{user_id}" } },
 *   plugins: [{ type: "Headers", headers: { accept: "application/json" } }]
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeClient = <const C extends Input>(
  config: C
): Effect.Effect<
  ServiceClient.Client<Spec.Untyped, AnyPluginError>,
  SpecError | ConfigError.ConfigError,
  Transport.Transport | Scope.Scope | ContextOf<C>
> =>
  Effect.flatMap(resolve(config), (resolved) => {
    let built: Effect.Effect<
      ServiceClient.Client<Spec.Untyped, AnyPluginError>,
      SpecError | ConfigError.ConfigError,
      Transport.Transport | Scope.Scope
    > = ServiceClient.make(resolved.spec, {
      name: resolved.name,
      baseUrl: resolved.baseUrl,
      plugins: resolved.plugins,
      maxResponseBytes: resolved.maxResponseBytes,
      redirect: resolved.redirect,
      maxRedirects: resolved.maxRedirects,
      redact: resolved.redact
    }) as Effect.Effect<
      ServiceClient.Client<Spec.Untyped, AnyPluginError>,
      SpecError | ConfigError.ConfigError,
      Transport.Transport | Scope.Scope
    >
    if (Option.isSome(resolved.serializer)) {
      built = Effect.provideService(built, Serializer.Serializer, resolved.serializer.value)
    }
    if (Option.isSome(resolved.parser)) {
      built = Effect.provideService(built, Parser.Parser, resolved.parser.value)
    }
    return built
  })
