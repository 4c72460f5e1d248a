/**
 * LogFormat renders the records of InnerLogger and OuterLogger as one line each, from
 * templates, the way the seed's log formatter does: status text (`200 OK`), elapsed times
 * in ms, the full URL with its query string, headers joined by a separator. Records that
 * are not the loggers' are rendered the default way (`Logger.stringLogger`).
 *
 * @since 0.1.0
 */
import { Render } from "@service-client/core"
import { FiberId, Hash, type HashMap, type Layer, Logger, Option } from "effect"
import * as Annotations from "./internal/logAnnotations.js"
import * as Log from "./internal/logRecord.js"

/**
 * Templates per record kind: `{name}` is replaced by the record's value of that name
 * (`-` when it has none), `{name.key}` by a key of an object value, `{{` and `}}` are
 * literal braces.
 *
 * Placeholders: `timestamp` (ISO), `level` (`INFO`), `fiber`, `message`, `logger`,
 * `record`, `service`, `endpoint`, `method`, `url`, `query`, `status` (`200 OK`),
 * `statusCode`, `statusText`, `headers` (`name: value` joined by `headerSeparator`),
 * `body`, `error`, and the session's attributes: `trackingToken`, `elapsed`
 * (`headers=12ms read=3ms parse=1ms`), `elapsed.headers`, `timeout`, `blockedByPool`,
 * `blockedByRateLimit` (in ms), any other annotation by its key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly request?: string | undefined
  readonly response?: string | undefined
  readonly exception?: string | undefined
  readonly parseException?: string | undefined
  /** Between two headers. Default `", "`. */
  readonly headerSeparator?: string | undefined
}

/**
 * The default templates.
 *
 * @since 0.1.0
 */
export const defaults = {
  request: "{timestamp} {level} {service}.{endpoint} {trackingToken} SENT {method} {url} | {headers} | {body}",
  response:
    "{timestamp} {level} {service}.{endpoint} {trackingToken} RECEIVED {status} {method} {url} ({elapsed}) | {headers} | {body}",
  exception: "{timestamp} {level} {service}.{endpoint} {trackingToken} EXCEPTION {method} {url} | {error}",
  parseException:
    "{timestamp} {level} {service}.{endpoint} {trackingToken} PARSE EXCEPTION {status} {method} {url} | {error} | {body}",
  headerSeparator: ", "
} as const

const statusTexts: Readonly<Record<number, string>> = {
  100: "Continue",
  101: "Switching Protocols",
  102: "Processing",
  103: "Early Hints",
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non-Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  207: "Multi-Status",
  208: "Already Reported",
  226: "IM Used",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  305: "Use Proxy",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Payload Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  418: "I'm a Teapot",
  421: "Misdirected Request",
  422: "Unprocessable Entity",
  423: "Locked",
  424: "Failed Dependency",
  425: "Too Early",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
  506: "Variant Also Negotiates",
  507: "Insufficient Storage",
  508: "Loop Detected",
  510: "Not Extended",
  511: "Network Authentication Required"
}

/**
 * The reason phrase of a status (`"Not Found"`), `""` when unknown.
 *
 * @since 0.1.0
 */
export const statusText = (status: number): string => statusTexts[status] ?? ""

/**
 * A placeholder's text for one entry (`undefined`: the record has no such value, printed
 * `-`). `own` is the record's own annotations when the entry is one InnerLogger or
 * OuterLogger is writing (`Log.ownRecord`), whose values are escaped already.
 */
type Getter = (o: Logger.Logger.Options<unknown>, own: Record<string, unknown> | undefined) => string | undefined

/** Set when a getter read a value that is not the record's own: its text is escaped. */
let foreign = false

const annotation = (
  o: Logger.Logger.Options<unknown>,
  own: Record<string, unknown> | undefined,
  key: string,
  hash: number
): unknown => {
  if (own !== undefined && Object.hasOwn(own, key)) return own[key]
  foreign = true
  const value = Annotations.getHash(o.annotations, key, hash)
  return value._tag === "Some" ? value.value : undefined
}

/** Milliseconds as `12.35ms` (two decimals at most): as `${Math.round(u * 100) / 100}ms`, without float printing. */
const ms = (u: unknown): string | undefined => {
  if (typeof u !== "number" || !Number.isFinite(u)) return undefined
  const hundredths = Math.round(u * 100)
  if (hundredths < 0 || hundredths > 0x3fffffff) return `${hundredths / 100}ms`
  const whole = (hundredths / 100) | 0
  return `${whole}${msSuffix[hundredths - whole * 100]!}`
}

/** `ms`'s text after the whole milliseconds, by hundredths: `ms`, `.5ms`, `.05ms`, `.35ms`. */
const msSuffix: ReadonlyArray<string> = Array.from(
  { length: 100 },
  (_, rest) => rest === 0 ? "ms" : rest % 10 === 0 ? `.${rest / 10}ms` : `.${rest < 10 ? "0" : ""}${rest}ms`
)

/**
 * `before + key + after` for the names of headers and elapsed times (a few, from code and
 * servers; at most 1024 of at most 64 characters kept): one string fewer per name rendered.
 */
const affixed = (cache: Map<string, string>, before: string, key: string, after: string): string => {
  let text = cache.get(key)
  if (text === undefined) {
    text = `${before}${key}${after}`
    if (key.length <= 64 && cache.size < 1024) cache.set(key, text)
  }
  return text
}

/** Objects of annotations that are not the loggers' own: bounded, never throws. */
const json = (u: unknown): string => Render.value(u, { maxLength: 4096 })

const plain = (u: unknown): string | undefined => {
  if (u === undefined || u === null) return undefined
  if (typeof u === "string") return u.length === 0 ? undefined : u
  if (typeof u === "number" || typeof u === "boolean") return String(u)
  return json(u)
}

const durationKeys: ReadonlySet<string> = new Set(["timeout", "blockedByPool", "blockedByRateLimit"])

/** The ISO text of the last date rendered: the records of one call mostly share their millisecond. */
let lastTime = NaN
let lastIso = ""
const iso = (date: Date): string => {
  const time = date.getTime()
  if (time !== lastTime) {
    lastIso = date.toISOString()
    lastTime = time
  }
  return lastIso
}

const statusOf = (o: Logger.Logger.Options<unknown>, own: Record<string, unknown> | undefined): unknown =>
  annotation(o, own, "status", statusHash)
const statusHash = Hash.string("status")

/** `name: ` and `${separator}name: ` of the header names rendered, per separator. */
const headerPrefixes = new Map<string, { readonly first: Map<string, string>; readonly next: Map<string, string> }>()

const headersText = (headers: unknown, separator: string): string | undefined => {
  if (typeof headers !== "object" || headers === null) return undefined
  let prefixes = headerPrefixes.get(separator)
  if (prefixes === undefined) {
    prefixes = { first: new Map(), next: new Map() }
    if (headerPrefixes.size < 16) headerPrefixes.set(separator, prefixes)
  }
  let out = ""
  let first = true
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue
    const prefix = first ? affixed(prefixes.first, "", name, ": ") : affixed(prefixes.next, separator, name, ": ")
    out += prefix + (plain((headers as Record<string, unknown>)[name]) ?? "")
    first = false
  }
  return first ? undefined : out
}

/** `key=` and ` key=` of the elapsed times rendered. */
const elapsedFirst = new Map<string, string>()
const elapsedNext = new Map<string, string>()

const elapsedText = (elapsed: unknown): string | undefined => {
  if (typeof elapsed !== "object" || elapsed === null) return ms(elapsed)
  let out = ""
  for (const key in elapsed) {
    if (!Object.hasOwn(elapsed, key)) continue
    const text = ms((elapsed as Record<string, unknown>)[key])
    if (text !== undefined) {
      out += (out.length === 0 ? affixed(elapsedFirst, "", key, "=") : affixed(elapsedNext, " ", key, "=")) + text
    }
  }
  return out.length === 0 ? undefined : out
}

/** The getter of a one-name placeholder, chosen once when the template is compiled. */
const builtin = (name: string, separator: string): Getter => {
  switch (name) {
    case "timestamp":
      return (o) => iso(o.date)
    case "level":
      return (o) => o.logLevel.label
    case "fiber":
      return (o) => FiberId.threadName(o.fiberId)
    case "message":
      return (o, own) => {
        // the message of the loggers' own entry is escaped; any other is escaped with its line
        if (own === undefined) foreign = true
        const m = o.message
        return Array.isArray(m) ? m.map((x) => plain(x) ?? "").join(" ") : plain(m)
      }
    case "status":
      return (o, own) => {
        const status = statusOf(o, own)
        if (typeof status !== "number") return undefined
        const text = statusText(status)
        return text.length === 0 ? String(status) : `${status} ${text}`
      }
    case "statusCode":
      return (o, own) => plain(statusOf(o, own))
    case "statusText":
      return (o, own) => {
        const status = statusOf(o, own)
        return typeof status === "number" ? plain(statusText(status)) : undefined
      }
  }
  const hash = Hash.string(name)
  switch (name) {
    case "headers":
      return (o, own) => headersText(annotation(o, own, name, hash), separator)
    case "query":
      return (o, own) => {
        const query = annotation(o, own, name, hash)
        if (typeof query !== "object" || query === null) return undefined
        return Object.keys(query).length === 0 ? undefined : json(query)
      }
    case "elapsed":
      return (o, own) => elapsedText(annotation(o, own, name, hash))
  }
  if (durationKeys.has(name)) {
    return (o, own) => {
      const value = annotation(o, own, name, hash)
      return ms(value) ?? plain(value)
    }
  }
  return (o, own) => plain(annotation(o, own, name, hash))
}

/** The getter of a dotted placeholder (`elapsed.headers`): a key of an object value. */
const nested = (path: ReadonlyArray<string>): Getter => {
  const hash = Hash.string(path[0]!)
  const asMs = path[0] === "elapsed" || durationKeys.has(path[0]!)
  return (o, own) => {
    let value: unknown = annotation(o, own, path[0]!, hash)
    for (let i = 1; i < path.length; i++) {
      if (typeof value !== "object" || value === null || !Object.hasOwn(value, path[i]!)) return undefined
      value = (value as Record<string, unknown>)[path[i]!]
    }
    return (asMs ? ms(value) : undefined) ?? plain(value)
  }
}

/** A template as literal text and getters, parsed once when the Logger is made. */
type Part = string | Getter

const compile = (template: string, separator: string): ReadonlyArray<Part> => {
  const parts: Array<Part> = []
  let literal = ""
  let i = 0
  while (i < template.length) {
    const c = template[i]!
    if ((c === "{" || c === "}") && template[i + 1] === c) {
      literal += c
      i += 2
      continue
    }
    if (c === "{") {
      const end = template.indexOf("}", i)
      const name = end === -1 ? "" : template.slice(i + 1, end)
      if (/^[A-Za-z_$][\w$]*(\.[\w$]+)*$/.test(name)) {
        if (literal.length > 0) parts.push(Render.escape(literal))
        literal = ""
        const path = name.split(".")
        parts.push(path.length === 1 ? builtin(name, separator) : nested(path))
        i = end + 1
        continue
      }
    }
    literal += c
    i++
  }
  if (literal.length > 0) parts.push(Render.escape(literal))
  return parts
}

/**
 * One line: the template's literal text (escaped when compiled) and each placeholder's
 * text, escaped unless it is made only of the record's own values (escaped when the record
 * was built). An entry that is not the loggers' own (`own` undefined) is escaped whole.
 */
const render = (
  parts: ReadonlyArray<Part>,
  o: Logger.Logger.Options<unknown>,
  own: Record<string, unknown> | undefined
): string => {
  let line = ""
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (typeof part === "string") {
      line += part
      continue
    }
    let text: string | undefined
    foreign = false
    try {
      text = part(o, own)
    } catch {
      text = "[Threw]"
    }
    line += text === undefined ? "-" : foreign && own !== undefined ? Render.escape(text) : text
  }
  return own === undefined ? Render.escape(line) : line
}

/** An entry that is not the loggers': as `Logger.stringLogger` writes it, or its message alone if that throws. */
const other = (o: Logger.Logger.Options<unknown>): string => {
  try {
    return Logger.stringLogger.log(o)
  } catch {
    return `timestamp=${o.date.toISOString()} level=${o.logLevel.label} message=${Render.value(o.message)}`
  }
}

const kinds: ReadonlySet<string> = new Set<Log.RecordKind>(["request", "response", "exception", "parseException"])
const loggers: ReadonlySet<string> = new Set(["InnerLogger", "OuterLogger"])
const loggerHash = Hash.string(Log.keys.logger)
const recordHash = Hash.string(Log.keys.record)

/**
 * The record kind of a log entry written by InnerLogger or OuterLogger, if it is one.
 *
 * @since 0.1.0
 * @category guards
 */
export const recordKind = (
  annotations: HashMap.HashMap<string, unknown>
): Log.RecordKind | undefined => {
  const logger = Annotations.getHash(annotations, Log.keys.logger, loggerHash)
  const kind = Annotations.getHash(annotations, Log.keys.record, recordHash)
  if (Option.isNone(logger) || Option.isNone(kind)) return undefined
  if (typeof logger.value !== "string" || !loggers.has(logger.value)) return undefined
  return typeof kind.value === "string" && kinds.has(kind.value) ? kind.value as Log.RecordKind : undefined
}

/**
 * A Logger that renders the loggers' records from the templates, and any other entry as
 * `Logger.stringLogger` does.
 *
 * **Example**
 *
 * ```ts
 * const logger = LogFormat.make({ response: "{status} {method} {url} in {elapsed.headers}" })
 * program.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleLog(logger))))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Logger.Logger<unknown, string> => {
  const separator = options.headerSeparator ?? defaults.headerSeparator
  const templates = {
    request: compile(options.request ?? defaults.request, separator),
    response: compile(options.response ?? defaults.response, separator),
    exception: compile(options.exception ?? defaults.exception, separator),
    parseException: compile(options.parseException ?? defaults.parseException, separator)
  }
  return Logger.make((o) => {
    const own = Log.ownRecord(o)
    const kind = own === undefined ? recordKind(o.annotations) : own[Log.keys.record] as Log.RecordKind
    if (kind === undefined) return Render.escape(other(o))
    // one record, one line: whatever a value holds (the loggers' own values are escaped already)
    return render(templates[kind], o, own)
  })
}

/**
 * A Logger that writes {@link make}'s lines to the console.
 *
 * @since 0.1.0
 * @category constructors
 */
export const logger = (options?: Options): Logger.Logger<unknown, void> => Logger.withConsoleLog(make(options))

/**
 * Replaces Effect's default logger with {@link logger}.
 *
 * **Example**
 *
 * ```ts
 * program.pipe(Effect.provide(LogFormat.layer({ headerSeparator: "; " })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<never> => Logger.replace(Logger.defaultLogger, logger(options))

/**
 * The annotation keys of the loggers' records (the session's attributes come under their
 * own names).
 *
 * @since 0.1.0
 */
export const keys = Log.keys

/**
 * @since 0.1.0
 * @category models
 */
export type RecordKind = Log.RecordKind
