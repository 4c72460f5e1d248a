/**
 * Event streams: the body of a `streamResponse` endpoint with `events: "sse"` (Server-Sent
 * Events, as the WHATWG HTML standard defines them) or `events: "ndjson"` (one JSON value
 * per line) as a `Stream` of events whose data the endpoint's success Schema decodes.
 * Lines and events are bounded (`maxEventBytes`); a malformed or undecodable event fails
 * the stream with a typed `EventStreamError`. An SSE stream reconnects with
 * `Last-Event-ID`, after the server's `retry:` delay, when the connection drops.
 *
 * @since 0.1.0
 */
import { Chunk, Data, Duration, Effect, Either, Schema, Stream } from "effect"
import { type CallError, excerpt, RequestError, safeDisplay } from "./Errors.js"
import * as Issue from "./internal/issue.js"
import * as Redact from "./Redact.js"

// `Stream.mapEffect` one chunk at a time: the same sequential mapping, without the
// concurrent machinery `Stream.mapEffect` carries into every bundle (~4 KB minified)
const mapSequential = <A, B, E, R, E2>(
  self: Stream.Stream<A, E, R>,
  f: (a: A) => Effect.Effect<B, E2>
): Stream.Stream<B, E | E2, R> =>
  Stream.mapChunksEffect(self, (chunk) => Effect.map(Effect.forEach(chunk, f), Chunk.unsafeFromArray))

/**
 * One Server-Sent Event: its type (`"message"` unless the server names another), its data
 * (decoded by the endpoint's success Schema from JSON, or the text itself without one),
 * and the last event id seen.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event<A> {
  readonly event: string
  readonly data: A
  readonly id: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export type Format = "sse" | "ndjson"

/**
 * An event stream went wrong: a line or an event over `maxEventBytes` (`TooLarge`), data
 * that is not JSON (`Parse`), or data the success Schema refuses (`Decode`).
 *
 * @since 0.1.0
 * @category errors
 */
export class EventStreamError extends Data.TaggedError("EventStreamError")<{
  readonly service: string
  readonly endpoint: string
  readonly reason: "TooLarge" | "Parse" | "Decode"
  readonly description: string
  /** The first characters of the offending data. */
  readonly excerpt: string
}> {
  override get message() {
    return `${this.service}.${this.endpoint}: event stream (${this.reason}): ${this.description}; data: ${
      JSON.stringify(this.excerpt)
    }`
  }
}
safeDisplay(EventStreamError)

/**
 * The default bound of one line and of one event's data (bytes, counted as UTF-16 units).
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultMaxEventBytes = 1024 * 1024

/**
 * The default reconnection delay before the server sets one with `retry:`.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultRetry = Duration.seconds(3)

/** @internal */
export interface Options {
  readonly service: string
  readonly endpoint: string
  readonly format: Format
  readonly schema: Schema.Schema<any, any> | undefined
  readonly maxEventBytes: number
  /** What an error never shows of the data (the client's redaction; the defaults otherwise). */
  readonly redaction?: Redact.Redaction | undefined
  /** Calls the endpoint again with `Last-Event-ID`; `undefined` when the server says stop (204). */
  readonly reconnect: (
    lastEventId: string | undefined
  ) => Effect.Effect<Stream.Stream<Uint8Array, RequestError> | undefined, CallError>
}

/** Splits text into lines (`\r\n`, `\n` or `\r`), keeping an unfinished one; bounded. */
class Lines {
  private rest = ""
  private pendingCR = false
  constructor(private readonly max: number) {}
  push(text: string): Array<string> | { readonly tooLong: string } {
    let s = this.rest + text
    if (this.pendingCR && s.startsWith("\n")) s = s.slice(1)
    this.pendingCR = false
    const lines: Array<string> = []
    let start = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c === 10 || c === 13) {
        lines.push(s.slice(start, i))
        if (c === 13) {
          if (i + 1 === s.length) this.pendingCR = true
          else if (s.charCodeAt(i + 1) === 10) i++
        }
        start = i + 1
      }
    }
    this.rest = s.slice(start)
    if (this.rest.length > this.max) return { tooLong: this.rest }
    for (const line of lines) if (line.length > this.max) return { tooLong: line }
    return lines
  }
}

/** @internal */
export const decode = (
  bytes: Stream.Stream<Uint8Array, RequestError>,
  options: Options
): Stream.Stream<unknown, EventStreamError | CallError> => {
  const { endpoint, maxEventBytes, schema, service } = options
  const redaction = options.redaction ?? Redact.defaults
  const fail = (reason: EventStreamError["reason"], description: string, data: string) =>
    new EventStreamError({
      service,
      endpoint,
      reason,
      description: Redact.text(description, redaction),
      excerpt: Redact.text(excerpt(data, 200), redaction)
    })
  const decodeData = schema === undefined ? undefined : Schema.decodeUnknownEither(schema)
  const value = (text: string, json: boolean): Either.Either<unknown, EventStreamError> => {
    if (!json && decodeData === undefined) return Either.right(text)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      return Either.left(fail("Parse", `not JSON: ${e instanceof Error ? e.message : String(e)}`, text))
    }
    if (decodeData === undefined) return Either.right(parsed)
    const r = decodeData(parsed)
    return Either.isLeft(r)
      ? Either.left(fail("Decode", Issue.redacted(decodeData, parsed, r.left, redaction).message, text))
      : Either.right(r.right)
  }

  if (options.format === "ndjson") {
    return Stream.suspend(() => {
      const lines = new Lines(maxEventBytes)
      const text = new TextDecoder()
      const emit = (chunk: string, end: boolean): Effect.Effect<Array<unknown>, EventStreamError> => {
        const split = lines.push(chunk + (end ? "\n" : ""))
        if (!Array.isArray(split)) {
          return Effect.fail(fail("TooLarge", `a line over ${maxEventBytes} characters`, split.tooLong))
        }
        const out: Array<unknown> = []
        for (const line of split) {
          if (line.trim().length === 0) continue
          const v = value(line, true)
          if (Either.isLeft(v)) return Effect.fail(v.left)
          out.push(v.right)
        }
        return Effect.succeed(out)
      }
      return Stream.concat(
        mapSequential(bytes, (b) => emit(text.decode(b, { stream: true }), false)),
        Stream.fromEffect(Effect.suspend(() => emit(text.decode(), true)))
      ).pipe(Stream.flattenIterables)
    })
  }

  // SSE: the last event id and the reconnection delay outlive a connection
  const state = { lastEventId: undefined as string | undefined, sawId: false, retry: Duration.toMillis(defaultRetry) }
  const connection = (
    body: Stream.Stream<Uint8Array, RequestError>
  ): Stream.Stream<unknown, EventStreamError | CallError> =>
    Stream.suspend(() => {
      const lines = new Lines(maxEventBytes)
      const text = new TextDecoder()
      let first = true
      let type = ""
      let data = ""
      let hasData = false
      let dropped = false
      const feed = (chunk: string): Effect.Effect<Array<Event<unknown>>, EventStreamError> => {
        if (first && chunk.length > 0) {
          first = false
          if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
        }
        const split = lines.push(chunk)
        if (!Array.isArray(split)) {
          return Effect.fail(fail("TooLarge", `a line over ${maxEventBytes} characters`, split.tooLong))
        }
        const out: Array<Event<unknown>> = []
        for (const line of split) {
          if (line.length === 0) {
            if (hasData) {
              const v = value(data.endsWith("\n") ? data.slice(0, -1) : data, false)
              if (Either.isLeft(v)) return Effect.fail(v.left)
              out.push({ event: type === "" ? "message" : type, data: v.right, id: state.lastEventId })
            }
            type = ""
            data = ""
            hasData = false
            continue
          }
          if (line.charCodeAt(0) === 58) continue // ":" a comment
          const colon = line.indexOf(":")
          const field = colon === -1 ? line : line.slice(0, colon)
          let v = colon === -1 ? "" : line.slice(colon + 1)
          if (v.charCodeAt(0) === 32) v = v.slice(1)
          if (field === "data") {
            data += v + "\n"
            hasData = true
            if (data.length > maxEventBytes) {
              return Effect.fail(fail("TooLarge", `an event over ${maxEventBytes} characters`, data))
            }
          } else if (field === "event") type = v
          else if (field === "id") {
            if (!v.includes("\u0000")) {
              state.lastEventId = v
              state.sawId = true
            }
          } else if (field === "retry" && /^\d+$/.test(v)) state.retry = Number(v)
        }
        return Effect.succeed(out)
      }
      const events = mapSequential(body, (b) => feed(text.decode(b, { stream: true }))).pipe(
        Stream.flattenIterables,
        // a dropped connection (not a decoding failure) ends this connection: it is resumed below
        Stream.catchAll((e): Stream.Stream<Event<unknown>, EventStreamError | RequestError> => {
          if (e instanceof RequestError && e.reason === "Transport") {
            dropped = true
            return Stream.empty
          }
          return Stream.fail(e)
        })
      )
      const next = Stream.unwrap(Effect.suspend(() => {
        // a server that gives ids expects to be resumed, also after a clean end
        if (!dropped && !state.sawId) return Effect.succeed(Stream.empty)
        return Effect.zipRight(
          Effect.sleep(Duration.millis(state.retry)),
          Effect.map(
            options.reconnect(state.lastEventId),
            (more) => more === undefined ? Stream.empty : connection(more)
          )
        )
      }))
      return Stream.concat(events, next)
    })
  return connection(bytes)
}
