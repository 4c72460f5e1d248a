/**
 * Answers calls from a recording. A call is matched with an entry of its service and
 * endpoint by method, path (its path tokens) and query, and by payload (the matcher is
 * configurable). Strict by default: a call of a recorded endpoint that matches no entry
 * fails with `NoMock` naming the nearest recording and what differs; an endpoint without
 * recordings falls through to its own `mock`.
 *
 * ```ts
 * const TestLayer = UserServiceLive.pipe(
 *   Layer.provideMerge(Replay.layer("test/recordings/users.yaml")),
 *   Layer.provide(NodeFileSystem.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform"
import { Render, type Session, type Transport } from "@service-client/core"
import { Effect, Layer, type Scope } from "effect"
import * as Mock from "./Mock.js"
import * as MockTransport from "./MockTransport.js"
import * as Recorder from "./Recorder.js"
import * as Recording from "./Recording.js"
import * as Redaction from "./Redaction.js"

/**
 * What a recorded request must share with the call to answer it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Match {
  /** `"exact"` (default): the same query; `"ignore"`; or only these parameters compared. */
  readonly query?: "exact" | "ignore" | ReadonlyArray<string> | undefined
  /** Compare the payload (default `true`). */
  readonly payload?: boolean | undefined
  /** Header names (the call's own headers) compared as well; none by default. */
  readonly headers?: ReadonlyArray<string> | undefined
}

/**
 * A matcher of your own: the differences between the call's request and a recorded one
 * (an empty list is a match).
 *
 * @since 0.1.0
 * @category models
 */
export type Matcher = (request: Recording.Request, recorded: Recording.Entry) => ReadonlyArray<string>

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * `true` (default): a call of a recorded endpoint that matches no recording fails with
   * `NoMock`; `false`: the nearest recording of the endpoint answers it.
   */
  readonly strict?: boolean | undefined
  readonly match?: Match | Matcher | undefined
  /** Redaction rules for the call's request before it is compared (the recorder's defaults). */
  readonly redact?: Redaction.Options | undefined
}

const show = (u: unknown): string => Render.value(u, { maxLength: 80 })

const same = (recorded: unknown, actual: unknown): boolean =>
  recorded === Redaction.REDACTED || JSON.stringify(recorded) === JSON.stringify(actual) ||
  (typeof recorded !== "object" && recorded !== null && String(recorded) === String(actual))

const sameDeep = (recorded: unknown, actual: unknown): boolean => {
  if (recorded === Redaction.REDACTED) return true
  if (Array.isArray(recorded)) {
    return Array.isArray(actual) && recorded.length === actual.length &&
      recorded.every((r, i) => sameDeep(r, actual[i]))
  }
  if (typeof recorded === "object" && recorded !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return false
    const a = actual as Record<string, unknown>
    const r = recorded as Record<string, unknown>
    const keys = new Set([...Object.keys(r), ...Object.keys(a)])
    for (const key of keys) if (!sameDeep(r[key], a[key])) return false
    return true
  }
  return recorded === actual
}

const compareRecords = (
  what: string,
  recorded: Readonly<Record<string, unknown>>,
  actual: Readonly<Record<string, unknown>>,
  only: ReadonlyArray<string> | undefined
): Array<string> => {
  const out: Array<string> = []
  const keys = only ?? [...new Set([...Object.keys(recorded), ...Object.keys(actual)])].sort()
  for (const key of keys) {
    const r = recorded[key]
    const a = actual[key]
    if (r === undefined && a === undefined) continue
    if (r === undefined) out.push(`${what} ${key}=${show(a)} was not recorded`)
    else if (a === undefined) out.push(`${what} ${key} is missing (recorded ${show(r)})`)
    else if (!same(r, a)) out.push(`${what} ${key}=${show(a)} (recorded ${show(r)})`)
  }
  return out
}

/**
 * The default matcher with these options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const matcher = (options: Match = {}): Matcher => (request, recorded) => {
  const r = recorded.request
  const out: Array<string> = []
  if (r.method !== request.method) out.push(`method ${request.method} (recorded ${r.method})`)
  const tokens = compareRecords("path token", r.pathTokens ?? {}, request.pathTokens ?? {}, undefined)
  out.push(...tokens)
  if (tokens.length === 0 && r.path !== request.path) out.push(`path ${show(request.path)} (recorded ${show(r.path)})`)
  const query = options.query ?? "exact"
  if (query !== "ignore") {
    out.push(...compareRecords("query", r.query ?? {}, request.query ?? {}, query === "exact" ? undefined : query))
  }
  if (options.payload !== false && !sameDeep(r.payload, request.payload)) {
    out.push(
      r.payload === undefined
        ? "a payload was not recorded"
        : request.payload === undefined
        ? "the payload is missing"
        : `the payload differs (recorded ${show(r.payload)})`
    )
  }
  if (options.headers !== undefined) {
    const names = options.headers.map((h) => h.toLowerCase())
    out.push(...compareRecords("header", r.headers ?? {}, request.headers ?? {}, names))
  }
  return out
}

/**
 * Where an entry comes from, as `NoMock` reasons and Schema-check failures name it.
 *
 * @since 0.1.0
 * @category models
 */
export const sourceOf = (recording: Recording.Recording, entry: Recording.Entry): string => {
  const index = Recording.entriesOf(recording, entry.service, entry.endpoint).indexOf(entry)
  const file = recording.file === undefined ? "the recording" : `the recording ${recording.file}`
  return Render.text(
    `${file} (${entry.service}.${entry.endpoint}[${index}]: ${entry.request.method} ${entry.request.path})`,
    400
  )
}

/**
 * The mock source of a recording, for `Mock.Registry`'s `addSource`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const source = (recording: Recording.Recording, options: Options = {}): Mock.Source => {
  const match = typeof options.match === "function" ? options.match : matcher(options.match)
  const rules = Redaction.make(options.redact)
  const strict = options.strict !== false
  const byEndpoint = new Map<string, Array<Recording.Entry>>()
  for (const entry of recording.entries) {
    const key = `${entry.service}\u0000${entry.endpoint}`
    const list = byEndpoint.get(key)
    if (list === undefined) byEndpoint.set(key, [entry])
    else list.push(entry)
  }
  return (session: Session.Session) => {
    const entries = byEndpoint.get(`${session.service}\u0000${session.endpoint}`)
    if (entries === undefined) return undefined
    const request = Recorder.requestOf(session, rules)
    let nearest: { entry: Recording.Entry; diff: ReadonlyArray<string> } | undefined
    for (const entry of entries) {
      const diff = match(request, entry)
      if (diff.length === 0) return { desc: entry.response, source: sourceOf(recording, entry) }
      if (nearest === undefined || diff.length < nearest.diff.length) nearest = { entry, diff }
    }
    const { diff, entry } = nearest!
    if (!strict) return { desc: entry.response, source: sourceOf(recording, entry) }
    return {
      miss: `no recording matches ${request.method} ${Render.text(request.path, 200)}; the nearest is ${
        sourceOf(recording, entry)
      }: ${diff.join("; ")}`
    }
  }
}

/**
 * Answers matching calls from a recording until the scope closes (before the endpoints'
 * own mocks, after `Mock.use`/`Mock.patch` overrides).
 *
 * @since 0.1.0
 * @category combinators
 */
export const use = (
  recording: Recording.Recording,
  options?: Options
): Effect.Effect<void, never, Mock.Registry | Scope.Scope> =>
  Effect.flatMap(Mock.Registry, (registry) => registry.addSource(source(recording, options)))

/**
 * The mock transport answering from a recording (a value, or a file read when the layer
 * is built).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  recording: Recording.Recording | string,
  options?: Options
): Layer.Layer<Transport.Transport | Mock.Registry, Recording.RecordingError, FileSystem.FileSystem> =>
  Layer.scopedDiscard(
    Effect.flatMap(
      typeof recording === "string" ? Recording.load(recording) : Effect.succeed(recording),
      (r) => use(r, options)
    )
  ).pipe(Layer.provideMerge(MockTransport.layer))
