/**
 * Reading a JSON or YAML data file (spec or client config) through @effect/platform's
 * FileSystem, and mapping a key path inside it back to a line for error messages.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Option } from "effect"
import * as YAML from "yaml"
import { SpecError } from "../Errors.js"

/** @internal */
export type Format = "json" | "yaml"

/** @internal */
export interface Source {
  /** The absolute path of the file. */
  readonly file: string
  readonly data: unknown
  /** The 1-based line of the deepest node of `path` (endpoint, key...) the file has. */
  readonly lineOf: (path: ReadonlyArray<string | number>) => number | undefined
}

/**
 * The platform's Path service, or the POSIX one of @effect/platform when none is provided.
 *
 * @internal
 */
export const path: Effect.Effect<Path.Path> = Effect.flatMap(
  Effect.serviceOption(Path.Path),
  Option.match({ onNone: () => Effect.provide(Path.Path, Path.layer), onSome: Effect.succeed })
)

/** @internal */
export const formatOf = (file: string, fallback: Format): Format =>
  /\.json$/i.test(file) ? "json" : /\.ya?ml$/i.test(file) ? "yaml" : fallback

const locator = (text: string) => {
  let cached: ((path: ReadonlyArray<string | number>) => number | undefined) | undefined
  return (keys: ReadonlyArray<string | number>): number | undefined => {
    if (cached === undefined) {
      const lineCounter = new YAML.LineCounter()
      const doc = YAML.parseDocument(text, { lineCounter, keepSourceTokens: true, uniqueKeys: false, merge: true })
      const lineAt = (offset: number) => lineCounter.linePos(offset).line
      cached = (keys) => {
        let node: unknown = doc.contents
        let line = YAML.isNode(node) && node.range ? lineAt(node.range[0]) : undefined
        for (const key of keys) {
          if (YAML.isMap(node)) {
            const pair = node.items.find((p) =>
              (YAML.isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key)
            )
            if (pair === undefined) break
            const keyNode = pair.key
            if (YAML.isNode(keyNode) && keyNode.range) line = lineAt(keyNode.range[0])
            node = pair.value
          } else if (YAML.isSeq(node) && typeof key === "number") {
            const item = node.items[key]
            if (!YAML.isNode(item) || !item.range) break
            line = lineAt(item.range[0])
            node = item
          } else {
            break
          }
        }
        return line
      }
    }
    return cached(keys)
  }
}

/**
 * Splits a SpecError key such as `mock.headers.x-id` or `query.tags[1]` into a path.
 *
 * @internal
 */
export const keyPath = (key: string | undefined): Array<string | number> => {
  if (key === undefined) return []
  const out: Array<string | number> = []
  for (const part of key.split(".")) {
    const m = /^(.*?)((?:\[\d+\])*)$/.exec(part)!
    if (m[1]!.length > 0) out.push(m[1]!)
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]))
  }
  return out
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e))

const jsonErrorLine = (text: string, message: string): number | undefined => {
  const line = /line (\d+)/.exec(message)
  if (line) return Number(line[1])
  const position = /position (\d+)/.exec(message)
  if (!position) return undefined
  const offset = Math.min(Number(position[1]), text.length)
  let n = 1
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++
  return n
}

/**
 * Reads and parses a data file. Never fails with anything but a `SpecError` naming the
 * file (and the line for a syntax error).
 *
 * @internal
 */
export const read = (
  file: string,
  format: Format
): Effect.Effect<Source, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((e) => new SpecError({ file, reason: `cannot read the file: ${e.message}` }))
    )
    const lineOf = locator(text)
    if (format === "json") {
      try {
        return { file, data: JSON.parse(text), lineOf }
      } catch (e) {
        return yield* new SpecError({
          file,
          line: jsonErrorLine(text, errorMessage(e)),
          reason: `not valid JSON: ${errorMessage(e)}`
        })
      }
    }
    const lineCounter = new YAML.LineCounter()
    let doc: YAML.Document.Parsed
    try {
      doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true })
    } catch (e) {
      return yield* new SpecError({ file, reason: `not valid YAML: ${errorMessage(e)}` })
    }
    const error = doc.errors[0]
    if (error !== undefined) {
      return yield* new SpecError({
        file,
        line: lineCounter.linePos(error.pos[0]).line,
        reason: `not valid YAML: ${error.message.split("\n")[0]}`
      })
    }
    try {
      return { file, data: doc.toJS({ maxAliasCount: 100 }), lineOf }
    } catch (e) {
      return yield* new SpecError({ file, reason: `not valid YAML: ${errorMessage(e)}` })
    }
  })

/**
 * Adds the line of `path` in `source` to an error that names no line yet.
 *
 * @internal
 */
export const withLine = (error: SpecError, source: Source, path: ReadonlyArray<string | number>): SpecError =>
  error.line !== undefined || (error.file !== undefined && error.file !== source.file)
    ? error
    : new SpecError({
      reason: error.reason,
      service: error.service,
      endpoint: error.endpoint,
      key: error.key,
      file: source.file,
      line: source.lineOf(path)
    })

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array)

/**
 * A copy of plain-data endpoint descriptions whose `mock.file` paths are made absolute,
 * relative to `dir`.
 *
 * @internal
 */
export const absoluteMockFiles = (
  descriptions: Readonly<Record<string, unknown>>,
  dir: string,
  path: Path.Path
): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...descriptions }
  for (const [name, desc] of Object.entries(descriptions)) {
    if (isRecord(desc) && isRecord(desc.mock) && desc.mock.type === "file" && typeof desc.mock.file === "string") {
      out[name] = { ...desc, mock: { ...desc.mock, file: path.resolve(dir, desc.mock.file) } }
    }
  }
  return out
}
