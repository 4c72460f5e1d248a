/**
 * Recorded exchanges: for each service and endpoint, the requests as sent (path tokens,
 * query, payload, the call's own headers) and the answers as mock descriptions. Written
 * by `Recorder`, answered from by `Replay`, checked against a live server by `Verify`.
 * A file is JSON or YAML (by extension), endpoints and entries in a stable order, one
 * entry per distinct request:
 *
 * ```yaml
 * recordings:
 *   users:
 *     getUser:
 *       - request: { method: GET, path: /user/12, pathTokens: { user_id: 12 } }
 *         response: { type: json, status: 200, data: { id: 12, username: foo } }
 * ```
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import type { Endpoint } from "@service-client/core"
import { safeDisplay } from "@service-client/core/Errors"
import { Data, Effect, Either, ParseResult, Schema } from "effect"
import * as YAML from "yaml"

/**
 * A request as recorded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly method: string
  /** The filled path (without the base URL's path prefix and the query string). */
  readonly path: string
  readonly pathTokens?: Readonly<Record<string, string | number>> | undefined
  readonly query?: Readonly<Record<string, Endpoint.QueryValue>> | undefined
  /** The headers the call itself gave (not the plugins'), redacted. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The payload in its wire form (after the payload Schema encoded it), redacted. */
  readonly payload?: unknown
}

/**
 * One recorded exchange.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly service: string
  readonly endpoint: string
  readonly request: Request
  readonly response: Endpoint.MockDescription
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Recording {
  /** In a stable order: by service, endpoint, then request. */
  readonly entries: ReadonlyArray<Entry>
  /** The file it was loaded from, if any (named by errors and `NoMock` reasons). */
  readonly file?: string | undefined
}

/**
 * A recording file cannot be read, parsed or written.
 *
 * @since 0.1.0
 * @category errors
 */
export class RecordingError extends Data.TaggedError("RecordingError")<{
  readonly file: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `recording ${this.file}: ${this.reason}`
  }
}
safeDisplay(RecordingError)

const QueryScalar = Schema.Union(Schema.String, Schema.Number, Schema.Boolean)
const RequestSchema = Schema.Struct({
  method: Schema.String,
  path: Schema.String,
  pathTokens: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) })),
  query: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.Union(QueryScalar, Schema.Null, Schema.Array(QueryScalar)) })
  ),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  payload: Schema.optional(Schema.Unknown)
})
const ResponseSchema = Schema.Struct({
  type: Schema.Literal("json", "raw", "file", "arbitrary"),
  data: Schema.optional(Schema.Unknown),
  file: Schema.optional(Schema.String),
  seed: Schema.optional(Schema.Int),
  status: Schema.optional(Schema.Int.pipe(Schema.between(100, 599))),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  delay: Schema.optional(Schema.Union(Schema.String, Schema.NonNegative)),
  check: Schema.optional(Schema.Boolean)
})

/**
 * The Schema of a recording file.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FileSchema = Schema.Struct({
  recordings: Schema.Record({
    key: Schema.String,
    value: Schema.Record({
      key: Schema.String,
      value: Schema.Array(Schema.Struct({ request: RequestSchema, response: ResponseSchema }))
    })
  })
})

const decodeFile = Schema.decodeUnknownEither(FileSchema, { onExcessProperty: "error", errors: "first" })

const stable = (u: unknown): string => {
  if (Array.isArray(u)) return `[${u.map(stable).join(",")}]`
  if (typeof u === "object" && u !== null) {
    return `{${
      Object.keys(u).sort().map((k) => `${JSON.stringify(k)}:${stable((u as Record<string, unknown>)[k])}`).join(",")
    }}`
  }
  return JSON.stringify(u) ?? "undefined"
}

/**
 * What tells two recorded requests apart: service, endpoint, method, path, query and
 * payload (key order ignored). Two entries with one key are one entry.
 *
 * @since 0.1.0
 * @category models
 */
export const keyOf = (entry: Pick<Entry, "service" | "endpoint" | "request">): string =>
  `${entry.service}\u0000${entry.endpoint}\u0000${entry.request.method} ${entry.request.path}\u0000${
    stable(entry.request.query ?? {})
  }\u0000${stable(entry.request.payload)}`

/**
 * A recording of these entries in the stable order, one per key (a later entry replaces
 * an earlier one with the same key).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (entries: Iterable<Entry>, file?: string): Recording => {
  const byKey = new Map<string, Entry>()
  for (const entry of entries) byKey.set(keyOf(entry), entry)
  const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e)
  return file === undefined ? { entries: sorted } : { entries: sorted, file }
}

/**
 * `self`'s entries with `that`'s added (and replacing those with the same key).
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge = (self: Recording, that: Recording): Recording =>
  make([...self.entries, ...that.entries], self.file ?? that.file)

/**
 * The entries of one service and endpoint.
 *
 * @since 0.1.0
 * @category accessors
 */
export const entriesOf = (self: Recording, service: string, endpoint: string): ReadonlyArray<Entry> =>
  self.entries.filter((e) => e.service === service && e.endpoint === endpoint)

/**
 * One `mock` description per endpoint of a service, for a spec's `mock:` keys: the first
 * recorded 2xx answer of each endpoint (else its first answer). Spread into a spec file's
 * endpoints (or written with `YAML.stringify`) to make its own mocks real answers.
 *
 * @since 0.1.0
 * @category conversions
 */
export const specMocks = (self: Recording, service: string): Record<string, Endpoint.MockDescription> => {
  const out: Record<string, Endpoint.MockDescription> = {}
  for (const entry of self.entries) {
    if (entry.service !== service) continue
    const known = out[entry.endpoint]
    const status = entry.response.status ?? 200
    const ok = status >= 200 && status < 300
    if (known === undefined || (ok && !((known.status ?? 200) >= 200 && (known.status ?? 200) < 300))) {
      out[entry.endpoint] = entry.response
    }
  }
  return out
}

/**
 * A recording's file form (plain data, see the module's example).
 *
 * @since 0.1.0
 * @category conversions
 */
export const toData = (self: Recording): typeof FileSchema.Encoded => {
  // no prototype: a service or endpoint named `constructor` or `__proto__` is a plain key
  const recordings: Record<string, Record<string, Array<{ request: Request; response: unknown }>>> = Object.create(null)
  for (const entry of make(self.entries).entries) {
    const service = (recordings[entry.service] ??= Object.create(null))
    const list = (service[entry.endpoint] ??= [])
    list.push({ request: entry.request, response: entry.response })
  }
  return { recordings } as typeof FileSchema.Encoded
}

/**
 * Decodes a recording's file form.
 *
 * @since 0.1.0
 * @category conversions
 */
export const fromData = (data: unknown, file = "<data>"): Either.Either<Recording, RecordingError> => {
  const decoded = decodeFile(data)
  if (Either.isLeft(decoded)) {
    const issue = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]
    const at = issue === undefined ? "" : `${issue.path.join(".")}: `
    return Either.left(new RecordingError({ file, reason: `not a recording: ${at}${issue?.message ?? "invalid"}` }))
  }
  const entries: Array<Entry> = []
  for (const [service, endpoints] of Object.entries(decoded.right.recordings)) {
    for (const [endpoint, list] of Object.entries(endpoints)) {
      for (const { request, response } of list) {
        entries.push({ service, endpoint, request, response: response as Endpoint.MockDescription })
      }
    }
  }
  return Either.right(make(entries, file))
}

const isJson = (file: string) => file.toLowerCase().endsWith(".json")

/**
 * The text of a recording file: JSON for a `.json` file, YAML otherwise.
 *
 * @since 0.1.0
 * @category conversions
 */
export const format = (self: Recording, file: string): string =>
  isJson(file)
    ? `${JSON.stringify(toData(self), null, 2)}\n`
    : YAML.stringify(toData(self), { aliasDuplicateObjects: false, lineWidth: 0 })

/**
 * Reads a recording file (JSON for `.json`, YAML otherwise).
 *
 * @since 0.1.0
 * @category constructors
 */
export const load = (file: string): Effect.Effect<Recording, RecordingError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* Effect.mapError(
      fs.readFileString(file),
      (e) => new RecordingError({ file, reason: `cannot read: ${e.message}`, cause: e })
    )
    let data: unknown
    try {
      data = isJson(file) ? JSON.parse(text) : YAML.parse(text)
    } catch (e) {
      return yield* new RecordingError({
        file,
        reason: `cannot parse: ${e instanceof Error ? e.message : e}`,
        cause: e
      })
    }
    return yield* fromData(data, file)
  })

/**
 * Reads a recording file, or answers an empty recording when there is none yet.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadOrEmpty = (file: string): Effect.Effect<Recording, RecordingError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.flatMap(
      Effect.orElseSucceed(fs.exists(file), () => false),
      (exists) => (exists ? load(file) : Effect.succeed(make([], file)))
    ))

/**
 * Writes a recording to a file (JSON for `.json`, YAML otherwise), replacing it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const save = (self: Recording, file: string): Effect.Effect<void, RecordingError, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.mapError(
      fs.writeFileString(file, format(self, file)),
      (e) => new RecordingError({ file, reason: `cannot write: ${e.message}`, cause: e })
    ))
