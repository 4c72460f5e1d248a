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
import * as Chaos from "./Chaos.js"
import { generate, issueOf, NotJson, parseBody } from "./internal/schemaCheck.js"
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
  readonly body: Uint8Array | { readonly file: string } | { readonly arbitrary: number | undefined }
  /** Whether the answer is checked against the endpoint's Schemas. */
  readonly check: boolean
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
  if (desc.check !== undefined && typeof desc.check !== "boolean") {
    return Either.left(`"check" must be true or false, got ${describe(desc.check)}`)
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
    case "arbitrary":
      if (desc.seed !== undefined && !Number.isSafeInteger(desc.seed)) {
        return Either.left(`"seed" must be a whole number, got ${String(desc.seed)}`)
      }
      if (status < 200 || status > 299) {
        return Either.left(`an arbitrary mock answers a 2xx status (generated from the success Schema), got ${status}`)
      }
      body = { arbitrary: desc.seed as number | undefined }
      if (!("content-type" in headers)) headers["content-type"] = "application/json"
      break
    case undefined:
      return Either.left(`"type" is missing (expected "json", "raw", "file" or "arbitrary")`)
    default:
      return Either.left(
        `unknown mock type ${JSON.stringify(desc.type)} (expected "json", "raw", "file" or "arbitrary")`
      )
  }
  return Either.right({ status, headers, delay, body, check: desc.check !== false })
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

const verdicts = new WeakMap<object, { readonly definition: unknown; readonly issue: string | undefined }>()

/** Why the endpoint's Schemas do not describe this answer (remembered for a description used again). */
const schemaIssue = (
  desc: unknown,
  session: Session.Session,
  status: number,
  headers: Record<string, string>,
  bytes: Uint8Array
): string | undefined => {
  const definition = session.definition
  const cacheable = typeof desc === "object" && desc !== null && (desc as { type?: unknown }).type !== "file"
  if (cacheable) {
    const known = verdicts.get(desc)
    if (known !== undefined && known.definition === definition) return known.issue
  }
  const data = parseBody(bytes, headers["content-type"])
  const issue = data === NotJson ? undefined : issueOf(definition, status, data, session.redaction)
  if (cacheable) verdicts.set(desc, { definition, issue })
  return issue
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
        for (const source of registry.sources) {
          const found = source(session)
          if (found === undefined) continue
          return "miss" in found ? Effect.fail(noMock(session, found.miss)) : Effect.succeed(found)
        }
        return mock === undefined
          ? Effect.fail(noMock(session, "the endpoint has no mock description and no Mock.use or Mock.patch matches"))
          : Effect.succeed({ desc: mock, source: "the endpoint's mock" })
      }
      if (override._tag === "Patch") {
        const desc = { ...mock, ...override.patch }
        return Effect.succeed({ desc, source: "the endpoint's mock patched by Mock.patch" })
      }
      return Deadline.bound(override.handler(request), session).pipe(
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
          ? Deadline.bound(bodyOf(session), session)
          : bodyOf(session))
        const request = new RecordedRequest(session, body, body !== session.body)
        registry.record(request)
        // `chaos: false` (a setting while the client has the Chaos plugin) keeps Mock.chaos away too
        const faults = registry.faults.length === 0 || Chaos.setting.get(session) === false ? [] : registry.faults
        for (const injector of faults) {
          const d = yield* injector.decide(session)
          if (d.delay !== undefined) yield* Deadline.sleep(session, d.delay)
          if (d.fail) return yield* Chaos.failure(session)
          if (d.status !== undefined) {
            const headers: Record<string, string> = { "x-chaos": "injected" }
            if (injector.retryAfter !== undefined) headers["retry-after"] = injector.retryAfter
            return response(session, d.status, headers, empty)
          }
        }
        const { desc, source } = yield* answer(session, request)
        const checked = check(desc)
        if (Either.isLeft(checked)) return yield* noMock(session, `${source} is invalid: ${checked.left}`)
        const { delay, headers, status } = checked.right
        if (delay !== undefined) yield* Deadline.sleep(session, delay)
        const target = checked.right.body
        let bytes: Uint8Array
        if (target instanceof Uint8Array) bytes = target
        else if ("file" in target) {
          bytes = yield* Effect.mapError(
            Deadline.bound(fs.readFile(target.file), session),
            (e) => noMock(session, `cannot read the file "${target.file}" of ${source}: ${e.message}`)
          )
        } else {
          const seed = target.arbitrary ?? (yield* session.random.nextIntBetween(0, 2 ** 31 - 1))
          const generated = generate(session.definition, seed)
          if (Either.isLeft(generated)) {
            return yield* noMock(session, `${source} (arbitrary, seed ${seed}): ${generated.left}`)
          }
          return response(session, status, headers, encoder.encode(JSON.stringify(generated.right)))
        }
        if (checked.right.check) {
          const issue = schemaIssue(desc, session, status, headers, bytes)
          if (issue !== undefined) {
            return yield* noMock(
              session,
              `${source} answers what ${session.service}.${session.endpoint} could not: ${issue} (check: false on the mock allows it)`
            )
          }
        }
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
