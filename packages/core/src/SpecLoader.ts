/**
 * Loads a plain-data spec from a JSON or YAML file, read through @effect/platform's
 * `FileSystem`. A spec file is a mapping of endpoint names to descriptions (the keys
 * `Spec.fromRecord` accepts), plus an optional top-level `extends: base.yaml` (relative to
 * the file) whose endpoints it inherits, adds to and overrides. A bad file fails with a
 * `SpecError` naming the file, the line, the endpoint and the key: never a partly loaded spec.
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Either } from "effect"
import { SpecError } from "./Errors.js"
import { absoluteMockFiles, type Format, formatOf, keyPath, path as pathService, read, withLine } from "./internal/source.js"
import * as Spec from "./Spec.js"

/**
 * The top-level key naming the spec a file extends.
 *
 * @since 0.1.0
 * @category models
 */
export const extendsKey = "extends"

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array)

/**
 * The endpoint descriptions of one file, merged over those it extends: validated, with
 * mock file paths made absolute.
 */
const loadDescriptions = (
  file: string,
  format: Format,
  chain: ReadonlyArray<string>
): Effect.Effect<Record<string, unknown>, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const path = yield* pathService
    const source = yield* read(file, format)
    const data = source.data
    if (!isRecord(data)) {
      const got = data === null || data === undefined ? "nothing" : Array.isArray(data) ? "a list" : `a ${typeof data}`
      return yield* new SpecError({
        file,
        line: source.lineOf([]),
        reason: `a spec file must be a mapping of endpoint names to descriptions, got ${got}`
      })
    }
    const { [extendsKey]: parent, ...own } = data
    let inherited: Record<string, unknown> = {}
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
    const checked = Spec.fromRecordEither(own, { file })
    if (Either.isLeft(checked)) {
      const e = checked.left
      return yield* withLine(e, source, e.endpoint === undefined ? [] : [e.endpoint, ...keyPath(e.key)])
    }
    return { ...inherited, ...absoluteMockFiles(own, path.dirname(file), path) }
  })

const load = (file: string, format: Format): Effect.Effect<Spec.Untyped, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (typeof file !== "string" || file.length === 0) {
      return yield* new SpecError({ reason: "expected the path of a spec file" })
    }
    const path = yield* pathService
    const absolute = path.resolve(file)
    const descriptions = yield* loadDescriptions(absolute, format, [])
    return yield* Spec.fromRecord(descriptions, { file: absolute })
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
