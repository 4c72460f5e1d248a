/**
 * A transport that never leaves the process: it answers every call from the newest
 * matching `Mock.use`/`Mock.patch` override, else from the endpoint's `mock`
 * description, and records every request it receives. Every plugin runs over it as
 * over the live transport. Swap it in by Layer:
 *
 * ```ts
 * Effect.provide(UserServiceLive.pipe(Layer.provideMerge(MockTransport.layer), Layer.provide(NodeFileSystem.layer)))
 * ```
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import { type CallError, Deadline, Header, NoMock, Session, Transport } from "@service-client/core"
import { Duration, Effect, Either, Layer, Option, Stream } from "effect"
import * as Mock from "./Mock.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const empty = new Uint8Array(0)

class RecordedRequest implements Mock.Request {
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly url: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  constructor(session: Session.Session, readonly body: string | Uint8Array | undefined, readonly streamed: boolean) {
    this.service = session.service
    this.endpoint = session.endpoint
    this.method = session.method
    this.url = session.url
    this.path = session.path
    const headers: Record<string, string> = {}
    for (const name in session.headers) {
      const value = session.headers[name]
      if (value !== null && value !== undefined) headers[name] = value
    }
    this.headers = headers
  }
  get text(): string {
    const body = this.body
    return body === undefined ? "" : typeof body === "string" ? body : decoder.decode(body)
  }
}

interface Checked {
  readonly status: number
  readonly headers: Record<string, string>
  readonly delay: Duration.Duration | undefined
  readonly body: Uint8Array | { readonly file: string }
}

const describe = (u: unknown): string =>
  u === null || u === undefined
    ? String(u)
    : Array.isArray(u)
    ? "an array"
    : u instanceof Uint8Array
    ? "bytes"
    : typeof u === "object"
    ? "an object"
    : `a ${typeof u}`

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array)

/**
 * Checks a mock description and encodes its body (files are read later).
 */
const check = (desc: unknown): Either.Either<Checked, string> => {
  if (!isRecord(desc)) return Either.left(`expected a mock description object, got ${describe(desc)}`)
  let status = 200
  if (desc.status !== undefined) {
    const s = desc.status
    if (!(typeof s === "number" && Number.isInteger(s) && s >= 100 && s <= 599)) {
      return Either.left(`"status" must be an HTTP status (100-599), got ${String(desc.status)}`)
    }
    status = s
  }
  const headers: Record<string, string> = {}
  if (desc.headers !== undefined) {
    if (!isRecord(desc.headers)) {
      return Either.left(`"headers" must be a record of strings, got ${describe(desc.headers)}`)
    }
    for (const [name, value] of Object.entries(desc.headers)) {
      if (typeof value !== "string") {
        return Either.left(`the header "${name}" must be a string, got ${describe(value)}`)
      }
      headers[name.toLowerCase()] = value
    }
  }
  let delay: Duration.Duration | undefined = undefined
  if (desc.delay !== undefined) {
    const decoded = Duration.decodeUnknown(desc.delay)
    if (Option.isNone(decoded)) return Either.left(`"delay" is not a duration: ${String(desc.delay)}`)
    delay = decoded.value
  }
  let body: Checked["body"]
  switch (desc.type) {
    case "json": {
      let text: string | undefined
      try {
        text = JSON.stringify(desc.data)
      } catch (e) {
        const reason = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ")
        return Either.left(`the json data cannot be encoded as JSON: ${reason}`)
      }
      if (text === undefined) return Either.left(`the json data cannot be encoded as JSON: got ${describe(desc.data)}`)
      body = encoder.encode(text)
      if (!("content-type" in headers)) headers["content-type"] = "application/json"
      break
    }
    case "raw":
      if (typeof desc.data === "string") body = encoder.encode(desc.data)
      else if (desc.data instanceof Uint8Array) body = desc.data
      else return Either.left(`the raw data must be a string or bytes, got ${describe(desc.data)}`)
      break
    case "file":
      if (typeof desc.file !== "string" || desc.file.length === 0) {
        return Either.left(`a file mock needs "file" (a path), got ${describe(desc.file)}`)
      }
      body = { file: desc.file }
      break
    case undefined:
      return Either.left(`"type" is missing (expected "json", "raw" or "file")`)
    default:
      return Either.left(`unknown mock type ${JSON.stringify(desc.type)} (expected "json", "raw" or "file")`)
  }
  return Either.right({ status, headers, delay, body })
}

const response = (
  session: Session.Session,
  status: number,
  headers: Record<string, string>,
  bytes: Uint8Array
): Transport.Response => {
  if (!("content-length" in headers)) headers["content-length"] = String(bytes.length)
  const body = session.method === "HEAD" ? empty : bytes
  const read = Effect.succeed(body)
  return {
    status,
    headers,
    read: (maxBytes) =>
      maxBytes !== undefined && body.length > maxBytes ? Effect.fail(Transport.tooLarge(session, maxBytes)) : read,
    stream: body.length === 0 ? Stream.empty : Stream.make(body)
  }
}

/**
 * The mock transport over a registry of overrides; reads file mocks with `FileSystem`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Transport.Service, never, Mock.Registry | FileSystem.FileSystem> = Effect.gen(
  function*() {
    const registry = yield* Mock.Registry
    const fs = yield* FileSystem.FileSystem

    const noMock = (session: Session.Session, reason: string) =>
      new NoMock({ service: session.service, endpoint: session.endpoint, reason })

    const bodyOf = (session: Session.Session): Effect.Effect<string | Uint8Array | undefined, CallError> => {
      const body = session.body
      if (body === undefined || typeof body === "string" || body instanceof Uint8Array) return Effect.succeed(body)
      return Transport.collect(
        Stream.mapError(body, (e) => Transport.requestError(session, e, "Transport", "the request body stream failed")),
        undefined,
        () => Transport.requestError(session, undefined)
      )
    }

    const answer = (
      session: Session.Session,
      request: Mock.Request
    ): Effect.Effect<{ readonly desc: unknown; readonly source: string }, CallError> => {
      const override = registry.take(session.service, session.endpoint)
      const mock = session.definition.mock
      if (override === undefined) {
        return mock === undefined
          ? Effect.fail(noMock(session, "the endpoint has no mock description and no Mock.use or Mock.patch matches"))
          : Effect.succeed({ desc: mock, source: "the endpoint's mock" })
      }
      if (override._tag === "Patch") {
        const desc = { ...mock, ...override.patch }
        return Effect.succeed({ desc, source: "the endpoint's mock patched by Mock.patch" })
      }
      return Deadline.bound(session, override.handler(request)).pipe(
        Effect.mapBoth({
          onFailure: (e) =>
            e instanceof Mock.Failure
              ? Transport.requestError(
                session,
                e.cause,
                "Transport",
                e.description ?? (e.cause instanceof Error ? e.cause.message : undefined)
              )
              : e,
          onSuccess: (desc) => ({ desc, source: "the Mock.use handler's response" })
        })
      )
    }

    // a plugin's aroundSend may set headers after the core checked them: refuse what no live transport sends
    const badHeader = (session: Session.Session): string | undefined => {
      for (const name in session.headers) {
        const value = session.headers[name]
        if (value === null || value === undefined) continue
        const reason = Header.check(name, value)
        if (reason !== undefined) return reason
      }
      return undefined
    }

    const send = (session: Session.Session): Effect.Effect<Transport.Response, CallError> =>
      Effect.gen(function*() {
        const invalid = badHeader(session)
        if (invalid !== undefined) {
          const description = `the request cannot be sent: ${invalid}`
          return yield* Transport.requestError(session, undefined, "Transport", description)
        }
        // the waits below end at the call's deadline (a Timeout): no generic bound around the whole send
        const body = yield* (Session.isStreamBody(session.body)
          ? Deadline.bound(session, bodyOf(session))
          : bodyOf(session))
        const request = new RecordedRequest(session, body, body !== session.body)
        registry.record(request)
        const { desc, source } = yield* answer(session, request)
        const checked = check(desc)
        if (Either.isLeft(checked)) return yield* noMock(session, `${source} is invalid: ${checked.left}`)
        const { delay, headers, status } = checked.right
        if (delay !== undefined) yield* Deadline.sleep(session, delay)
        const target = checked.right.body
        if (target instanceof Uint8Array) return response(session, status, headers, target)
        const bytes = yield* Effect.mapError(
          Deadline.bound(session, fs.readFile(target.file)),
          (e) => noMock(session, `cannot read the file "${target.file}" of ${source}: ${e.message}`)
        )
        return response(session, status, headers, bytes)
      })

    return { send, honoursDeadline: true }
  }
)

/**
 * The mock transport and a fresh `Mock.Registry` for `Mock.use`, `Mock.patch` and
 * `Mock.calls`. Needs a `FileSystem` for file mocks (`NodeFileSystem.layer`, or
 * `NodeMockTransport.layer` which has it).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Transport.Transport | Mock.Registry, never, FileSystem.FileSystem> = Layer.effect(
  Transport.Transport,
  make
).pipe(Layer.provideMerge(Mock.layer))
