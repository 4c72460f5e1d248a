/**
 * A recording layer around a live transport: every exchange that goes through it is kept
 * as a `Recording.Entry` (redacted by `Redaction`'s rules, one entry per distinct request,
 * the latest answer kept), and every answer is checked against the endpoint's Schemas as
 * it is recorded, so a recording the service's Schemas do not describe shows at once (a
 * warning in the log, and `Recorder.mismatches`).
 *
 * ```ts
 * const Recording = UserServiceLive.pipe(
 *   Layer.provideMerge(Recorder.layerFile("test/recordings/users.yaml")),
 *   Layer.provide(NodeTransport.layer),
 *   Layer.provide(NodeFileSystem.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform"
import { type Endpoint, Render, type Session, Transport } from "@service-client/core"
import { Context, Effect, Layer, Stream } from "effect"
import { issueOf, NotJson, parseBody } from "./internal/schemaCheck.js"
import * as Recording from "./Recording.js"
import * as Redaction from "./Redaction.js"

/**
 * An answer that the endpoint's Schemas do not describe.
 *
 * @since 0.1.0
 * @category models
 */
export interface Mismatch {
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly path: string
  readonly status: number
  readonly issue: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** What is redacted (sensitive headers and query parameters by default, plus body paths). */
  readonly redact?: Redaction.Options | undefined
}

/**
 * One exchange as seen by the recorder.
 *
 * @since 0.1.0
 * @category models
 */
export interface Exchange {
  readonly entry: Recording.Entry
  /** The body as parsed JSON (before redaction), or `undefined` for none or not JSON. */
  readonly data: unknown
  readonly json: boolean
  /** Why the endpoint's Schemas do not describe the answer, if they do not. */
  readonly issue: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Everything recorded so far. */
  readonly recording: Effect.Effect<Recording.Recording>
  readonly mismatches: Effect.Effect<ReadonlyArray<Mismatch>>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Recorder extends Context.Tag("@service-client/mock/Recorder")<Recorder, Service>() {}

/** Response headers that change on every exchange or that the transport sets itself. */
const volatile: ReadonlySet<string> = new Set([
  "date",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "age",
  "expires",
  "last-modified",
  "etag",
  "server",
  "x-request-id",
  "x-trace-id",
  "traceparent"
])

const decoder = new TextDecoder()

const slash = (path: string) => (path.startsWith("/") ? path : `/${path}`)

/** The payload as JSON data, or `undefined` when it is not plain data (bytes, a stream...). */
const jsonOf = (u: unknown): unknown => {
  if (u instanceof Uint8Array || (typeof u === "object" && u !== null && Stream.StreamTypeId in u)) return undefined
  try {
    const text = JSON.stringify(u)
    return text === undefined ? undefined : JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * The request of a session as recorded.
 *
 * @since 0.1.0
 * @category constructors
 */
export const requestOf = (session: Session.Session, rules: Redaction.Rules): Recording.Request => {
  const definition = session.definition
  const pathTokens: Record<string, string | number> = {}
  for (const token of definition.tokens) {
    const value = session.pathTokens[token]
    if (typeof value === "string" || typeof value === "number") pathTokens[token] = value
  }
  const query: Record<string, Endpoint.QueryValue> = {}
  for (const [name, value] of Object.entries(session.query)) {
    if (value !== null && value !== undefined) query[name] = value
  }
  const headers: Record<string, string> = {}
  const given = session.input.headers
  if (typeof given === "object" && given !== null) {
    for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
      if (typeof value === "string") headers[name.toLowerCase()] = value
    }
  }
  const request: {
    method: string
    path: string
    pathTokens?: Record<string, string | number>
    query?: Record<string, Endpoint.QueryValue>
    headers?: Record<string, string>
    payload?: unknown
  } = { method: session.method, path: slash(session.path) }
  if (Object.keys(pathTokens).length > 0) request.pathTokens = pathTokens
  if (Object.keys(query).length > 0) request.query = Redaction.query(rules, query, session.redaction)
  if (Object.keys(headers).length > 0) request.headers = Redaction.headers(rules, headers, session.redaction)
  const payload = definition.streamRequest === true ? undefined : jsonOf(session.payload)
  if (payload !== undefined) request.payload = Redaction.body(rules, payload)
  return request
}

/**
 * The exchange of a session and its answer, redacted, with the Schema check of the answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const exchangeOf = (
  session: Session.Session,
  status: number,
  responseHeaders: Readonly<Record<string, string>>,
  body: Uint8Array,
  rules: Redaction.Rules
): Exchange => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(responseHeaders)) {
    const lower = name.toLowerCase()
    if (!volatile.has(lower)) headers[lower] = value
  }
  const contentType = headers["content-type"]
  const parsed = parseBody(body, contentType)
  const json = parsed !== NotJson && parsed !== undefined
  const base = {
    status,
    ...(Object.keys(headers).length > 0 ? { headers: Redaction.headers(rules, headers, session.redaction) } : {})
  }
  const response: Endpoint.MockDescription = json
    ? { type: "json", data: Redaction.body(rules, parsed), ...base }
    : { type: "raw", data: decoder.decode(body), ...base }
  const issue = parsed === NotJson ? undefined : issueOf(session.definition, status, parsed, session.redaction)
  return {
    entry: { service: session.service, endpoint: session.endpoint, request: requestOf(session, rules), response },
    data: json ? parsed : undefined,
    json,
    issue
  }
}

/**
 * A transport that sends through `transport` and hands every complete exchange (once its
 * body was read) to `onExchange`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const wrap = (
  transport: Transport.Service,
  rules: Redaction.Rules,
  onExchange: (session: Session.Session, exchange: Exchange) => Effect.Effect<void>
): Transport.Service => ({
  honoursDeadline: transport.honoursDeadline,
  send: (session) =>
    Effect.map(transport.send(session), (response): Transport.Response => {
      const done = (body: Uint8Array) =>
        Effect.suspend(() => onExchange(session, exchangeOf(session, response.status, response.headers, body, rules)))
      const chunks: Array<Uint8Array> = []
      return {
        status: response.status,
        headers: response.headers,
        read: (maxBytes) => Effect.tap(response.read(maxBytes), done),
        stream: response.stream.pipe(
          Stream.tap((chunk) => Effect.sync(() => void chunks.push(chunk))),
          Stream.onDone(() => done(Transport.concat(chunks, chunks.reduce((n, c) => n + c.length, 0))))
        )
      }
    })
})

const makeService = (options: Options) =>
  Effect.gen(function*() {
    const live = yield* Transport.Transport
    const rules = Redaction.make(options.redact)
    const entries: Array<Recording.Entry> = []
    const mismatches: Array<Mismatch> = []
    const transport = wrap(live, rules, (session, exchange) => {
      entries.push(exchange.entry)
      if (exchange.issue === undefined) return Effect.void
      const mismatch: Mismatch = {
        service: session.service,
        endpoint: session.endpoint,
        method: session.method,
        path: exchange.entry.request.path,
        status: exchange.entry.response.status ?? 200,
        issue: exchange.issue
      }
      mismatches.push(mismatch)
      return Effect.logWarning(
        Render.text(
          `Recorder: ${mismatch.service}.${mismatch.endpoint} ${mismatch.method} ${mismatch.path} answered ${mismatch.status}: ${mismatch.issue}`,
          2048
        )
      )
    })
    const service: Service = {
      recording: Effect.sync(() => Recording.make(entries)),
      mismatches: Effect.sync(() => mismatches.slice())
    }
    return { transport, service }
  })

/**
 * Records every exchange in memory (`Recorder.recording`); provides the recording
 * transport over the live `Transport` it needs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Transport.Transport | Recorder, never, Transport.Transport> =>
  Layer.effectContext(
    Effect.map(
      makeService(options),
      ({ service, transport }) => Context.make(Recorder, service).pipe(Context.add(Transport.Transport, transport))
    )
  )

/**
 * Records every exchange and, when the layer's scope closes, merges them into `file`
 * (created if missing; entries of the same request replaced): JSON for `.json`, YAML
 * otherwise. A file that cannot be written is logged as an error.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (
  file: string,
  options: Options = {}
): Layer.Layer<Transport.Transport | Recorder, Recording.RecordingError, Transport.Transport | FileSystem.FileSystem> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const existing = yield* Recording.loadOrEmpty(file)
      const { service, transport } = yield* makeService(options)
      yield* Effect.addFinalizer(() =>
        service.recording.pipe(
          Effect.flatMap((recorded) => Recording.save(Recording.merge(existing, recorded), file)),
          Effect.catchAll((e) => Effect.logError(e.message))
        )
      )
      return Context.make(Recorder, service).pipe(Context.add(Transport.Transport, transport))
    })
  )

/**
 * Everything recorded so far.
 *
 * @since 0.1.0
 * @category accessors
 */
export const recording: Effect.Effect<Recording.Recording, never, Recorder> = Effect.flatMap(
  Recorder,
  (r) => r.recording
)

/**
 * The answers recorded so far that the endpoint's Schemas do not describe.
 *
 * @since 0.1.0
 * @category accessors
 */
export const mismatches: Effect.Effect<ReadonlyArray<Mismatch>, never, Recorder> = Effect.flatMap(
  Recorder,
  (r) => r.mismatches
)
