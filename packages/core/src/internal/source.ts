/**
 * Reading a JSON or YAML data file (spec or client config) through @effect/platform's
 * FileSystem, and mapping a key path inside it back to a line for error messages.
 *
 * A data file is read only when it is a regular file of at most {@link maxFileBytes}
 * bytes (never a directory, a FIFO, a device such as `/dev/zero`), and parsed only when it
 * nests at most {@link maxNesting} levels deep: anything else is a `SpecError` naming the
 * file, before the file is read whole or parsed.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Option } from "effect"
import * as YAML from "yaml"
import { SpecError } from "../Errors.js"
import { concat } from "../Transport.js"
import * as Thrown from "./thrown.js"

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

/**
 * The largest data file read, in bytes (64 MiB): five times the largest public OpenAPI
 * documents (GitHub's is 13 MB), small enough that reading and parsing stay bounded.
 *
 * @internal
 */
export const maxFileBytes = 64 * 1024 * 1024

/**
 * The deepest nesting a data file may have: JSON arrays and objects, YAML flow (`[`, `{`)
 * and block (indentation, `- - -`) collections. Real specs and OpenAPI documents nest a
 * few dozen levels; the parsers and everything that walks the data recurse, so a deeper
 * file is refused before it is parsed.
 *
 * @internal
 */
export const maxNesting = 256

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

const describeType = (type: FileSystem.File.Type): string => {
  switch (type) {
    case "Directory":
      return "a directory"
    case "FIFO":
      return "a FIFO (named pipe)"
    case "CharacterDevice":
      return "a character device"
    case "BlockDevice":
      return "a block device"
    case "Socket":
      return "a socket"
    case "SymbolicLink":
      return "a symbolic link"
    default:
      return "a file of an unknown type"
  }
}

const readChunk = 1024 * 1024

const tooLarge = (file: string) =>
  new SpecError({ file, reason: `the file is larger than ${maxFileBytes} bytes (the limit for a spec file)` })

/** Refuses what is not a regular file of at most `maxFileBytes`, from its `stat`. */
const checkInfo = (file: string, info: FileSystem.File.Info): Effect.Effect<void, SpecError> =>
  info.type !== "File"
    ? Effect.fail(
      new SpecError({ file, reason: `cannot read the file: ${describeType(info.type)}, not a regular file` })
    )
    : info.size > BigInt(maxFileBytes)
    ? Effect.fail(tooLarge(file))
    : Effect.void

/**
 * The text of a regular file of at most `maxFileBytes` bytes, decoded as UTF-8 as
 * `FileSystem.readFileString` does. The path is checked before it is opened (opening a
 * FIFO would wait for a writer), the open file again, and at most `maxFileBytes + 1`
 * bytes are ever read (a file that grows, or reports no size, is still bounded). A
 * FileSystem whose `stat` fails (a missing file, or a virtual FileSystem that only reads)
 * is read with `readFileString`, as before: its error is the one a missing file shows.
 */
const readText = (fs: FileSystem.FileSystem, file: string): Effect.Effect<string, SpecError> => {
  const cannot = (e: PlatformError) => new SpecError({ file, reason: `cannot read the file: ${e.message}` })
  return Effect.gen(function*() {
    const info = yield* Effect.option(fs.stat(file))
    // a FileSystem that cannot tell (a virtual one that only reads files, as
    // `FileSystem.layerNoop({ readFileString })` makes): read as it reads, then bounded
    if (Option.isNone(info)) {
      const text = yield* Effect.mapError(fs.readFileString(file), cannot)
      return text.length > maxFileBytes ? yield* tooLarge(file) : text
    }
    yield* checkInfo(file, info.value)
    const bytes = yield* Effect.scoped(Effect.gen(function*() {
      const handle = yield* Effect.mapError(fs.open(file, { flag: "r" }), cannot)
      yield* checkInfo(file, yield* Effect.mapError(handle.stat, cannot))
      const chunks: Array<Uint8Array> = []
      let total = 0
      while (true) {
        const chunk = yield* Effect.mapError(handle.readAlloc(Math.min(readChunk, maxFileBytes + 1 - total)), cannot)
        if (Option.isNone(chunk)) break
        chunks.push(chunk.value)
        total += chunk.value.length
        if (total > maxFileBytes) return yield* tooLarge(file)
      }
      return concat(chunks, total)
    }))
    return new TextDecoder().decode(bytes)
  })
}

const tooDeep = (file: string, line: number | undefined) =>
  new SpecError({
    file,
    line,
    reason: `nested deeper than ${maxNesting} levels (arrays, objects or indented collections): not a spec file`
  })

/**
 * The line at which the JSON text opens more than `maxNesting` arrays and objects (those
 * in strings are not counted), or undefined. One pass, no allocation: run before
 * `JSON.parse`, whose data everything after it walks recursively, and before the YAML
 * parse that maps a key back to its line.
 */
const jsonTooDeepAt = (text: string): number | undefined => {
  let depth = 0
  let line = 1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) { // '"': skip the string, its escapes included
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 92) i++
        else if (d === 34) break
        else if (d === 10) line++ // not valid JSON, but keep the line count right
      }
    } else if (c === 91 || c === 123) { // '[' '{'
      if (++depth > maxNesting) return line
    } else if (c === 93 || c === 125) { // ']' '}'
      if (depth > 0) depth--
    } else if (c === 10) {
      line++
    }
  }
  return undefined
}

const collections: ReadonlySet<string> = new Set(["block-map", "block-seq", "flow-collection", "document"])

/**
 * `YAML.parseDocument`, with the nesting (flow and block collections alike) checked as
 * the parser builds it: the lexer's tokens are fed to the parser one by one and parsing
 * stops as soon as the parser's stack is deeper than `maxNesting`, before the composer
 * (which recurses) sees the document. Returns the line where it stopped instead.
 */
const parseYamlBounded = (
  text: string,
  lineCounter: YAML.LineCounter,
  options: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions
): YAML.Document.Parsed | { readonly tooDeepAt: number } => {
  const parser = new YAML.Parser(lineCounter.addNewLine)
  let tooDeepAt: number | undefined
  function* tokens(): Generator<YAML.CST.Token> {
    lineCounter.addNewLine(0)
    for (const lexeme of new YAML.Lexer().lex(text)) {
      yield* parser.next(lexeme)
      // the stack holds the document, the open collections, and maybe the scalar being read
      const top = parser.stack.length === 0 ? undefined : parser.stack[parser.stack.length - 1]!.type
      const open = parser.stack.length - 1 - (top === undefined || collections.has(top) ? 0 : 1)
      if (open > maxNesting) {
        tooDeepAt = lineCounter.linePos(parser.offset).line
        return
      }
    }
    yield* parser.end()
  }
  const composer = new YAML.Composer(options)
  let doc: YAML.Document.Parsed | undefined
  for (const next of composer.compose(tokens(), true, text.length)) {
    if (tooDeepAt !== undefined) break
    if (doc === undefined) {
      doc = next as YAML.Document.Parsed
    } else {
      doc.errors.push(
        new YAML.YAMLParseError(
          [next.range[0], next.range[1]],
          "MULTIPLE_DOCS",
          "Source contains multiple documents; please use YAML.parseAllDocuments()"
        )
      )
      break
    }
  }
  return tooDeepAt !== undefined ? { tooDeepAt } : doc!
}

/**
 * Reads and parses a data file. Never fails with anything but a `SpecError` naming the
 * file (and the line for a syntax error): a path that is not a regular file, a file
 * larger than {@link maxFileBytes} or nested deeper than {@link maxNesting} included.
 *
 * @internal
 */
export const read = (
  file: string,
  format: Format
): Effect.Effect<Source, SpecError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* readText(fs, file)
    const lineOf = locator(text)
    if (format === "json") {
      const deepAt = jsonTooDeepAt(text)
      if (deepAt !== undefined) return yield* tooDeep(file, deepAt)
      try {
        return { file, data: JSON.parse(text), lineOf }
      } catch (e) {
        return yield* new SpecError({
          file,
          line: jsonErrorLine(text, Thrown.message(e)),
          reason: `not valid JSON: ${Thrown.message(e)}`
        })
      }
    }
    const lineCounter = new YAML.LineCounter()
    let doc: YAML.Document.Parsed
    try {
      const parsed = parseYamlBounded(text, lineCounter, { prettyErrors: false, uniqueKeys: true, merge: true })
      if ("tooDeepAt" in parsed) return yield* tooDeep(file, parsed.tooDeepAt)
      doc = parsed
    } catch (e) {
      return yield* new SpecError({ file, reason: `not valid YAML: ${Thrown.message(e)}` })
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
      return yield* new SpecError({ file, reason: `not valid YAML: ${Thrown.message(e)}` })
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
