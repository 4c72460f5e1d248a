/**
 * Reading an OpenAPI document and the files its `$ref`s name, and applying an overlay
 * (a spec file that `extends` the document) to the imported endpoints.
 *
 * @internal
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Either } from "effect"
import * as Endpoint from "../../Endpoint.js"
import { SpecError } from "../../Errors.js"
import * as OpenApiSpec from "../../OpenApiSpec.js"
import type * as Spec from "../../Spec.js"
import { type Format, formatOf, path as pathService, read, type Source } from "../source.js"
import * as SpecRecord from "../specRecord.js"
import { externalRefs, isRecord } from "./documents.js"

const patch = (e: SpecError, changes: { readonly reason?: string; readonly line?: number | undefined }) =>
  new SpecError({
    reason: changes.reason ?? e.reason,
    service: e.service,
    endpoint: e.endpoint,
    key: e.key,
    file: e.file,
    line: "line" in changes ? changes.line : e.line
  })

/** Most files one import reads (the root and the files it references). */
const maxFiles = 1000

/** @internal */
export const isOpenApiDocument = (data: unknown): boolean =>
  isRecord(data) && (typeof data.openapi === "string" || typeof data.swagger === "string")

/**
 * Reads the files an already read OpenAPI document's `$ref`s name and parses it into the
 * operation model; errors name the line of the pointer in its file.
 *
 * @internal
 */
export const readApi = (
  source: Source
): Effect.Effect<
  { readonly api: OpenApiSpec.Api; readonly withLine: (e: SpecError) => SpecError },
  SpecError,
  FileSystem.FileSystem
> =>
  Effect.gen(function*() {
    const path = yield* pathService
    const sources = new Map<string, Source>([[source.file, source]])
    const resolveFile = (base: string, ref: string) => {
      let rel = ref
      try {
        rel = decodeURIComponent(ref)
      } catch {
        // keep it as written
      }
      return path.resolve(path.dirname(base), rel)
    }
    const pending = [source]
    while (pending.length > 0) {
      const current = pending.pop()!
      for (const ref of externalRefs(current.data)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) continue // a URL: the parser names it
        const file = resolveFile(current.file, ref)
        if (sources.has(file)) continue
        if (sources.size >= maxFiles) {
          return yield* new SpecError({
            file: source.file,
            reason: `the document references more than ${maxFiles} files`
          })
        }
        const next = yield* read(file, formatOf(file, "yaml")).pipe(
          Effect.mapError((e) => patch(e, { reason: `${e.reason} (referenced from ${current.file})` }))
        )
        sources.set(file, next)
        pending.push(next)
      }
    }
    const documents = new Map([...sources].map(([file, s]) => [file, s.data]))
    const withLine = (e: SpecError) => {
      const s = e.file === undefined ? undefined : sources.get(e.file)
      return s === undefined || e.key === undefined
        ? e
        : patch(e, { line: s.lineOf(OpenApiSpec.pointerPath(e.key)) })
    }
    const api = OpenApiSpec.parse(source.data, { file: source.file, documents, resolveFile })
    if (Either.isLeft(api)) return yield* Effect.fail(withLine(api.left))
    return { api: api.right, withLine }
  })

/**
 * Imports an already read OpenAPI document (its `$ref`d files are read here) as a spec.
 *
 * @internal
 */
export const importDocument = (
  source: Source,
  selection: OpenApiSpec.Selection = {}
): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> =>
  Effect.flatMap(readApi(source), ({ api: all, withLine }) => {
    const api = OpenApiSpec.select(all, selection)
    if (Either.isLeft(api)) return Effect.fail(new SpecError({ file: source.file, reason: api.left.reason }))
    const spec = OpenApiSpec.toSpec(api.right, { file: source.file })
    return Either.isLeft(spec) ? Effect.fail(withLine(spec.left)) : Effect.succeed(spec.right)
  })

/** Reads an OpenAPI document file and imports it. @internal */
export const importFile = (
  file: string,
  format: Format,
  selection: OpenApiSpec.Selection = {}
): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> =>
  Effect.flatMap(read(file, format), (source) => importDocument(source, selection))

const optionsOf = (endpoint: Endpoint.Any): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(endpoint)) if (key !== "tokens" && key !== "template") out[key] = (endpoint as any)[key]
  return out
}

/**
 * The imported endpoints with an overlay's settings applied (an overlay entry has no
 * `path`; its settings replace the endpoint's), plus the plain endpoints of the files.
 * Fails for an overlay entry naming no operation of the document.
 *
 * @internal
 */
export const applyOverlay = (
  base: Spec.Untyped,
  descriptions: Readonly<Record<string, unknown>>,
  where: (name: string) => { readonly file: string; readonly line: number | undefined }
): Either.Either<Record<string, Endpoint.Any>, SpecError> => {
  const endpoints: Record<string, Endpoint.Any> = { ...base.endpoints }
  for (const [name, desc] of Object.entries(descriptions)) {
    const at = where(name)
    const own = Object.hasOwn(base.endpoints, name) ? base.endpoints[name] : undefined
    if (isRecord(desc) && desc.path === undefined) {
      if (own === undefined) {
        const names = Object.keys(base.endpoints)
        const close = names.filter((n) => n.toLowerCase().includes(name.toLowerCase().slice(0, 4))).slice(0, 5)
        return Either.left(
          new SpecError({
            ...at,
            endpoint: OpenApiSpec.clean(name, 200),
            reason:
              `the document ${base.file ?? ""} has no operation named "${
                OpenApiSpec.clean(name, 200)
              }" (an overlay entry sets the policy of an ` +
              `existing operation${close.length > 0 ? `; close names: ${close.join(", ")}` : ""})`
          })
        )
      }
      const checked = SpecRecord.endpointFromRecord({ ...desc, path: own.path, method: own.method })
      if (Either.isLeft(checked)) {
        return Either.left(new SpecError({ ...at, endpoint: name, key: checked.left.key, reason: checked.left.reason }))
      }
      // the overlay's settings as decoded: the core's and the plugins' (checked when a client is built)
      const settings: Record<string, unknown> = {}
      for (const key of Object.keys(desc)) {
        if (key !== "method" && desc[key] !== undefined) settings[key] = (checked.right as any)[key]
      }
      endpoints[name] = Endpoint.make({ ...optionsOf(own), ...settings } as any)
    } else {
      const checked = SpecRecord.fromRecordEither({ [name]: desc }, { file: at.file })
      if (Either.isLeft(checked)) return Either.left(patch(checked.left, { line: at.line }))
      endpoints[name] = checked.right.endpoints[name]!
    }
  }
  return Either.right(endpoints)
}
