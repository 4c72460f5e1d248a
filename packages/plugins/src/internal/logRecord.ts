/**
 * What InnerLogger and OuterLogger share: their options, the records they build (bodies
 * cut, hidden or marked as streamed, sensitive headers redacted when the record is built)
 * and the level check that makes a switched-off logger nearly free.
 *
 * @since 0.1.0
 */
import type { Errors, Session } from "@service-client/core"
import { Attribute, Redact, Render, Setting, SpecError } from "@service-client/core"
import {
  Cause,
  Effect,
  Fiber,
  FiberRef,
  FiberRefs,
  HashSet,
  Inspectable,
  type Logger,
  LogLevel,
  Option,
  Predicate,
  Schema,
  Stream
} from "effect"
import * as Annotations from "./logAnnotations.js"

/**
 * A log level: a `LogLevel`, its literal (`"Info"`, `"Debug"`...) or `"None"`/`"Off"` to
 * switch the record off.
 *
 * @since 0.1.0
 * @category models
 */
export type LevelInput = LogLevel.LogLevel | LogLevel.Literal | "Off"

/**
 * The kinds of records the loggers write.
 *
 * @since 0.1.0
 * @category models
 */
export type RecordKind = "request" | "response" | "exception" | "parseException"

/**
 * The options shared by InnerLogger and OuterLogger.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoggerOptions {
  /** Bodies longer than this (characters) are cut and the cut is marked. Default 1024; `Infinity`: never cut. */
  readonly maxBodyLength?: number | undefined
  /** The level of the request and response records. Default `"Info"`. */
  readonly level?: LevelInput | undefined
  /** A level per record kind, over `level`. Defaults: request/response `level`, exception/parseException `"Error"`. */
  readonly levels?: { readonly [K in RecordKind]?: LevelInput | undefined } | undefined
  /** More header names (any case) to print as `<REDACTED>`, besides {@link defaultRedactedHeaders}. */
  readonly redactHeaders?: Iterable<string> | undefined
  /** `false`: do not redact {@link defaultRedactedHeaders} (only `redactHeaders`). Default `true`. */
  readonly redactDefaultHeaders?: boolean | undefined
  /**
   * More query parameter names whose values print as `<REDACTED>` in the URL and the query,
   * besides `Redact.defaultQuery` (matched without case, `-` or `_`).
   */
  readonly redactQuery?: Iterable<string> | undefined
  /** `false`: do not redact `Redact.defaultQuery` (only `redactQuery`). Default `true`. */
  readonly redactDefaultQuery?: boolean | undefined
}

/**
 * The headers printed as `<REDACTED>` unless `redactDefaultHeaders: false`.
 *
 * @since 0.1.0
 */
export const defaultRedactedHeaders: ReadonlyArray<string> = Redact.defaultHeaders

/** @since 0.1.0 */
export const REDACTED = Redact.REDACTED
/** @since 0.1.0 */
export const HIDDEN = "<HIDDEN>"
/** @since 0.1.0 */
export const STREAM = "<STREAM>"
/** @since 0.1.0 */
export const NO_BODY = "<NO BODY>"

/**
 * The annotation keys of a record. The session's attributes are added under their own
 * names (`trackingToken`, `elapsed`, `timeout`, `blockedByPool`, `blockedByRateLimit`...)
 * unless they clash with one of these.
 *
 * @since 0.1.0
 */
export const keys = {
  /** `"InnerLogger"` or `"OuterLogger"`. */
  logger: "logger",
  /** The {@link RecordKind}. */
  record: "record",
  service: "service",
  endpoint: "endpoint",
  method: "method",
  /** The full URL, query string included. */
  url: "url",
  /** The query values by name. */
  query: "query",
  /** Header values by lower-cased name, redacted. */
  headers: "headers",
  /** The response status (response and parseException records). */
  status: "status",
  /** The body as text, cut, or `<HIDDEN>`, `<STREAM>`, `<NO BODY>`. */
  body: "body",
  /** `Tag: description` of the error, cut at `maxBodyLength` (exception and parseException records). */
  error: "error"
} as const

const ownKeys: ReadonlySet<string> = new Set(Object.values(keys))

/** @internal */
export interface Config {
  readonly name: "InnerLogger" | "OuterLogger"
  readonly maxBodyLength: number
  readonly levels: { readonly [K in RecordKind]: LogLevel.LogLevel | undefined }
  readonly redacted: ReadonlySet<string>
  /**
   * The query names the logger redacts, as a `Redact.Redaction` for `Redact.url`: one
   * object for every logger that redacts the same names (`shared`).
   */
  readonly redaction: Redact.Redaction
  /** The logger's redaction with a client's extra names, by the client's redaction. */
  readonly merged: WeakMap<Redact.Redaction, Redact.Redaction>
}

/** Redactions by the names they hold: loggers redacting the same names share one object. */
const redactions = new Map<string, Redact.Redaction>()

/**
 * One object per set of redacted names (at most 256 kept), so that InnerLogger and
 * OuterLogger of one client, which redact the same names, share the session's shown URL.
 */
const shared = (redaction: Redact.Redaction): Redact.Redaction => {
  const key = JSON.stringify([[...redaction.query].sort(), [...redaction.headers].sort()])
  const known = redactions.get(key)
  if (known !== undefined) return known
  if (redactions.size < 256) redactions.set(key, redaction)
  return redaction
}

/**
 * The session's URL as shown (a record's URL and message share it) and the redaction it
 * was shown with, on the session under a hidden attribute that every logger reads (the
 * loggers of a client mostly share a redaction: one `Redact.url` per call, not one per
 * logger); a WeakMap entry per call costs the GC more.
 */
const shownUrlOf = Attribute.make<
  { readonly url: string; readonly redaction: Redact.Redaction; readonly shown: string }
>(
  "logRecord.shownUrl",
  { hidden: true }
)

const optionError = (name: string, key: string, reason: string) => new SpecError({ key: `${name}.${key}`, reason })

const levelByName: ReadonlyMap<string, LogLevel.LogLevel | undefined> = new Map([
  ...LogLevel.allLevels.map((l) => [l._tag.toLowerCase(), l] as const),
  ["none", undefined],
  ["off", undefined],
  ["warn", LogLevel.Warning]
])

const parseLevel = (name: string, key: string, input: unknown, fallback: LogLevel.LogLevel | undefined) => {
  if (input === undefined) return fallback
  if (LogLevel.allLevels.includes(input as LogLevel.LogLevel)) {
    return input === LogLevel.None ? undefined : input as LogLevel.LogLevel
  }
  if (typeof input === "string" && levelByName.has(input.toLowerCase())) return levelByName.get(input.toLowerCase())
  throw optionError(name, key, `unknown log level ${JSON.stringify(input)} (expected a LogLevel, "Info", "None"...)`)
}

/**
 * Checks and resolves the options once, when the plugin is made. Throws a `SpecError`
 * for an option that is not valid (a mistake in code, like a malformed endpoint).
 *
 * @internal
 */
export const config = (name: Config["name"], options: LoggerOptions = {}): Config => {
  const max = options.maxBodyLength ?? 1024
  if (typeof max !== "number" || !(max === Infinity || (Number.isInteger(max) && max >= 0))) {
    throw optionError(name, "maxBodyLength", "expected a whole number of characters ≥ 0, or Infinity")
  }
  const level = parseLevel(name, "level", options.level, LogLevel.Info)
  const levels = options.levels ?? {}
  const redacted = new Set<string>(options.redactDefaultHeaders === false ? [] : defaultRedactedHeaders)
  for (const header of options.redactHeaders ?? []) {
    if (typeof header !== "string") throw optionError(name, "redactHeaders", "expected header names")
    redacted.add(header.toLowerCase())
  }
  const redaction = Redact.make({
    headers: redacted,
    query: options.redactQuery,
    defaults: options.redactDefaultQuery !== false
  })
  if (typeof redaction === "string") throw optionError(name, "redactQuery", "expected query parameter names")
  return {
    name,
    maxBodyLength: max,
    levels: {
      request: parseLevel(name, "levels.request", levels.request, level),
      response: parseLevel(name, "levels.response", levels.response, level),
      exception: parseLevel(name, "levels.exception", levels.exception, LogLevel.Error),
      parseException: parseLevel(name, "levels.parseException", levels.parseException, LogLevel.Error)
    },
    redacted,
    redaction: shared(redaction),
    merged: new WeakMap()
  }
}

/** The logger's query redaction with the names the session's client added. */
const queryRedaction = (cfg: Config, session: Session.Session): Redact.Redaction => {
  const client = session.redaction
  if (client === undefined || client.extraQuery.size === 0) return cfg.redaction
  let merged = cfg.merged.get(client)
  if (merged === undefined) {
    merged = shared({ ...cfg.redaction, query: new Set([...cfg.redaction.query, ...client.extraQuery]) })
    cfg.merged.set(client, merged)
  }
  return merged
}

/**
 * The session's URL as a record shows it: secret query values redacted, escaped.
 *
 * @internal
 */
export const shownUrl = (cfg: Config, session: Session.Session): string => {
  const url = session.url
  const redaction = queryRedaction(cfg, session)
  const last = shownUrlOf.get(session)
  if (last !== undefined && last.url === url && last.redaction === redaction) return last.shown
  const shown = Render.text(Redact.url(url, redaction), Render.maxUrlLength)
  shownUrlOf.set(session, { url, redaction, shown })
  return shown
}

/**
 * Whether records at `level` are below the call's minimum log level.
 *
 * @internal
 */
export const isOff = (session: Session.Session, level: LogLevel.LogLevel): boolean =>
  above(session.minimumLogLevel, level)

/** `LogLevel.greaterThan` without its `dual` and `Order` calls (three per record written). */
const above = (minimum: LogLevel.LogLevel, level: LogLevel.LogLevel): boolean => minimum.ordinal > level.ordinal

/** What a record's builder answers: the message and the record's own annotations. */
type Built = { readonly message: string; readonly annotations: Record<string, unknown> }

/**
 * `emit` for the records of every call: switched off, it answers at once; written, the
 * record is built from `build(session, a)` (no closure per record).
 *
 * @internal
 */
export const emitEach = <A>(
  session: Session.Session,
  level: LogLevel.LogLevel,
  build: (session: Session.Session, a: A) => Built,
  a: A
): Effect.Effect<void> => {
  // below the caller's minimum level: nothing to do, not even an Effect step
  if (above(session.minimumLogLevel, level)) return Effect.void
  // the core calls a hook inside the step of the call's fiber: the record is written at
  // once and the hook answers `Effect.void`, which the core passes over (no runtime step;
  // inside a span an OpenTelemetry tracer wraps every step in its context)
  const current = Fiber.getCurrentFiber()
  if (Option.isSome(current)) {
    write(current.value, session, level, build, a)
    return Effect.void
  }
  return Effect.withFiberRuntime((fiber) => {
    write(fiber, session, level, build, a)
    return Effect.void
  })
}

const call = (_: Session.Session, build: () => Built): Built => build()

/**
 * Runs `build` and logs its record only when `level` passes the fiber's minimum log
 * level: a switched-off record costs one FiberRef read and builds nothing.
 *
 * The record goes to the fiber's loggers the way `Effect.logWithLevel` sends it (the
 * fiber's annotations and log spans, the date from the call's clock, Redacted values
 * rendered by the fiber's context), with the record's fields added to the annotations
 * for this one entry. It does not put the annotations on the fiber with `Effect.locally`:
 * setting and restoring the FiberRef compares the maps (hashing every value) and costs
 * ~10 µs per record.
 *
 * @internal
 */
export const emit = (session: Session.Session, level: LogLevel.LogLevel, build: () => Built): Effect.Effect<void> =>
  emitEach(session, level, call, build)

/**
 * The fiber's refs as its loggers get them. `RuntimeFiber.getFiberRefs()` first sets the
 * runtime-flags ref, which copies the fiber's whole map of refs (and refreshes its caches)
 * on every call, even when the flags did not change: ~1 µs per record. The fiber's own
 * (immutable) refs differ from that copy only by the runtime flags of the moment, which
 * no logger reads; read them when the runtime keeps them where Effect 3 does, else fall
 * back to `getFiberRefs()`.
 */
const fiberRefsOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): FiberRefs.FiberRefs => {
  const own = (fiber as unknown as { readonly _fiberRefs?: unknown })._fiberRefs
  return typeof own === "object" && own !== null && FiberRefs.FiberRefsSym in own
    ? own as FiberRefs.FiberRefs
    : fiber.getFiberRefs()
}

/** The fiber's loggers as an array, for the last set seen (iterating a `HashSet` walks its trie). */
let loggerSet: HashSet.HashSet<Logger.Logger<unknown, unknown>> | undefined
let loggerArray: ReadonlyArray<Logger.Logger<unknown, unknown>> = []
const loggersOf = (set: HashSet.HashSet<Logger.Logger<unknown, unknown>>) => {
  if (set !== loggerSet) {
    loggerArray = Array.from(set)
    loggerSet = set
  }
  return loggerArray
}

/** The entry being handed to the loggers, its loggers, and the record's own annotations (escaped, bounded, redacted). */
let current: Logger.Logger.Options<unknown> | undefined
let currentLoggers: ReadonlyArray<Logger.Logger<unknown, unknown>> = []
let currentOwn: Record<string, unknown> | undefined

/** Hands `current` to `currentLoggers` (one function for every record: no closure per record). */
const handOver = (): void => {
  const entry = current!
  const loggers = currentLoggers
  for (let i = 0; i < loggers.length; i++) loggers[i]!.log(entry)
}

const write = <A>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  session: Session.Session,
  level: LogLevel.LogLevel,
  build: (session: Session.Session, a: A) => Built,
  a: A
): void => {
  if (above(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), level)) return
  const set = fiber.getFiberRef(FiberRef.currentLoggers)
  if (HashSet.size(set) === 0) return
  const loggers = loggersOf(set)
  const record = build(session, a)
  const context = fiberRefsOf(fiber)
  const entry: Logger.Logger.Options<unknown> = {
    fiberId: fiber.id(),
    logLevel: level,
    message: record.message,
    cause: Cause.empty,
    context,
    spans: fiber.getFiberRef(FiberRef.currentLogSpan),
    annotations: Annotations.make(fiber.getFiberRef(FiberRef.currentLogAnnotations), record.annotations),
    date: new Date(session.clock.unsafeCurrentTimeMillis())
  }
  const previous = current
  const previousLoggers = currentLoggers
  const previousOwn = currentOwn
  current = entry
  currentLoggers = loggers
  currentOwn = record.annotations
  try {
    Inspectable.withRedactableContext(context, handOver)
  } finally {
    current = previous
    currentLoggers = previousLoggers
    currentOwn = previousOwn
  }
}

/**
 * The record's own annotations when `entry` is the very entry `write` is handing to the
 * fiber's loggers (not a copy, not another Logger's entry), else `undefined`. Every value
 * in it, and the entry's message, is escaped and bounded already, with secrets redacted:
 * LogFormat reads them as they are and escapes only what comes from elsewhere.
 *
 * @internal
 */
export const ownRecord = (entry: Logger.Logger.Options<unknown>): Record<string, unknown> | undefined =>
  current === entry ? currentOwn : undefined

/**
 * Text for display, at most `max` characters plus the cut's mark, escaped.
 *
 * @internal
 */
export const text = (value: string | Uint8Array, max: number): string => Render.text(value, max)

const isStream = (u: unknown): boolean => Predicate.hasProperty(u, Stream.StreamTypeId)

/**
 * A value (payload or parsed data) for display: bounded, escaped, never throws.
 *
 * @internal
 */
export const valueText = (value: unknown, max: number): string => {
  if (value === undefined) return NO_BODY
  if (typeof value === "string" || value instanceof Uint8Array) return Render.text(value, max)
  if (isStream(value)) return STREAM
  return Render.value(value, { maxLength: max })
}

/**
 * A body for display: `<HIDDEN>` first, then `<STREAM>`, `<NO BODY>`, the text.
 *
 * @internal
 */
export const bodyText = (
  body: unknown,
  options: { readonly hidden: boolean; readonly streamed: boolean },
  cfg: Config,
  session: Session.Session
): string => {
  if (options.hidden) return HIDDEN
  if (options.streamed) return STREAM
  if (body === undefined || ((typeof body === "string" || body instanceof Uint8Array) && body.length === 0)) {
    return NO_BODY
  }
  const max = cfg.maxBodyLength
  const redaction = queryRedaction(cfg, session)
  if (typeof body === "string" || body instanceof Uint8Array) return Render.text(body, max, redaction)
  if (isStream(body)) return STREAM
  return Render.value(body, { maxLength: max, redact: redaction })
}

/**
 * The headers with every redacted name's value replaced by `<REDACTED>`, the others
 * escaped and cut at `max` characters.
 *
 * @internal
 */
export const redactHeaders = (
  headers: Readonly<Record<string, string | null | undefined>>,
  redacted: ReadonlySet<string>,
  max: number = Infinity,
  session?: Session.Session
): Record<string, string> => {
  const extra = session?.redaction?.extraHeaders
  const out: Record<string, string> = {}
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue
    const value = headers[name]
    if (value === null || value === undefined) continue
    const lower = escapeName(name.toLowerCase())
    const secret = redacted.has(lower) || (extra !== undefined && extra.has(lower))
    setOwn(out, lower, secret ? REDACTED : Render.text(typeof value === "string" ? value : String(value), max))
  }
  return out
}

/** Names escaped already: keys, header names, service, endpoint and method names mostly come from code and repeat. */
const escapedNames = new Map<string, string>()

/** `Render.escape` of a name, remembered for short names (at most 1024 of them). */
const escapeName = (name: string): string => {
  let escaped = escapedNames.get(name)
  if (escaped === undefined) {
    escaped = Render.escape(name)
    if (name.length <= 64 && escapedNames.size < 1024) escapedNames.set(name, escaped)
  }
  return escaped
}

/** `out[key] = value`, also for a key named `__proto__` (an own key, not the prototype). */
const setOwn = (out: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__") {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  } else out[key] = value
}

/** A value kept in a record's annotations: strings escaped, objects one level deep, deeper ones rendered. */
const field = (value: unknown, max: number, nested: boolean, redaction?: Redact.Redaction): unknown => {
  switch (typeof value) {
    case "string":
      return Render.text(value, max, redaction)
    case "number":
    case "boolean":
    case "undefined":
      return value
    case "object":
      if (value === null) return value
      if (nested || !(Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) {
        const shown = Render.value(value, { maxLength: max })
        return redaction === undefined ? shown : Redact.text(shown, redaction)
      }
      try {
        if (Array.isArray(value)) return value.slice(0, 100).map((v) => field(v, max, true, redaction))
        const out: Record<string, unknown> = {}
        for (const key in value) {
          if (Object.hasOwn(value, key)) {
            setOwn(out, escapeName(key), field((value as Record<string, unknown>)[key], max, true, redaction))
          }
        }
        return out
      } catch {
        return "[Threw]"
      }
    default:
      return Render.value(value, { maxLength: max })
  }
}

/** `Redact.queryKey` of a query name, remembered for short names (at most 1024): every record of a call matches the same names. */
const queryKeys = new Map<string, string>()
const isSecretQuery = (redaction: Redact.Redaction, name: string): boolean => {
  let key = queryKeys.get(name)
  if (key === undefined) {
    key = Redact.queryKey(name)
    if (name.length <= 64 && queryKeys.size < 1024) queryKeys.set(name, key)
  }
  // what `Redact.isSecretQuery` answers
  return redaction.query.has(key)
}

const cleanQuery = (
  query: Readonly<Record<string, unknown>>,
  max: number,
  redaction: Redact.Redaction
): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key in query) {
    if (!Object.hasOwn(query, key)) continue
    const value = query[key]
    if (value === null || value === undefined) continue
    setOwn(out, escapeName(key), isSecretQuery(redaction, key) ? REDACTED : field(value, max, false))
  }
  return out
}

/**
 * What an endpoint's `logger` setting says (read by OuterLogger and InnerLogger).
 *
 * @since 0.1.0
 * @category models
 */
export interface LoggerSettings {
  readonly hiddenRequestBody?: boolean | undefined
  readonly hiddenResponseBody?: boolean | undefined
}

/**
 * The endpoint's `logger` setting, owned by both loggers (one Schema, one decoded value).
 *
 * @since 0.1.0
 * @category settings
 */
export const setting: Setting.Setting<LoggerSettings> = Setting.make(
  "logger",
  Schema.Struct({
    hiddenRequestBody: Schema.optional(Schema.Boolean),
    hiddenResponseBody: Schema.optional(Schema.Boolean)
  })
)

/** @internal */
export const hiddenRequestBody = (session: Session.Session) => setting.fromEndpoint(session)?.hiddenRequestBody === true
/** @internal */
export const hiddenResponseBody = (session: Session.Session) =>
  setting.fromEndpoint(session)?.hiddenResponseBody === true

/**
 * The annotations every record of a session starts with: logger, record, service,
 * endpoint, method, URL and query, then the session's attributes (copied one level deep).
 *
 * @internal
 */
export const base = (cfg: Config, kind: RecordKind, session: Session.Session): Record<string, unknown> => {
  const max = cfg.maxBodyLength
  // the loggers' own keys first, as one literal (one shape for every record); the
  // attributes after them (a map's order is not its contract: a HashMap's is by hash)
  const out: Record<string, unknown> = {
    logger: cfg.name,
    record: kind,
    service: escapeName(session.service),
    endpoint: escapeName(session.endpoint),
    method: escapeName(session.method),
    url: shownUrl(cfg, session),
    query: cleanQuery(session.query, max, queryRedaction(cfg, session))
  }
  const attributes = session.attributes
  // the query names this logger adds: also redacted in URLs the attributes hold (the redirects)
  const own = cfg.redaction.extraQuery.size > 0 ? queryRedaction(cfg, session) : undefined
  for (const key in attributes) {
    if (ownKeys.has(key) || !Object.hasOwn(attributes, key)) continue
    setOwn(out, escapeName(key), field(attributes[key], max, false, own))
  }
  return out
}

/**
 * The short message line of a record, escaped: from the record's own service, endpoint,
 * method and URL (`base`'s, escaped already), not computed again.
 *
 * @internal
 */
export const message = (record: Record<string, unknown>, kind: RecordKind, detail?: string | number): string => {
  const label = kind === "parseException" ? "parse exception" : kind
  const extra = detail === undefined ? "" : ` ${typeof detail === "string" ? Render.escape(detail) : detail}`
  // each part escaped on its own (a separator between them): as the whole line escaped
  return `${record[keys.service] as string}.${record[keys.endpoint] as string} ${label}${extra} ${record[
    keys.method
  ] as string} ${record[keys.url] as string}`
}

/**
 * `Tag: description` of an error, without any body when the response body is hidden.
 *
 * @internal
 */
export const describeError = (error: unknown, hideResponseBody: boolean): string => {
  try {
    if (Predicate.isTagged(error, "ParseError")) {
      return `ParseError: ${hideResponseBody ? HIDDEN : (error as unknown as Errors.ParseError).reason}`
    }
    if (Predicate.isTagged(error, "ResponseError")) {
      return `ResponseError: answered ${(error as unknown as Errors.ResponseError).status}`
    }
    if (Predicate.hasProperty(error, "_tag") && error instanceof Error) return `${String(error._tag)}: ${error.message}`
    if (error instanceof Error) return `${error.name}: ${error.message}`
    return Render.value(error)
  } catch {
    // a message getter or a _tag that throws
    return "[Threw]"
  }
}

/** An error's description with the URL it quotes (redacted by the client) as the logger shows it. */
const withShownUrl = (cfg: Config, session: Session.Session, description: string): string => {
  const inError = Redact.url(session.url, session.redaction ?? Redact.defaults)
  return inError.length > 0 && description.includes(inError)
    ? description.split(inError).join(Redact.url(session.url, queryRedaction(cfg, session)))
    : description
}

/** A description with the query names this logger adds redacted too (in any URL it quotes: a redirect's target...). */
const ownNames = (cfg: Config, session: Session.Session, description: string): string =>
  cfg.redaction.extraQuery.size > 0 ? Redact.text(description, queryRedaction(cfg, session)) : description

/** The tag of an error, for the record's message. */
const tagOf = (error: unknown): string => {
  try {
    return Predicate.hasProperty(error, "_tag") ? Render.text(String(error._tag), 100) : "Error"
  } catch {
    return "Error"
  }
}

/**
 * The exception record (the send failed).
 *
 * @internal
 */
export const exception = (cfg: Config, session: Session.Session, error: Errors.CallError): Effect.Effect<void> =>
  emit(session, cfg.levels.exception!, () => {
    const annotations = base(cfg, "exception", session)
    annotations[keys.error] = text(
      ownNames(cfg, session, withShownUrl(cfg, session, describeError(error, hiddenResponseBody(session)))),
      cfg.maxBodyLength
    )
    return { message: message(annotations, "exception", tagOf(error)), annotations }
  })

/**
 * The parse exception record: the status, the error and the body excerpt the error keeps.
 *
 * @internal
 */
export const parseException = (cfg: Config, session: Session.Session, error: Errors.ParseError): Effect.Effect<void> =>
  emit(session, cfg.levels.parseException!, () => {
    const annotations = base(cfg, "parseException", session)
    const hidden = hiddenResponseBody(session)
    annotations[keys.status] = error.status
    annotations[keys.error] = text(
      ownNames(cfg, session, withShownUrl(cfg, session, describeError(error, hidden))),
      cfg.maxBodyLength
    )
    annotations[keys.body] = bodyText(error.excerpt, { hidden, streamed: false }, cfg, session)
    return { message: message(annotations, "parseException", error.status), annotations }
  })
