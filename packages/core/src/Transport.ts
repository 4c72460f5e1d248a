/**
 * The transport sends one prepared request (the session's method, URL, headers and
 * body) and hands back the status, the headers and a way to read the body. The live
 * transport here runs over @effect/platform's `HttpClient` (fetch, Node, Bun, browsers);
 * tests swap in `MockTransport` from @service-client/mock by Layer.
 *
 * @since 0.1.0
 */
import {
  FetchHttpClient,
  HttpBody,
  HttpClient,
  type HttpClientError,
  HttpClientRequest,
  type HttpClientResponse
} from "@effect/platform"
import { Context, type Duration, Effect, Layer, Stream } from "effect"
import type { CallError } from "./Errors.js"
import { RequestError, TimeoutError } from "./Errors.js"
import * as Redact from "./Redact.js"
import { isStreamBody, type Session } from "./Session.js"

/**
 * What the transport answers: the body is not read until asked.
 *
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly status: number
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * Each `Set-Cookie` header as received, in order (`headers["set-cookie"]` joins them
   * with `, `, which cannot be split again: a cookie's `Expires` holds a comma).
   * `undefined`: the transport keeps no list (the core then takes `headers["set-cookie"]`
   * as one value).
   */
  readonly setCookie?: ReadonlyArray<string> | undefined
  /**
   * Reads the whole body; fails with `RequestError` (`ResponseTooLarge`) past `maxBytes`,
   * or with `TimeoutError` at the session's deadline (a transport that honours deadlines).
   * The core calls it when it wants the body, and runs the Effect at once.
   */
  readonly read: (maxBytes: number | undefined) => Effect.Effect<Uint8Array, RequestError | TimeoutError>
  /** The body as a stream (read at most once). */
  readonly stream: Stream.Stream<Uint8Array, RequestError>
  /**
   * The content codings still on the body (`Content-Encoding`, `identity` left out), when
   * the transport did not decode it: `"unsupported"` (a coding it does not know: the
   * core fails a 2xx with `ParseError` naming it) or `"off"` (decoding turned off: the
   * parser gets the bytes as received). `undefined`: the body is decoded, or was not encoded.
   */
  readonly encoded?: {
    readonly codings: ReadonlyArray<string>
    readonly reason: "unsupported" | "off"
  } | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly send: (session: Session) => Effect.Effect<Response, CallError>
  /**
   * Whether `send` and `read` end by themselves at the session's deadline with its
   * `TimeoutError` (aborting the request). Otherwise the core bounds them with
   * `Deadline.bound`, which costs a fiber per call that has a deadline.
   */
  readonly honoursDeadline?: boolean | undefined
  /**
   * The content codings this transport decodes (`"gzip, deflate, br"`): the core sends it
   * as `Accept-Encoding` unless the endpoint, a plugin or the call set or removed that
   * header. `undefined`: none is sent.
   */
  readonly acceptEncoding?: string | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Transport extends Context.Tag("@service-client/core/Transport")<Transport, Service>() {}

/**
 * What a {@link make} handler answers: a status (200 by default), headers (names are
 * lower-cased) and a body — `json` (sent as JSON with `content-type: application/json`
 * unless the headers set one) or `body` as it is: text, bytes, or a `Stream` of bytes
 * (read when the core reads the body, e.g. a slow or failing one).
 *
 * @since 0.1.0
 * @category models
 */
export interface Reply {
  readonly status?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: string | Uint8Array | Stream.Stream<Uint8Array, RequestError> | undefined
  readonly json?: unknown
}

const encoder = new TextEncoder()
const noBytes = new Uint8Array(0)

const bytesOf = (reply: Reply): Uint8Array | Stream.Stream<Uint8Array, RequestError> =>
  reply.json !== undefined
    ? encoder.encode(JSON.stringify(reply.json))
    : typeof reply.body === "string"
    ? encoder.encode(reply.body)
    : reply.body ?? noBytes

const headersOf = (reply: Reply): Record<string, string> => {
  const headers: Record<string, string> = {}
  if (reply.json !== undefined) headers["content-type"] = "application/json"
  for (const name in reply.headers) headers[name.toLowerCase()] = reply.headers[name]!
  return headers
}

/**
 * A transport from a function of the request (the session: method, URL, headers, body)
 * to its reply, for tests and for programs that answer some services in process. The
 * body read honours the call's `maxResponseBytes` like a live transport; the handler may
 * fail with a `CallError` (e.g. {@link requestError}) or never answer (the call's
 * deadline then ends it).
 *
 * **Example**
 *
 * ```ts
 * const TestTransport = Layer.succeed(
 *   Transport.Transport,
 *   Transport.make((request) => Effect.succeed({ json: { id: 1, url: request.url } }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  handler: (request: Session) => Effect.Effect<Reply, CallError>,
  options?: { readonly acceptEncoding?: string | undefined }
): Service => ({
  send: (session) =>
    Effect.map(Effect.suspend(() => handler(session)), (reply): Response => {
      const body = bytesOf(reply)
      const status = reply.status ?? 200
      const headers = headersOf(reply)
      if (!(body instanceof Uint8Array)) {
        return {
          status,
          headers,
          read: (maxBytes) => collect(body, maxBytes, () => tooLarge(session, maxBytes!)),
          stream: body
        }
      }
      return {
        status,
        headers,
        read: (maxBytes) =>
          maxBytes !== undefined && body.length > maxBytes
            ? Effect.fail(tooLarge(session, maxBytes))
            : Effect.succeed(body),
        stream: body.length === 0 ? Stream.empty : Stream.make(body)
      }
    }),
  acceptEncoding: options?.acceptEncoding
})

/**
 * A `RequestError` for the session's request.
 *
 * @since 0.1.0
 * @category errors
 */
export const requestError = (
  session: Session,
  cause: unknown,
  reason: RequestError["reason"] = "Transport",
  description?: string
): RequestError =>
  new RequestError({
    service: session.service,
    endpoint: session.endpoint,
    method: session.method,
    url: Redact.url(session.url, session.redaction),
    reason,
    description,
    cause
  })

/**
 * A `TimeoutError` for the session's request.
 *
 * @since 0.1.0
 * @category errors
 */
export const timeoutError = (session: Session, timeout: Duration.Duration): TimeoutError =>
  new TimeoutError({
    service: session.service,
    endpoint: session.endpoint,
    method: session.method,
    url: Redact.url(session.url, session.redaction),
    timeout
  })

/**
 * The error of a body larger than `maxBytes`.
 *
 * @since 0.1.0
 * @category errors
 */
export const tooLarge = (session: Session, maxBytes: number): RequestError =>
  requestError(session, undefined, "ResponseTooLarge", `the response body is larger than ${maxBytes} bytes`)

/**
 * Reads a byte stream into one array, failing as soon as it grows past `maxBytes`
 * (nothing more is buffered).
 *
 * @since 0.1.0
 * @category combinators
 */
export const collect = <E>(
  stream: Stream.Stream<Uint8Array, E>,
  maxBytes: number | undefined,
  onTooLarge: () => E
): Effect.Effect<Uint8Array, E> =>
  Effect.map(
    Stream.runFoldEffect(stream, { size: 0, chunks: [] as Array<Uint8Array> }, (acc, chunk) => {
      acc.size += chunk.length
      if (maxBytes !== undefined && acc.size > maxBytes) return Effect.fail(onTooLarge())
      acc.chunks.push(chunk)
      return Effect.succeed(acc)
    }),
    ({ chunks, size }) => concat(chunks, size)
  )

/**
 * @since 0.1.0
 * @category combinators
 */
export const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

const supports = (format: string): boolean => {
  try {
    new DecompressionStream(format as CompressionFormat)
    return true
  } catch {
    return false
  }
}

/** The `DecompressionStream` format of each coding this runtime decodes. */
const streamFormats: Readonly<Record<string, string>> = typeof DecompressionStream === "function"
  ? {
    gzip: "gzip",
    "x-gzip": "gzip",
    deflate: "deflate",
    ...(supports("br") ? { br: "br" } : {})
  }
  : {}

/**
 * The codings the platform transport decodes (with `DecompressionStream`), announced as
 * `Accept-Encoding`: `gzip, deflate`, and `br` where the runtime's `DecompressionStream`
 * knows it.
 *
 * @since 0.1.0
 * @category constants
 */
export const platformAcceptEncoding: string | undefined = "gzip" in streamFormats
  ? ("br" in streamFormats ? "gzip, deflate, br" : "gzip, deflate")
  : undefined

/** What a fetch `Response` decodes by itself (the Fetch standard, and Node's, Bun's, browsers' fetch). */
const fetchDecodes: ReadonlySet<string> = new Set(["gzip", "x-gzip", "deflate", "br"])

type Wrapped = { readonly source?: unknown; readonly original?: Wrapped }

/** Whether the platform's response wraps a fetch `Response` (its body is decoded by fetch). */
const isFetchResponse = (response: unknown): boolean => {
  let r = response as Wrapped | undefined
  for (let i = 0; i < 4 && r !== undefined; i++) {
    if (typeof Response === "function" && r.source instanceof Response) return true
    r = r.original
  }
  return false
}

const isZlibError = (cause: unknown): boolean => {
  let e = cause as { readonly code?: unknown; readonly cause?: unknown } | undefined
  for (let i = 0; i < 5 && typeof e === "object" && e !== null; i++) {
    if (typeof e.code === "string" && /^Z_|ZLIB|BROTLI/.test(e.code)) return true
    e = e.cause as typeof e
  }
  return false
}

const showCodings = (codings: ReadonlyArray<string>): string =>
  codings.map((c) => JSON.stringify(c.length > 40 ? `${c.slice(0, 40)}…` : c)).join(", ")

const codingsOf = (header: string): Array<string> => {
  const out: Array<string> = []
  for (const part of header.split(",")) {
    const coding = part.trim().toLowerCase()
    if (coding.length > 0 && coding !== "identity") out.push(coding)
  }
  return out
}

/**
 * Decodes a body stream through `DecompressionStream`s, the last coding first. A body
 * with no bytes at all is empty, not a truncated stream.
 */
const decodeStream = (
  session: Session,
  stream: Stream.Stream<Uint8Array, RequestError>,
  codings: ReadonlyArray<string>
): Stream.Stream<Uint8Array, RequestError> => {
  let received = 0
  const counted = Stream.mapChunks(stream, (chunk) => {
    for (const bytes of chunk) received += bytes.length
    return chunk
  })
  const failed = (cause: unknown): RequestError =>
    cause instanceof RequestError ? cause : requestError(
      session,
      cause,
      "Decoding",
      `the ${showCodings(codings)} body could not be decoded: ${cause instanceof Error ? cause.message : String(cause)}`
    )
  return Stream.catchAll(
    Stream.unwrap(
      Effect.map(Stream.toReadableStreamEffect(counted), (readable) =>
        Stream.fromReadableStream(() => {
          let out = readable as ReadableStream<BufferSource>
          for (let i = codings.length - 1; i >= 0; i--) {
            out = out.pipeThrough(new DecompressionStream(streamFormats[codings[i]!] as CompressionFormat))
          }
          return out as ReadableStream<Uint8Array>
        }, failed))
    ),
    (error) => (received === 0 && error.reason === "Decoding" ? Stream.empty : Stream.fail(error))
  )
}

/**
 * A `RequestError` from @effect/platform's error: its message quotes the request's URL
 * (secret query values redacted here), and the error holds the request itself (with its
 * headers), so only its own cause is kept.
 */
const platformError = (session: Session, e: HttpClientError.HttpClientError): RequestError => {
  const shown = Redact.url(session.url, session.redaction)
  const message = shown === session.url ? e.message : e.message.split(session.url).join(shown)
  return requestError(session, e.cause, "Transport", message)
}

const toHttpBody = (session: Session): HttpBody.HttpBody => {
  const body = session.body
  const contentType = session.headers["content-type"] ?? undefined
  if (body === undefined) return HttpBody.empty
  if (typeof body === "string") return HttpBody.text(body, contentType ?? "text/plain")
  if (body instanceof Uint8Array) return HttpBody.uint8Array(body, contentType ?? "application/octet-stream")
  if (isStreamBody(body)) return HttpBody.stream(body, contentType ?? "application/octet-stream")
  return HttpBody.empty
}

// Each Set-Cookie header of a platform response, from what the HttpClient underneath
// received: a fetch Response (`getSetCookie`), undici's or node:http's headers (an array).
const setCookieOf = (response: HttpClientResponse.HttpClientResponse): ReadonlyArray<string> => {
  let r = response as Wrapped | undefined
  for (let i = 0; i < 4 && r !== undefined; i++) {
    const source = r.source as { readonly headers?: unknown } | undefined
    const headers = source?.headers as { getSetCookie?: () => Array<string> } & Record<string, unknown> | undefined
    if (typeof headers?.getSetCookie === "function") return headers.getSetCookie()
    const value = headers?.["set-cookie"]
    if (Array.isArray(value)) return value.map(String)
    if (typeof value === "string") return [value]
    r = r.original
  }
  return [response.headers["set-cookie"]!]
}

const cleanHeaders = (headers: Readonly<Record<string, string | null>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === null || value === undefined) continue
    // an own key, also for a header named `__proto__`
    if (name === "__proto__") {
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true })
    } else out[name] = value
  }
  return out
}

/**
 * The transport over an @effect/platform `HttpClient`: interrupting the call aborts the
 * request.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClient = (given: HttpClient.HttpClient): Service => {
  // the Tracing plugin makes the call's span: the client's own one (with every header as an
  // attribute) and its trace headers are off, so both live transports send the same headers
  const client = HttpClient.withTracerDisabledWhen(given, () => true)
  // the core follows redirects (one policy for every transport): a fetch client must not
  const manualInits = new WeakMap<globalThis.RequestInit, globalThis.RequestInit>()
  const manual: globalThis.RequestInit = { redirect: "manual" }
  const execute = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.contextWithEffect((context: Context.Context<never>) => {
      const init = Context.getOrElse(context, FetchHttpClient.RequestInit, () => undefined)
      if (init?.redirect === "manual") return client.execute(request)
      let merged = init === undefined ? manual : manualInits.get(init)
      if (merged === undefined) {
        merged = { ...init, redirect: "manual" }
        manualInits.set(init!, merged)
      }
      return Effect.provideService(client.execute(request), FetchHttpClient.RequestInit, merged)
    })
  return {
    acceptEncoding: platformAcceptEncoding,
    send: (session) => {
      const request = HttpClientRequest.make(session.method)(session.url).pipe(
        HttpClientRequest.setBody(toHttpBody(session)),
        HttpClientRequest.setHeaders(cleanHeaders(session.headers))
      )
      return execute(request).pipe(
        Effect.mapError((e) => platformError(session, e)),
        Effect.map((response): Response => {
          let stream = Stream.mapError(response.stream, (e) => platformError(session, e))
          let length = Number(response.headers["content-length"])
          const encoding = response.headers["content-encoding"]
          let encoded: Response["encoded"] = undefined
          let decoded = false
          if (
            encoding !== undefined && session.method !== "HEAD" && response.status !== 204 && response.status !== 304
          ) {
            const codings = codingsOf(encoding)
            // a fetch Response is decoded by fetch itself (it keeps the header)
            const byFetch = isFetchResponse(response)
            if (codings.length === 0) {
              // identity only
            } else if (byFetch) {
              if (!codings.every((c) => fetchDecodes.has(c))) encoded = { codings, reason: "unsupported" }
              else {
                // fetch's decoding failure is a body error whose cause is zlib's
                stream = Stream.mapError(stream, (e) =>
                  isZlibError(e.cause)
                    ? requestError(
                      session,
                      e.cause,
                      "Decoding",
                      `the ${showCodings(codings)} body could not be decoded`
                    )
                    : e)
                length = NaN
                decoded = true
              }
            } else if (codings.every((c) => c in streamFormats)) {
              stream = decodeStream(session, stream, codings)
              length = NaN
              decoded = true
            } else encoded = { codings, reason: "unsupported" }
          }
          // fetch's Headers hand the platform each Set-Cookie apart, and the last one won:
          // joined here as on NodeTransport, and kept apart in `setCookie`
          const setCookie = response.headers["set-cookie"] === undefined ? undefined : setCookieOf(response)
          return {
            status: response.status,
            headers: setCookie === undefined || setCookie.length < 2
              ? response.headers
              : { ...response.headers, "set-cookie": setCookie.join(", ") },
            setCookie,
            stream,
            encoded,
            read: (maxBytes) => {
              if (decoded) return collect(stream, maxBytes, () => tooLarge(session, maxBytes!))
              if (maxBytes === undefined) {
                return Effect.mapBoth(response.arrayBuffer, {
                  onFailure: (e) => platformError(session, e),
                  onSuccess: (buffer) => new Uint8Array(buffer)
                })
              }
              // an unread body would hold the connection until the response is garbage
              // collected: start the stream and stop it at once, which aborts the request
              if (length > maxBytes) {
                return Effect.zipRight(
                  Effect.ignore(Stream.runDrain(Stream.interruptWhen(stream, Effect.void))),
                  Effect.fail(tooLarge(session, maxBytes))
                )
              }
              return collect(stream, maxBytes, () => tooLarge(session, maxBytes))
            }
          }
        })
      )
    }
  }
}

/**
 * The live transport: needs an @effect/platform `HttpClient` (e.g.
 * `NodeHttpClient.layerUndici`, `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Transport, never, HttpClient.HttpClient> = Layer.effect(
  Transport,
  Effect.map(HttpClient.HttpClient, fromHttpClient)
)
