/**
 * Loads a plain-data spec: from data already in memory (`fromRecord`), or from a JSON or
 * YAML file read through @effect/platform's `FileSystem`. A spec file is a mapping of
 * endpoint names to descriptions (the keys `fromRecord` accepts), plus an optional top-level `extends: base.yaml` (relative to
 * the file) whose endpoints it inherits, adds to and overrides. A bad file fails with a
 * `SpecError` naming the file, the line, the endpoint and the key: never a partly loaded spec.
 *
 * Every file read (a spec, a file it `extends`, an OpenAPI document and the files its
 * `$ref`s name) must be a regular file of at most 64 MiB, nested at most 256 levels deep
 * (JSON arrays and objects, YAML flow and indented collections): a directory, a FIFO, a
 * device such as `/dev/zero`, a larger or deeper file is a `SpecError` naming the file,
 * before it is read whole or parsed.
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Either } from "effect"
import type * as Endpoint from "./Endpoint.js"
import { SpecError } from "./Errors.js"
import { applyOverlay, importDocument, importFile, isOpenApiDocument, readApi } from "./internal/openapi/load.js"
import {
  absoluteMockFiles,
  type Format,
  formatOf,
  keyPath,
  path as pathService,
  read,
  withLine
} from "./internal/source.js"
import * as SpecRecord from "./internal/specRecord.js"
import * as OpenApiSpec from "./OpenApiSpec.js"
import * as Spec from "./Spec.js"

/**
 * Decodes one endpoint description (a mapping, or a path string for a GET).
 *
 * @since 0.3.0
 * @category constructors
 */
export const endpointFromRecord: (
  data: unknown
) => Either.Either<Endpoint.Untyped, { readonly key: string | undefined; readonly reason: string }> =
  SpecRecord.endpointFromRecord

/**
 * Decodes a plain-data spec: a mapping of endpoint names to descriptions with the keys
 * `path`, `method` (any case, GET by default) and the endpoint settings the core reads
 * (`headers`, `query`, `pathTokens`, `streamRequest`, `streamResponse`, `events`,
 * `maxEventBytes`, `mock`, `maxResponseBytes`, `redirect`, `compressRequest`,
 * `description`). Fails with a `SpecError` naming the endpoint and the key at fault. Any
 * other key is a plugin's setting (`Setting`: `timeout`, `retry`, `elapsed`, `logger`...):
 * kept as it is, and decoded by the plugin that owns it when a client is built (a
 * `SpecError` there when none of the client's plugins owns it, naming the plugin to add
 * for the built-in ones).
 *
 * @since 0.3.0
 * @category constructors
 */
export const fromRecordEither: (
  data: unknown,
  options?: { readonly file?: string | undefined }
) => Either.Either<Spec.Untyped, SpecError> = SpecRecord.fromRecordEither

/**
 * {@link fromRecordEither} as an Effect.
 *
 * **Example**
 *
 * ```ts
 * const spec = yield* SpecLoader.fromRecord({ getUser: "/users/{user_id}" })
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const fromRecord: (
  data: unknown,
  options?: { readonly file?: string | undefined }
) => Effect.Effect<Spec.Untyped, SpecError> = SpecRecord.fromRecord

/**
 * The top-level key naming the spec a file extends.
 *
 * @since 0.1.0
 * @category models
 */
export const extendsKey = "extends"

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array)

interface Layer {
  /** Plain endpoint descriptions, merged over those extended. */
  readonly descriptions: Record<string, unknown>
  /** The OpenAPI document at the root of the chain, imported. */
  readonly base?: Spec.Untyped | undefined
  /** Where each description was declared (for overlay errors). */
  readonly origin: Record<string, Origin>
}

interface Origin {
  readonly file: string
  readonly line: number | undefined
  readonly lineOf: (path: ReadonlyArray<string | number>) => number | undefined
}

/**
 * The endpoint descriptions of one file, merged over those it extends: validated, with
 * mock file paths made absolute. An OpenAPI document in the chain is imported as the base.
 */
const loadDescriptions = (
  file: string,
  format: Format,
  chain: ReadonlyArray<string>
): Effect.Effect<Layer, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const path = yield* pathService
    const source = yield* read(file, format)
    const data = source.data
    if (isOpenApiDocument(data)) return { descriptions: {}, base: yield* importDocument(source), origin: {} }
    if (!isRecord(data)) {
      const got = data === null || data === undefined ? "nothing" : Array.isArray(data) ? "a list" : `a ${typeof data}`
      return yield* new SpecError({
        file,
        line: source.lineOf([]),
        reason: `a spec file must be a mapping of endpoint names to descriptions, got ${got}`
      })
    }
    const { [extendsKey]: parent, ...own } = data
    let inherited: Layer = { descriptions: {}, origin: {} }
    if (parent !== undefined) {
      const at = { file, key: extendsKey, line: source.lineOf([extendsKey]) }
      if (typeof parent !== "string" || parent.length === 0) {
        return yield* new SpecError({ ...at, reason: "expected the path of another spec file" })
      }
      const parentFile = path.resolve(path.dirname(file), parent)
      if (parentFile === file || chain.includes(parentFile)) {
        const cycle = [...chain, file, parentFile].map((f) => path.basename(f)).join(" → ")
        return yield* new SpecError({ ...at, reason: `extends cycle: ${cycle}` })
      }
      inherited = yield* loadDescriptions(parentFile, formatOf(parentFile, format), [...chain, file])
    }
    const base = inherited.base
    // overlay entries (no path) of imported operations are checked when they are applied
    const plain = base === undefined
      ? own
      : Object.fromEntries(Object.entries(own).filter(([, d]) => !(isRecord(d) && d.path === undefined)))
    const checked = SpecRecord.fromRecordEither(plain, { file })
    if (Either.isLeft(checked)) {
      const e = checked.left
      return yield* withLine(e, source, e.endpoint === undefined ? [] : [e.endpoint, ...keyPath(e.key)])
    }
    const origin = { ...inherited.origin }
    for (const name of Object.keys(own)) origin[name] = { file, line: source.lineOf([name]), lineOf: source.lineOf }
    return {
      descriptions: { ...inherited.descriptions, ...absoluteMockFiles(own, path.dirname(file), path) },
      base,
      origin
    }
  })

const load = (file: string, format: Format): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (typeof file !== "string" || file.length === 0) {
      return yield* new SpecError({ reason: "expected the path of a spec file" })
    }
    const path = yield* pathService
    const absolute = path.resolve(file)
    const layer = yield* loadDescriptions(absolute, format, [])
    // a plugin's setting is checked when the client is built: reported at its line
    const locate: Spec.Locate = (endpoint, at) => {
      const origin = Object.hasOwn(layer.origin, endpoint) ? layer.origin[endpoint] : undefined
      return origin === undefined ? { file: absolute } : { file: origin.file, line: origin.lineOf([endpoint, ...at]) }
    }
    if (layer.base === undefined) {
      return Spec.withLocate(yield* SpecRecord.fromRecord(layer.descriptions, { file: absolute }), locate)
    }
    const base = layer.base
    const endpoints = applyOverlay(
      base,
      layer.descriptions,
      (name) => Object.hasOwn(layer.origin, name) ? layer.origin[name]! : { file: absolute, line: undefined }
    )
    if (Either.isLeft(endpoints)) return yield* Effect.fail(endpoints.left)
    const spec = Spec.withLocate(
      Spec.withFile(Spec.make(endpoints.right as any) as unknown as Spec.Untyped, absolute),
      locate
    )
    return base.baseUrl === undefined ? spec : Spec.withBaseUrl(spec, base.baseUrl)
  })

/**
 * Loads a JSON spec file.
 *
 * **Example**
 *
 * ```ts
 * const spec = yield* SpecLoader.json("specs/users.json") // needs FileSystem (NodeContext.layer)
 * const users = yield* ServiceClient.make(spec, { name: "users", baseUrl })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const json = (file: string): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> => load(file, "json")

/**
 * Loads a YAML spec file. Errors name the line.
 *
 * **Example**
 *
 * ```yaml
 * extends: base.yaml
 * getUser:
 *   path: /user/{user_id}
 *   headers: { accept: application/json }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const yaml = (file: string): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> => load(file, "yaml")

/**
 * Loads a spec file by its extension: `.json` as JSON, anything else as YAML.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFile = (file: string): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> =>
  load(file, formatOf(String(file), "yaml"))

/**
 * Imports an OpenAPI 3.0 or 3.1 document (JSON or YAML, by extension; YAML otherwise) as
 * a spec, reading the files its `$ref`s name (never the network). Each operation is an
 * endpoint:
 *
 * - its name is the `operationId` in camelCase (`repos/get-content` → `reposGetContent`);
 *   without one, the method and path (`GET /pets/{id}` → `getPetsById`); a name the
 *   client reserves (`call`, `name`...) gets a trailing `_`;
 * - path parameters are the tokens (a name that is not an identifier has its other
 *   characters turned into `_`), query and header parameters the `querySchema` and
 *   `headersSchema` (serialized by `style`/`explode`), the JSON (or form) request body
 *   the `payload` Schema, the 2xx JSON response the `success` Schema, and the other
 *   responses (`404`, `4XX`, `default`) the per-status `error` Schemas;
 * - the first server's absolute URL is the spec's default `baseUrl`.
 *
 * Anything unsupported fails with a `SpecError` naming the file, the line and the JSON
 * pointer of the construct (in `key`): never a partly imported spec. A spec file that
 * `extends` the document adds per-endpoint policy (entries without a `path`).
 *
 * `options.operations` (operationIds or endpoint names) and `options.tags` keep only the
 * operations named or tagged so (an unknown one is a `SpecError` naming it). The request
 * body a document gives a GET or HEAD operation is left out (the client sends none).
 *
 * @since 0.1.0
 * @category constructors
 */
export const openapi = (
  file: string,
  options: OpenApiSpec.Selection = {}
): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (typeof file !== "string" || file.length === 0) {
      return yield* new SpecError({ reason: "expected the path of an OpenAPI document" })
    }
    const path = yield* pathService
    return yield* importFile(path.resolve(file), formatOf(file, "yaml"), options)
  })

/**
 * Reads an OpenAPI document (and the files its `$ref`s name) into the operation model
 * `SpecLoader.openapi` builds endpoints from, for tools such as the code generator (with
 * the same `operations`/`tags` selection).
 *
 * @since 0.1.0
 * @category constructors
 */
export const openapiModel = (
  file: string,
  options: OpenApiSpec.Selection = {}
): Effect.Effect<OpenApiSpec.Api, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (typeof file !== "string" || file.length === 0) {
      return yield* new SpecError({ reason: "expected the path of an OpenAPI document" })
    }
    const path = yield* pathService
    const absolute = path.resolve(file)
    const source = yield* read(absolute, formatOf(file, "yaml"))
    const api = OpenApiSpec.select((yield* readApi(source)).api, options)
    if (Either.isLeft(api)) return yield* new SpecError({ file: absolute, reason: api.left.reason })
    return api.right
  })
