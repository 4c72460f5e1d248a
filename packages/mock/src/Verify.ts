/**
 * Drift detection: replays each recorded request of a service against the live server
 * and reports, per recorded request, a status change, a failure of the endpoint's Schema
 * on the live answer, and the fields added, missing or of another type than recorded.
 * `Verify.format` renders the report as a table and `Verify.exitCode` is non-zero when
 * anything drifted, for CI.
 *
 * ```ts
 * const report = yield* Verify.run(UserApi, recording, { name: "users", baseUrl: "http://127.0.0.1:8080" })
 * console.log(Verify.format(report))
 * ```
 *
 * @since 0.1.0
 */
import { type Endpoint, type Plugin, Render, ServiceClient, type Spec, Transport } from "@service-client/core"
import { Cause, Effect, Either, Schema, type Scope } from "effect"
import { told } from "./internal/schemaCheck.js"
import * as Recorder from "./Recorder.js"
import type * as Recording from "./Recording.js"
import * as Redaction from "./Redaction.js"

/**
 * What happened to one recorded request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly path: string
  readonly recordedStatus: number
  /** `undefined` when no answer came (see `error`). */
  readonly liveStatus: number | undefined
  /** Why the endpoint's Schema does not describe the live answer. */
  readonly schema: string | undefined
  /** Fields of the live answer that the recording has not (`user.nickname`, `items[].id`). */
  readonly added: ReadonlyArray<string>
  /** Fields of the recording that the live answer has not. */
  readonly missing: ReadonlyArray<string>
  /** Fields of another JSON type than recorded (`id: number → string`). */
  readonly changed: ReadonlyArray<string>
  /** The call could not be made or got no answer. */
  readonly error: string | undefined
  readonly drift: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly rows: ReadonlyArray<Row>
  readonly drift: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Added fields are reported but are not drift (a compatible change). Default `false`: they are. */
  readonly allowAdded?: boolean | undefined
}

const typeOf = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "array" : typeof u === "object" ? "object" : typeof u

/** Every field path of a JSON value with its type (array items merged under `[]`). */
const shape = (data: unknown, path = "", out = new Map<string, string>()): Map<string, string> => {
  if (Array.isArray(data)) {
    for (const item of data) shape(item, `${path}[]`, out)
  } else if (typeof data === "object" && data !== null) {
    for (const [key, value] of Object.entries(data)) {
      const at = path.length === 0 ? key : `${path}.${key}`
      const type = typeOf(value)
      const known = out.get(at)
      out.set(
        at,
        known === undefined || known === type || value === Redaction.REDACTED ? (known ?? type) : `${known}|${type}`
      )
      shape(value, at, out)
    }
  }
  return out
}

/**
 * The fields added, missing and changed between a recorded and a live JSON body.
 *
 * @since 0.1.0
 * @category models
 */
export const diffFields = (recorded: unknown, live: unknown) => {
  const r = shape(recorded)
  const l = shape(live)
  const added: Array<string> = []
  const missing: Array<string> = []
  const changed: Array<string> = []
  for (const path of l.keys()) if (!r.has(path)) added.push(path)
  for (const [path, type] of r) {
    const now = l.get(path)
    if (now === undefined) missing.push(path)
    else if (now !== type && !type.split("|").some((t) => now.split("|").includes(t))) {
      changed.push(`${path}: ${type} → ${now}`)
    }
  }
  if (typeOf(recorded) !== typeOf(live) && recorded !== undefined && live !== undefined) {
    changed.unshift(`(body): ${typeOf(recorded)} → ${typeOf(live)}`)
  }
  return { added, missing, changed }
}

const decodeWith = (schema: Schema.Schema.Any | undefined, value: unknown, what: string) => {
  if (schema === undefined || value === undefined) return Either.right(value)
  const decode = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown, never>)
  return Either.mapLeft(decode(value), (e) => `cannot rebuild the ${what}: ${told(decode, value, e)}`)
}

const withoutRedacted = <A>(record: Readonly<Record<string, A>> | undefined) =>
  record === undefined
    ? undefined
    : Object.fromEntries(Object.entries(record).filter(([, v]) => v !== Redaction.REDACTED))

/**
 * The call input that sends a recorded request again: its path tokens, query, headers
 * (redacted values left out, for the client's plugins to set) and payload, decoded by the
 * endpoint's Schemas back to what a caller gives.
 *
 * @since 0.1.0
 * @category constructors
 */
export const inputOf = (
  definition: Endpoint.Any,
  request: Recording.Request
): Either.Either<Record<string, unknown>, string> => {
  const input: Record<string, unknown> = { ...request.pathTokens }
  const query = withoutRedacted(request.query)
  const headers = withoutRedacted(request.headers)
  if (definition.input !== undefined) {
    const fields: Record<string, unknown> = { ...input }
    if (query !== undefined) fields.query = query
    if (request.payload !== undefined) fields.payload = request.payload
    const decoded = decodeWith(Schema.Struct(definition.input.fields), fields, "input")
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    return Either.right(
      headers === undefined ? decoded.right as Record<string, unknown> : { ...decoded.right as object, headers }
    )
  }
  if (query !== undefined) {
    const decoded = decodeWith(definition.querySchema, query, "query")
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    input.query = decoded.right
  }
  if (request.payload !== undefined) {
    const decoded = decodeWith(definition.payload, request.payload, "payload")
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    input.payload = decoded.right
  }
  if (headers !== undefined) input.headers = headers
  return Either.right(input)
}

/**
 * Sends every recorded request of the service `options.name` again through a client of
 * `spec` over the `Transport` in context (the live one) with `options` (base URL,
 * plugins), one after another, and compares each answer with the recorded one.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = <S extends Spec.Any, const P extends ReadonlyArray<Plugin.PluginLike> = []>(
  spec: S,
  recording: Recording.Recording,
  options: ServiceClient.Options<P>,
  verifyOptions: Options = {}
): Effect.Effect<
  Report,
  ServiceClient.MakeError<P>,
  Transport.Transport | ServiceClient.MakeContext<P>
> =>
  Effect.scoped(Effect.gen(function*() {
    const live = yield* Transport.Transport
    let last: Recorder.Exchange | undefined
    const transport = Recorder.wrap(live, Redaction.make(), (_, exchange) =>
      Effect.sync(() => {
        last = exchange
      }))
    const client = yield* Effect.provideService(
      ServiceClient.make(spec, options),
      Transport.Transport,
      transport
    ) as unknown as Effect.Effect<
      { readonly call: (name: string, input: unknown) => Effect.Effect<unknown, unknown> },
      ServiceClient.MakeError<P>,
      Scope.Scope | ServiceClient.MakeContext<P>
    >
    const rows: Array<Row> = []
    for (const entry of recording.entries) {
      if (entry.service !== options.name) continue
      const recordedStatus = entry.response.status ?? 200
      const base = {
        service: entry.service,
        endpoint: entry.endpoint,
        method: entry.request.method,
        path: entry.request.path,
        recordedStatus
      }
      const definition = spec.endpoints[entry.endpoint]
      const input = definition === undefined
        ? Either.left(`the spec has no endpoint "${entry.endpoint}"`)
        : inputOf(definition, entry.request)
      if (Either.isLeft(input)) {
        rows.push({
          ...base,
          liveStatus: undefined,
          schema: undefined,
          added: [],
          missing: [],
          changed: [],
          error: input.left,
          drift: true
        })
        continue
      }
      last = undefined
      const exit = yield* Effect.exit(client.call(entry.endpoint, input.right))
      const exchange = last as Recorder.Exchange | undefined
      if (exchange === undefined) {
        const error = exit._tag === "Failure" ? Cause.pretty(exit.cause).split("\n")[0]! : "no answer"
        rows.push({
          ...base,
          liveStatus: undefined,
          schema: undefined,
          added: [],
          missing: [],
          changed: [],
          error,
          drift: true
        })
        continue
      }
      const liveStatus = exchange.entry.response.status ?? 200
      const recordedData = entry.response.type === "json" ? entry.response.data : undefined
      const fields = exchange.json && recordedData !== undefined
        ? diffFields(recordedData, exchange.data)
        : { added: [], missing: [], changed: [] }
      const drift = liveStatus !== recordedStatus || exchange.issue !== undefined || fields.missing.length > 0 ||
        fields.changed.length > 0 || (verifyOptions.allowAdded !== true && fields.added.length > 0)
      rows.push({ ...base, liveStatus, schema: exchange.issue, ...fields, error: undefined, drift })
    }
    return { rows, drift: rows.some((r) => r.drift) }
  }))

/**
 * `1` when anything drifted, else `0`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const exitCode = (report: Report): 0 | 1 => (report.drift ? 1 : 0)

const cell = (text: string, max = 60): string => Render.text(text, max)

/**
 * The report as a text table: one line per recorded request, then a summary line.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (report: Report): string => {
  const header = ["", "endpoint", "request", "status", "schema", "fields"]
  const lines = report.rows.map((r) => {
    const status = r.liveStatus === undefined
      ? `${r.recordedStatus} → none`
      : r.liveStatus === r.recordedStatus
      ? String(r.liveStatus)
      : `${r.recordedStatus} → ${r.liveStatus}`
    const fields = [
      ...r.added.map((f) => `+${f}`),
      ...r.missing.map((f) => `-${f}`),
      ...r.changed.map((f) => `~${f}`)
    ].join(" ")
    return [
      r.drift ? "✗" : "✓",
      cell(`${r.service}.${r.endpoint}`, 40),
      cell(`${r.method} ${r.path}`, 50),
      status,
      r.error !== undefined ? cell(`error: ${r.error}`) : r.schema !== undefined ? cell(`fails: ${r.schema}`) : "ok",
      cell(fields, 80)
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const render = (cols: ReadonlyArray<string>) => cols.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()
  const drifted = report.rows.filter((r) => r.drift).length
  return [
    render(header),
    ...lines.map(render),
    `${report.rows.length} recorded request(s), ${drifted} drifted`
  ].join("\n")
}
