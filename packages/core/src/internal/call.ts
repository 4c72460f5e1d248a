/**
 * The call pipeline of one endpoint, compiled once when the client is built: hook lists
 * per stage, the path template, the Schemas' encoders and decoders. A call then does only
 * per-call work.
 *
 * @internal
 */
import {
  type Cause,
  Clock,
  Context,
  type DefaultServices,
  Effect,
  Either,
  FiberRef,
  type LogLevel,
  ParseResult,
  Predicate,
  Random,
  Schema,
  Stream
} from "effect"
import * as Deadline from "../Deadline.js"
import * as Endpoint from "../Endpoint.js"
import {
  type CallError,
  ClientClosed,
  excerpt,
  InputError,
  ParseError,
  type RequestError,
  ResponseError,
  withRedaction
} from "../Errors.js"
import * as EventStream from "../EventStream.js"
import type * as Parser from "../Parser.js"
import type * as Plugin from "../Plugin.js"
import * as Redact from "../Redact.js"
import type * as Serializer from "../Serializer.js"
import type { ServiceResponse } from "../ServiceResponse.js"
import type { RequestBody, Session } from "../Session.js"
import type * as Transport from "../Transport.js"
import { checkHeader, lowerCaseNames } from "./headers.js"
import * as Issue from "./issue.js"
import { hint } from "./knownSettings.js"
import { noSettings } from "./noSettings.js"
import { fill, join } from "./path.js"
import { encodeQuery, type QueryValue } from "./query.js"
import { isPlainRecord, isRecord } from "./record.js"
import * as Redirect from "./redirect.js"
import { type Next, region, run as runRegion } from "./region.js"
import * as Settings from "./settings.js"
import * as Thrown from "./thrown.js"
import { version } from "./version.js"

/** @internal */
export interface ClientContext {
  readonly service: string
  readonly baseUrl: string
  readonly transport: Transport.Service
  readonly serializer: Serializer.Service
  readonly parser: Parser.Service
  readonly plugins: ReadonlyArray<Plugin.Plugin<CallError>>
  readonly maxResponseBytes: number | undefined
  /** The client's redirect policy, and the most hops it follows. */
  readonly redirect: Redirect.Policy
  readonly maxRedirects: number
  readonly redaction: Redact.Redaction
  readonly state: { closed: boolean }
}

const emptyObject: Readonly<Record<string, never>> = Object.freeze({})

let lastServices: Context.Context<DefaultServices.DefaultServices> | undefined
let lastRandom: Random.Random | undefined

class SessionImpl implements Session {
  readonly attributes: Record<string, unknown> = {}
  path = ""
  url = ""
  payload: unknown = undefined
  body: RequestBody = undefined
  deadline: Deadline.Deadline | undefined = undefined
  callSettings: Readonly<Record<string, unknown>> = noSettings
  readonly clock: Clock.Clock
  constructor(
    readonly service: string,
    readonly endpoint: string,
    readonly definition: Endpoint.Any,
    readonly input: Readonly<Record<string, unknown>>,
    readonly method: Endpoint.Method,
    readonly services: Context.Context<DefaultServices.DefaultServices>,
    readonly minimumLogLevel: LogLevel.LogLevel,
    readonly settings: Readonly<Record<string, unknown>>,
    public pathTokens: Record<string, unknown>,
    public query: Record<string, QueryValue>,
    public headers: Record<string, string | null>,
    readonly redaction: Redact.Redaction
  ) {
    this.clock = Context.get(services, Clock.Clock)
  }
  get random(): Random.Random {
    // the calls of a program nearly always share one Context of default services
    const services = this.services
    if (services !== lastServices) {
      lastRandom = Context.get(services, Random.Random)
      lastServices = services
    }
    return lastRandom!
  }
}

const noCookies: ReadonlyArray<string> = Object.freeze([])

class ResponseImpl implements ServiceResponse {
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly url: string
  readonly attributes: Record<string, unknown>
  body: Uint8Array | undefined = undefined
  stream: Stream.Stream<Uint8Array, RequestError> | undefined = undefined
  data: unknown = undefined
  /** The codings the transport left on the body. */
  encoded: Transport.Response["encoded"] = undefined
  setCookie: ReadonlyArray<string> = noCookies
  constructor(session: Session, readonly status: number, readonly headers: Readonly<Record<string, string>>) {
    this.service = session.service
    this.endpoint = session.endpoint
    this.method = session.method
    this.url = session.url
    this.attributes = session.attributes
  }
}

/** The default `User-Agent`. @internal */
export const userAgent = `effect-service-client/${version}`

/** A content coding named by a server, for a message: quoted, escaped, bounded. */
const showCoding = (coding: string): string => JSON.stringify(coding.length > 40 ? `${coding.slice(0, 40)}…` : coding)

/**
 * A body's Content-Type when neither the call, the serializer nor a plugin set one (in any
 * case): what @effect/platform's `HttpBody` gives the body as it is sent (text, or bytes
 * and streams: compressed text is bytes), so that every transport sends the same.
 */
const setContentType = (headers: Record<string, string | null>, body: RequestBody) => {
  if ("content-type" in headers) return
  for (const name in headers) if (name.length === 12 && name.toLowerCase() === "content-type") return
  headers["content-type"] = typeof body === "string" ? "text/plain" : "application/octet-stream"
}

/**
 * Runs the hooks one after another. A hook that answers `Effect.void` (its work was done
 * when it was called) is passed over without a trip through the runtime.
 */
const runHooks = (
  hooks: ReadonlyArray<Plugin.SessionHook<CallError>>,
  session: Session,
  from = 0
): Effect.Effect<void, CallError> => {
  for (let i = from; i < hooks.length; i++) {
    const effect = hooks[i]!(session)
    if (effect !== Effect.void) {
      return i === hooks.length - 1 ? effect : Effect.flatMap(effect, () => runHooks(hooks, session, i + 1))
    }
  }
  return Effect.void
}

const runResponseHooks = (
  hooks: ReadonlyArray<Plugin.ResponseHook<CallError>>,
  session: Session,
  response: ServiceResponse,
  from = 0
): Effect.Effect<void, CallError> => {
  for (let i = from; i < hooks.length; i++) {
    const effect = hooks[i]!(session, response)
    if (effect !== Effect.void) {
      return i === hooks.length - 1
        ? effect
        : Effect.flatMap(effect, () => runResponseHooks(hooks, session, response, i + 1))
    }
  }
  return Effect.void
}

/** `effect`, then `value`: one step when `effect` is `Effect.void`. */
const thenSucceed = <A, E>(effect: Effect.Effect<void, E>, value: A): Effect.Effect<A, E> =>
  effect === Effect.void ? Effect.succeed(value) : Effect.as(effect, value)

/** Runs `run(0)`, `run(1)`... in order, like `runHooks` (for the rarer error hooks). */
const runEach = <E>(n: number, run: (i: number) => Effect.Effect<void, E>, from = 0): Effect.Effect<void, E> => {
  for (let i = from; i < n; i++) {
    const effect = run(i)
    if (effect !== Effect.void) return i === n - 1 ? effect : Effect.flatMap(effect, () => runEach(n, run, i + 1))
  }
  return Effect.void
}

const collectHooks = <K extends keyof Plugin.Hooks<CallError>>(
  plugins: ReadonlyArray<Plugin.Plugin<CallError>>,
  key: K
) => plugins.flatMap((p) => (p[key] === undefined ? [] : [p[key]!])) as Array<NonNullable<Plugin.Hooks<CallError>[K]>>

// The hooks that run inside the send, of a plugin that does not say its waits end at the
// session's deadline: bounded by it (a fiber per call, only while a deadline is set).
const boundSessionHook = (hook: Plugin.SessionHook<CallError>): Plugin.SessionHook<CallError> => (session) =>
  session.deadline === undefined ? hook(session) : Deadline.bound(hook(session), session)

const boundResponseHook =
  (hook: Plugin.ResponseHook<CallError>): Plugin.ResponseHook<CallError> => (session, response) =>
    session.deadline === undefined ? hook(session, response) : Deadline.bound(hook(session, response), session)

type AroundSend = NonNullable<Plugin.Hooks<CallError>["aroundSend"]>
type EnterSend = NonNullable<Plugin.Hooks<CallError>["enterSend"]>

// called when the send runs (inside the outer wrappers): the deadline is known by then
const boundAroundSend = (hook: AroundSend): AroundSend => (session, send) =>
  session.deadline === undefined ? hook(session, send) : Deadline.bound(hook(session, send), session)

const boundEnterSend = (hook: EnterSend): EnterSend => (session) => {
  const entered = hook(session)
  return session.deadline !== undefined && Effect.isEffect(entered) ? Deadline.bound(entered, session) : entered
}

/**
 * The wrappers of the send in plugin order (the first outermost): an `aroundSend` hook,
 * or a run of adjacent `enterSend` hooks fused into one region. A plugin's `aroundSend`
 * wraps its own `enterSend`.
 */
const sendWrappers = (plugins: ReadonlyArray<Plugin.Plugin<CallError>>) => {
  const wrappers: Array<{ readonly around: AroundSend } | { readonly enters: Array<EnterSend> }> = []
  for (const p of plugins) {
    if (p.aroundSend !== undefined) {
      wrappers.push({ around: p.honoursDeadline === true ? p.aroundSend : boundAroundSend(p.aroundSend) })
    }
    if (p.enterSend !== undefined) {
      const enter = p.honoursDeadline === true ? p.enterSend : boundEnterSend(p.enterSend)
      const last = wrappers[wrappers.length - 1]
      if (last !== undefined && "enters" in last) last.enters.push(enter)
      else wrappers.push({ enters: [enter] })
    }
  }
  return wrappers
}

/**
 * The send with its wrappers, but for an outermost run of `enterSend` hooks: that region
 * is left out (`outer`), for the core to run with its own continuation after the send.
 */
const wrapSend = (
  plugins: ReadonlyArray<Plugin.Plugin<CallError>>,
  exchange: Next
): { readonly outer: ReadonlyArray<EnterSend> | undefined; readonly inner: Next } => {
  const wrappers = sendWrappers(plugins)
  const first = wrappers[0]
  const outer = first !== undefined && "enters" in first ? first.enters : undefined
  let next = exchange
  for (let i = wrappers.length - 1; i >= (outer === undefined ? 0 : 1); i--) {
    const w = wrappers[i]!
    if ("enters" in w) next = region(w.enters, next)
    else {
      const inner = next
      next = (session) => w.around(session, Effect.suspend(() => inner(session)))
    }
  }
  return { outer, inner: next }
}

const inSendHooks = <K extends "onSend" | "onResponse" | "onRead">(
  plugins: ReadonlyArray<Plugin.Plugin<CallError>>,
  key: K,
  bound: (hook: NonNullable<Plugin.Hooks<CallError>[K]>) => NonNullable<Plugin.Hooks<CallError>[K]>
) =>
  plugins.flatMap((p) => {
    const hook = p[key] as NonNullable<Plugin.Hooks<CallError>[K]> | undefined
    return hook === undefined ? [] : [p.honoursDeadline === true ? hook : bound(hook)]
  })

const errorDecoders = (error: Endpoint.Options["error"]) => {
  if (error === undefined) return () => undefined
  if (Schema.isSchema(error)) {
    const decode = Schema.decodeUnknownEither(error)
    return () => decode
  }
  const byStatus = new Map<number, ReturnType<typeof Schema.decodeUnknownEither>>()
  for (const [status, schema] of Object.entries(error)) byStatus.set(Number(status), Schema.decodeUnknownEither(schema))
  return (status: number) => byStatus.get(status)
}

/** Turns a request model's instance or plain fields into the plain call input. */
const modelInput = (model: Endpoint.InputModel) => {
  const encodeInstance = Schema.encodeEither(model)
  const encodeFields = Schema.encodeUnknownEither(
    Schema.Struct(model.fields) as unknown as Schema.Schema<unknown, unknown>,
    {
      onExcessProperty: "error"
    }
  )
  return (raw: unknown): Either.Either<unknown, ParseResult.ParseError> =>
    raw instanceof model ? encodeInstance(raw) : encodeFields(raw === undefined ? {} : raw)
}

/**
 * Compiles one endpoint's call: `(input) => Effect<ServiceResponse, CallError>`.
 *
 * @internal
 */
export const compile = (ctx: ClientContext, name: string, endpoint: Endpoint.Any, settings: Settings.Compiled) => {
  const { parser, serializer, service, transport } = ctx
  const hooks = {
    prepareSession: collectHooks(ctx.plugins, "prepareSession"),
    preparePath: collectHooks(ctx.plugins, "preparePath"),
    prepareRequest: collectHooks(ctx.plugins, "prepareRequest"),
    preparePayload: collectHooks(ctx.plugins, "preparePayload"),
    beforeRequest: collectHooks(ctx.plugins, "beforeRequest"),
    onSend: inSendHooks(ctx.plugins, "onSend", boundSessionHook),
    onResponse: inSendHooks(ctx.plugins, "onResponse", boundResponseHook),
    onException: collectHooks(ctx.plugins, "onException"),
    onRead: inSendHooks(ctx.plugins, "onRead", boundResponseHook),
    onParsedResponse: collectHooks(ctx.plugins, "onParsedResponse"),
    onParseException: collectHooks(ctx.plugins, "onParseException")
  }
  const template = endpoint.template
  const allowedKeys = new Set<string>([...template.tokens, ...Endpoint.reservedInputKeys, ...settings.call.keys()])
  const expectedKeys = [...allowedKeys].join(", ")
  const endpointSettings = settings.endpoint
  const shortToken = template.tokens.length === 1 && endpoint.input === undefined ? template.tokens[0] : undefined
  const callSettings = settings.call.size === 0 ? undefined : settings
  const callKeys = settings.call
  const encodePayload = endpoint.payload === undefined ? undefined : Schema.encodeUnknownEither(endpoint.payload)
  const encodeQuerySchema = endpoint.querySchema === undefined
    ? undefined
    : Schema.encodeUnknownEither(endpoint.querySchema)
  const encodeHeaders = endpoint.headersSchema === undefined
    ? undefined
    : Schema.encodeUnknownEither(endpoint.headersSchema)
  const toInput = endpoint.input === undefined ? undefined : modelInput(endpoint.input)
  const decodeSuccess = endpoint.success === undefined ? undefined : Schema.decodeUnknownEither(endpoint.success)
  const decoderFor = errorDecoders(endpoint.error)
  // one Schema per status: a declared status's body must match it (its type is exact)
  const strictErrors = endpoint.error !== undefined && !Schema.isSchema(endpoint.error)
  const endpointHeaders = endpoint.headers === undefined ? undefined : lowerCaseNames(endpoint.headers)
  const endpointQuery = endpoint.query
  const endpointTokens = endpoint.pathTokens
  const endpointRedirect = endpoint.redirect
  const maxBytes = endpoint.maxResponseBytes ?? ctx.maxResponseBytes
  const streamRequest = endpoint.streamRequest === true
  const compressRequest = endpoint.compressRequest
  const streamResponse = endpoint.streamResponse === true
  const bodyless = endpoint.method === "GET" || endpoint.method === "HEAD"
  const events = streamResponse ? endpoint.events : undefined
  const accept = events === "sse"
    ? "text/event-stream"
    : events === "ndjson"
    ? "application/x-ndjson"
    : parser.accept ?? "*/*"
  const acceptEncoding = transport.acceptEncoding

  const inputError = (reason: string, key?: string, cause?: unknown) =>
    new InputError({ service, endpoint: name, reason, key, cause })
  // a getter or a Proxy trap of the input (or of an endpoint's defaults) that throws while it is read
  const unreadable = (e: unknown) => inputError(`the input could not be read: ${Thrown.shown(e)}`, undefined, e)
  const readsInput = (stage: (session: Session) => Effect.Effect<void, CallError>) => (session: Session) => {
    try {
      return stage(session)
    } catch (e) {
      return Effect.fail(unreadable(e))
    }
  }

  const prepare = (
    given: unknown,
    services: Context.Context<DefaultServices.DefaultServices>,
    minimumLogLevel: LogLevel.LogLevel
  ): Either.Either<SessionImpl, InputError> => {
    let raw = given
    if (toInput !== undefined) {
      const r = toInput(raw)
      if (Either.isLeft(r)) {
        const key = ParseResult.ArrayFormatter.formatErrorSync(r.left)[0]?.path[0]
        const shown = Issue.redacted(toInput, raw, r.left, ctx.redaction)
        return Either.left(inputError(shown.message, key === undefined ? undefined : String(key), shown.issue))
      }
      raw = r.right
    }
    // the shortest call: the value of the endpoint's only path token
    if (shortToken !== undefined && (typeof raw === "string" || typeof raw === "number")) raw = { [shortToken]: raw }
    const input = raw === undefined ? emptyObject : raw
    if (!isRecord(input)) return Either.left(inputError(`the input must be an object, got ${typeof raw}`))
    // a call-input key of a plugin given? (most calls give none: nothing to decode)
    let givesSettings = false
    for (const key in input) {
      if (!allowedKeys.has(key)) {
        const plugin = hint(key, "call")
        return Either.left(
          inputError(
            plugin === undefined
              ? `unknown input key (expected one of ${expectedKeys})`
              : `no plugin of this client reads it: ${plugin}`,
            key
          )
        )
      }
      if (callSettings !== undefined && !givesSettings && callKeys.has(key)) givesSettings = true
    }
    let fromCall: Readonly<Record<string, unknown>> | undefined
    if (callSettings !== undefined && givesSettings) {
      const r = Settings.decodeCall(callSettings, input, service, name, ctx.redaction)
      if (Either.isLeft(r)) return Either.left(r.left)
      fromCall = r.right
    }
    const tokens: Record<string, unknown> = endpointTokens === undefined ? {} : { ...endpointTokens }
    for (const token of template.tokens) {
      // own keys only: a token named like an Object.prototype member is not inherited
      if (Object.hasOwn(input, token) && input[token] !== undefined) {
        if (token === "__proto__") {
          Object.defineProperty(tokens, token, { value: input[token], enumerable: true, writable: true })
        } else tokens[token] = input[token]
      }
    }
    if (input.redirect !== undefined && !Redirect.policies.includes(input.redirect as Redirect.Policy)) {
      return Either.left(inputError(`expected one of ${Redirect.policies.join(", ")}`, "redirect"))
    }
    let query = input.query
    if (encodeQuerySchema !== undefined) {
      const r = encodeQuerySchema(query ?? {})
      if (Either.isLeft(r)) {
        const shown = Issue.redacted(encodeQuerySchema, query ?? {}, r.left, ctx.redaction)
        return Either.left(inputError(shown.message, "query", shown.issue))
      }
      query = r.right
    }
    if (query !== undefined && !isPlainRecord(query)) {
      return Either.left(inputError("the query must be a record", "query"))
    }
    let headers = input.headers
    if (encodeHeaders !== undefined) {
      const r = encodeHeaders(headers ?? {})
      if (Either.isLeft(r)) {
        const shown = Issue.redacted(encodeHeaders, headers ?? {}, r.left, ctx.redaction)
        return Either.left(inputError(shown.message, "headers", shown.issue))
      }
      headers = r.right
    }
    if (headers !== undefined && !isPlainRecord(headers)) {
      return Either.left(inputError("the headers must be a record", "headers"))
    }
    let payload = input.payload
    if (encodePayload !== undefined) {
      const r = encodePayload(payload)
      if (Either.isLeft(r)) {
        const shown = Issue.redacted(encodePayload, payload, r.left, ctx.redaction)
        return Either.left(inputError(shown.message, "payload", shown.issue))
      }
      payload = r.right
    }
    if (payload !== undefined && bodyless) {
      return Either.left(inputError(`a ${endpoint.method} request carries no payload`, "payload"))
    }
    const session = new SessionImpl(
      service,
      name,
      endpoint,
      input,
      endpoint.method,
      services,
      minimumLogLevel,
      endpointSettings,
      tokens,
      endpointQuery === undefined
        ? (query === undefined ? {} : { ...query as Record<string, QueryValue> })
        : { ...endpointQuery, ...query as Record<string, QueryValue> | undefined },
      headers === undefined
        ? (endpointHeaders === undefined ? {} : { ...endpointHeaders })
        : lowerCaseNames(headers as Record<string, string | null>, { ...endpointHeaders }),
      ctx.redaction
    )
    session.payload = payload
    if (fromCall !== undefined) session.callSettings = fromCall
    return Either.right(session)
  }

  const buildPath = (session: Session): Effect.Effect<void, InputError> => {
    const path = fill(template, session.pathTokens)
    if (typeof path !== "string") return Effect.fail(inputError(path.reason, path.key))
    session.path = path
    return Effect.void
  }

  const buildRequest = (session: Session): Effect.Effect<void, InputError> => {
    const headers = session.headers
    // the core's defaults, below the endpoint's, the plugins' and the call's (a `null` there removes one)
    if (!("user-agent" in headers)) headers["user-agent"] = userAgent
    if (!("accept" in headers)) headers.accept = accept
    if (acceptEncoding !== undefined && !("accept-encoding" in headers)) headers["accept-encoding"] = acceptEncoding
    for (const header in headers) {
      const value = headers[header]
      if (value === null || value === undefined) {
        delete headers[header]
        continue
      }
      const reason = checkHeader(header, value)
      if (reason !== undefined) return Effect.fail(inputError(reason, "headers"))
    }
    const query = encodeQuery(session.query)
    if (typeof query !== "string") return Effect.fail(inputError(query.reason, `query.${query.key}`))
    const url = join(ctx.baseUrl, session.path)
    session.url = query.length === 0 ? url : `${url}?${query}`
    return Effect.void
  }

  const serialize = (session: Session): Effect.Effect<void, InputError> => {
    const payload = session.payload
    if (payload === undefined) return Effect.void
    if (streamRequest) {
      if (typeof payload !== "string" && !(payload instanceof Uint8Array) && !isStream(payload)) {
        return Effect.fail(
          inputError("a streamRequest payload must be a Stream of bytes, bytes or a string", "payload")
        )
      }
      session.body = payload as RequestBody
      return compressRequest === undefined ? Effect.void : compress(session, compressRequest)
    }
    let contentType = serializer.contentType
    try {
      const serialized = serializer.serialize(payload)
      if (typeof serialized === "string" || serialized instanceof Uint8Array) session.body = serialized
      else {
        session.body = serialized.body
        contentType = serialized.contentType
      }
    } catch (e) {
      return Effect.fail(inputError(`cannot be serialized as ${serializer.name}: ${Thrown.message(e)}`, "payload", e))
    }
    if (contentType !== undefined && !("content-type" in session.headers)) {
      session.headers["content-type"] = contentType
    }
    return compressRequest === undefined ? Effect.void : compress(session, compressRequest)
  }

  // called when the send runs, after the wrappers (aroundSend hooks...) changed the session
  const onSend = hooks.onSend
  const toTransport = (session: Session) => {
    if (session.body !== undefined) setContentType(session.headers, session.body)
    return transport.send(session)
  }
  const transportSend = onSend.length === 0
    ? toTransport
    : (session: Session) => {
      const sent = runHooks(onSend, session)
      return sent === Effect.void
        ? toTransport(session)
        : Effect.zipRight(sent, Effect.suspend(() => toTransport(session)))
    }

  const { onRead, onResponse } = hooks
  const redirectPolicy = (session: Session): Redirect.Policy =>
    (session.input.redirect as Redirect.Policy | undefined) ?? endpointRedirect ?? ctx.redirect

  const exchangeRaw = (session: Session): Plugin.Send =>
    Effect.flatMap(transportSend(session), (raw) => {
      if (raw.status < 300 || raw.status >= 400 || !Redirect.isRedirect(raw)) return received(session, session, raw)
      const policy = redirectPolicy(session)
      if (policy === "manual") return received(session, session, raw)
      return Effect.flatMap(
        Redirect.follow(session, raw, policy, ctx.maxRedirects, (hop) => transport.send(hop)),
        (last) => received(session, last.request, last.raw)
      )
    })

  // the response to `request` (the call's session, or its last redirect hop)
  const received = (session: Session, request: Session, raw: Transport.Response): Plugin.Send => {
    const response = new ResponseImpl(request, raw.status, raw.headers)
    if (raw.encoded !== undefined) response.encoded = raw.encoded
    const setCookie = raw.headers["set-cookie"]
    if (setCookie !== undefined) response.setCookie = raw.setCookie ?? [setCookie]
    const hooked = runResponseHooks(onResponse, session, response)
    if (streamResponse && raw.status >= 200 && raw.status < 300) {
      response.stream = raw.stream
      return thenSucceed(hooked, response)
    }
    // the read starts when `raw.read` is called: after the onResponse hooks. A response
    // that has no body by definition (HEAD, 1xx, 204, 304) is read without a limit,
    // whatever its Content-Length says (it is the resource's, not this message's)
    // (undici even fails a 204 or 304 whose Content-Length is not 0: its body is not read, but cancelled)
    const bodiless = isBodiless(request.method, raw.status)
    const body = bodiless ? (request.method === "HEAD" ? raw.read(undefined) : emptyBody(raw)) : raw.read(maxBytes)
    const read = (): Plugin.Send =>
      onRead.length === 0
        ? Effect.flatMap(body, (body) => {
          response.body = body
          return Effect.succeed(response as ServiceResponse)
        })
        : Effect.flatMap(body, (body) => {
          response.body = body
          return thenSucceed(runResponseHooks(onRead, session, response), response)
        })
    if (hooked === Effect.void) return read()
    // a failed onResponse hook leaves the body unread: cancel it (the request is aborted)
    return Effect.zipRight(Effect.tapErrorCause(hooked, () => discard(raw)), Effect.suspend(read))
  }

  // a transport that does not end its own waits at the deadline is bounded by the core
  const exchange: Next = transport.honoursDeadline === true ?
    exchangeRaw :
    (session) => session.deadline === undefined ? exchangeRaw(session) : Deadline.bound(exchangeRaw(session), session)

  // built when the send starts: every stage before it is over
  const { inner: send, outer: outerRegion } = wrapSend(ctx.plugins, exchange)

  // the send's failure goes through the onException hooks, then is raised again
  const onException = hooks.onException
  const sendFailed = (session: Session, error: CallError): Effect.Effect<never, CallError> => {
    const seen = runEach(onException.length, (i) => onException[i]!(session, error))
    return seen === Effect.void ? Effect.fail(error) : Effect.zipRight(seen, Effect.fail(error))
  }

  const parseFailure = (session: Session, response: ResponseImpl, reason: string, cause: unknown) => {
    const error = new ParseError({
      service,
      endpoint: name,
      method: response.method,
      url: Redact.url(response.url, ctx.redaction),
      status: response.status,
      reason,
      excerpt: Redact.text(excerpt(response.body), ctx.redaction),
      cause
    })
    return hooks.onParseException.length === 0
      ? Effect.fail(error)
      : Effect.zipRight(
        runEach(hooks.onParseException.length, (i) => hooks.onParseException[i]!(session, error)),
        Effect.fail(error)
      )
  }

  // an event stream's decoder; an SSE one calls the endpoint again (Last-Event-ID) to resume
  const eventStream = (session: Session, bytes: Stream.Stream<Uint8Array, RequestError>) =>
    EventStream.decode(bytes, {
      service,
      endpoint: name,
      format: events!,
      schema: endpoint.success,
      maxEventBytes: endpoint.maxEventBytes ?? EventStream.defaultMaxEventBytes,
      redaction: ctx.redaction,
      reconnect: (lastEventId) => {
        const given = session.input
        const headers = isRecord(given.headers) ? given.headers : {}
        const input = lastEventId === undefined
          ? given
          : { ...given, headers: { ...headers, "last-event-id": lastEventId } }
        return Effect.map(
          run(input, false) as Effect.Effect<ServiceResponse, CallError>,
          (response) => (response.status === 204 ? undefined : response.stream)
        )
      }
    })

  // answers the response, or only its data (`wantData`: the endpoint's method, one step fewer than mapping)
  const parse = (session: Session, response: ResponseImpl, wantData: boolean): Effect.Effect<unknown, CallError> => {
    const ok = response.status >= 200 && response.status < 300
    if (ok && response.stream !== undefined) {
      response.data = events === undefined ? response.stream : eventStream(session, response.stream)
      const parsed = runResponseHooks(hooks.onParsedResponse, session, response)
      return thenSucceed(parsed, wantData ? response.data : response)
    }
    const body = response.body!
    let data: unknown = undefined
    if (body.length > 0) {
      const encoded = response.encoded
      if (encoded !== undefined && encoded.reason === "unsupported") {
        if (ok) {
          const codings = encoded.codings.map(showCoding).join(", ")
          return parseFailure(
            session,
            response,
            `the body is encoded with ${codings}, which the transport does not decode`,
            undefined
          )
        }
      } else {
        try {
          data = parser.parse(body, response.headers["content-type"])
        } catch (e) {
          if (ok) {
            const note = encoded === undefined
              ? ""
              : ` (the body is still encoded with ${encoded.codings.map(showCoding).join(", ")}: decoding is off)`
            // a parser's message may quote the body (V8's JSON.parse does)
            const message = Redact.text(Thrown.message(e), ctx.redaction)
            return parseFailure(session, response, `the body is not valid ${parser.name}${note}: ${message}`, undefined)
          }
        }
      }
    }
    if (!ok) {
      const decode = decoderFor(response.status)
      const decoded = decode === undefined || data === undefined ? undefined : decode(data)
      if (strictErrors && decode !== undefined && (decoded === undefined || Either.isLeft(decoded))) {
        if (decoded === undefined) {
          return parseFailure(
            session,
            response,
            `the ${response.status} body is not valid ${parser.name}, and the endpoint declares its error schema`,
            undefined
          )
        }
        const shown = Issue.redacted(decode, data, decoded.left, ctx.redaction)
        return parseFailure(
          session,
          response,
          `the ${response.status} body does not match its error schema: ${shown.message}`,
          shown.issue
        )
      }
      response.data = data
      const error = withRedaction(
        new ResponseError({
          service,
          endpoint: name,
          method: response.method,
          url: Redact.url(response.url, ctx.redaction),
          status: response.status,
          headers: response.headers,
          body,
          error: decoded !== undefined && Either.isRight(decoded) ? decoded.right : undefined,
          attributes: session.attributes
        }),
        ctx.redaction
      )
      return Effect.zipRight(runResponseHooks(hooks.onParsedResponse, session, response), Effect.fail(error))
    }
    if (decodeSuccess !== undefined) {
      const decoded = decodeSuccess(data)
      if (Either.isLeft(decoded)) {
        const shown = Issue.redacted(decodeSuccess, data, decoded.left, ctx.redaction)
        return parseFailure(
          session,
          response,
          `the body does not match the success schema: ${shown.message}`,
          shown.issue
        )
      }
      data = decoded.right
    }
    response.data = data
    return thenSucceed(runResponseHooks(hooks.onParsedResponse, session, response), wantData ? data : response)
  }

  // The stages before the send, resolved once: a stage with no hooks is left out, and a
  // stage that answers `Effect.void` (nothing to wait for) is passed over without a trip
  // through the runtime.
  type Stage = (session: Session) => Effect.Effect<void, CallError>
  const stages: ReadonlyArray<Stage> = [
    ...hooks.prepareSession,
    ...hooks.preparePath,
    readsInput(buildPath),
    ...hooks.prepareRequest,
    readsInput(buildRequest),
    ...hooks.preparePayload,
    readsInput(serialize),
    ...hooks.beforeRequest
  ]
  const runFrom = (session: Session, from: number, wantData: boolean): Effect.Effect<unknown, CallError> => {
    for (let i = from; i < stages.length; i++) {
      const effect = stages[i]!(session)
      if (effect !== Effect.void) return Effect.flatMap(effect, () => runFrom(session, i + 1, wantData))
    }
    // one continuation for both outcomes of the send (a tapError and a flatMap would be two),
    // shared with an outermost region of enterSend hooks
    if (outerRegion !== undefined) return runRegion(outerRegion, send, session, after(session, wantData))
    return onException.length === 0
      ? Effect.flatMap(send(session), (response) => parse(session, response as ResponseImpl, wantData))
      : Effect.matchCauseEffect(send(session), after(session, wantData))
  }

  // what follows the send: a failure goes through the onException hooks (a composite cause
  // the way `catchAll` sees it), a response is parsed
  const after = (session: Session, wantData: boolean) => ({
    onFailure: (cause: Cause.Cause<CallError>): Effect.Effect<unknown, CallError> =>
      onException.length === 0
        ? Effect.failCause(cause)
        : cause._tag === "Fail"
        ? sendFailed(session, cause.error)
        : Effect.catchAll(Effect.failCause(cause), (error) => sendFailed(session, error)),
    onSuccess: (response: ServiceResponse) => parse(session, response as ResponseImpl, wantData)
  })

  const run = (input: unknown, wantData: boolean): Effect.Effect<unknown, CallError> =>
    Effect.withFiberRuntime((fiber) => {
      if (ctx.state.closed) return Effect.fail(new ClientClosed({ service, endpoint: name }))
      let prepared: Either.Either<SessionImpl, InputError>
      try {
        prepared = prepare(input, fiber.currentDefaultServices, fiber.getFiberRef(FiberRef.currentMinimumLogLevel))
      } catch (e) {
        return Effect.fail(unreadable(e))
      }
      if (Either.isLeft(prepared)) return Effect.fail(prepared.left)
      return runFrom(prepared.right, 0, wantData)
    })

  return {
    /** The call, answering the whole `ServiceResponse`. */
    response: (input: unknown) => run(input, false) as Effect.Effect<ServiceResponse, CallError>,
    /** The call, answering the response's data (what an endpoint's method returns). */
    data: (input: unknown) => run(input, true)
  }
}

/** A response without a body whatever its headers say (RFC 9110 §6.4.1). */
const isBodiless = (method: string, status: number): boolean =>
  method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)

const noBytes = new Uint8Array(0)

/** The empty body of a 1xx, 204 or 304: whatever the transport holds is cancelled, never read. */
const emptyBody = (raw: Transport.Response): Effect.Effect<Uint8Array> => Effect.as(discard(raw), noBytes)

/**
 * Compresses the session's body (`compressRequest`): bytes in memory stay bytes (so a 307
 * can resend them), a stream is compressed as it is sent. Sets `Content-Encoding` unless
 * the call set or removed it.
 */
const compress = (session: Session, coding: "gzip" | "deflate"): Effect.Effect<void> => {
  const body = session.body
  if (body === undefined) return Effect.void
  if (!("content-encoding" in session.headers)) session.headers["content-encoding"] = coding
  const compressed = (source: ReadableStream<Uint8Array>) =>
    source.pipeThrough(new CompressionStream(coding) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
  if (typeof body === "string" || body instanceof Uint8Array) {
    return Effect.map(
      Effect.promise(() =>
        new Response(compressed(new Blob([body as BlobPart]).stream() as ReadableStream<Uint8Array>)).arrayBuffer()
      ),
      (buffer) => void (session.body = new Uint8Array(buffer))
    )
  }
  return Effect.map(Stream.toReadableStreamEffect(body as Stream.Stream<Uint8Array, unknown>), (readable) => {
    session.body = Stream.fromReadableStream(() => compressed(readable), (e) => e)
  })
}

/** Cancels a body nobody will read: the transport aborts the request. */
const discard = (raw: Transport.Response): Effect.Effect<void> =>
  Effect.ignore(Stream.runDrain(Stream.interruptWhen(raw.stream, Effect.void)))

const isStream = (u: unknown): boolean => Predicate.hasProperty(u, Stream.StreamTypeId)
