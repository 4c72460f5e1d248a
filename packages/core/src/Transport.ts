/**
 * The transport sends one prepared request (the session's method, URL, headers and
 * body) and hands back the status, the headers and a way to read the body. The live
 * transport here runs over @effect/platform's `HttpClient` (fetch, Node, Bun, browsers);
 * tests swap in `MockTransport` from @service-client/mock by Layer.
 *
 * @since 0.1.0
 */
import { HttpBody, HttpClient, type HttpClientError, HttpClientRequest } from "@effect/platform"
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
   * Reads the whole body; fails with `RequestError` (`ResponseTooLarge`) past `maxBytes`,
   * or with `TimeoutError` at the session's deadline (a transport that honours deadlines).
   * The core calls it when it wants the body, and runs the Effect at once.
   */
  readonly read: (maxBytes: number | undefined) => Effect.Effect<Uint8Array, RequestError | TimeoutError>
  /** The body as a stream (read at most once). */
  readonly stream: Stream.Stream<Uint8Array, RequestError>
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

const cleanHeaders = (headers: Readonly<Record<string, string | null>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === null || value === undefined) continue
    // an own key, also for a header named `__proto__`
    if (name === "__proto__") Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true })
    else out[name] = value
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
  return {
    send: (session) => {
      const request = HttpClientRequest.make(session.method)(session.url).pipe(
        HttpClientRequest.setBody(toHttpBody(session)),
        HttpClientRequest.setHeaders(cleanHeaders(session.headers))
      )
      return client.execute(request).pipe(
        Effect.mapError((e) => platformError(session, e)),
        Effect.map((response): Response => {
          const stream = Stream.mapError(response.stream, (e) => platformError(session, e))
          const length = Number(response.headers["content-length"])
          return {
            status: response.status,
            headers: response.headers,
            stream,
            read: (maxBytes) => {
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

