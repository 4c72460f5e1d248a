/**
 * A fast live transport for Node, straight on undici's dispatcher: no fetch `Request`/
 * `Response`, no web streams, no `AbortController` per call. Request bodies (text, bytes,
 * an Effect Stream) and response bodies stream with backpressure; interrupting a call
 * aborts its request (the server sees the connection close); `read(maxBytes)` stops as
 * soon as the body grows past the limit. The undici `Agent` lives as long as the layer's
 * scope.
 *
 * @since 0.1.0
 */
import { Deadline, type RequestError, type TimeoutError, Transport } from "@service-client/core"
import type { Session } from "@service-client/core/Session"
import { Chunk, Config, type ConfigError, Effect, Fiber, Layer, Option, type Runtime, type Scope, Stream } from "effect"
import type { Readable, Transform } from "node:stream"
import type { Dispatcher } from "undici"
import * as Agents from "./internal/agent.js"
import * as Decoder from "./internal/decoder.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Agents.DispatcherOptions {
  /**
   * Bytes of response body buffered while nobody reads it, before the connection is
   * paused (default 65536). A `read` is never paused: `maxBytes` bounds it.
   */
  readonly highWaterMark?: number | undefined
  /**
   * Decode `gzip`, `deflate` and `br` response bodies as they stream, and announce them in
   * `Accept-Encoding` (default `true`). `false`: no `Accept-Encoding` is sent and bodies
   * are handed over as received.
   */
  readonly decompress?: boolean | undefined
  /** Use this dispatcher instead of creating an `Agent` (the layer does not close it). */
  readonly dispatcher?: Dispatcher | undefined
}

type RawHeaders = Array<Buffer | string>

const setCookieOf = (raw: RawHeaders): Array<string> => {
  const values: Array<string> = []
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toString("latin1").toLowerCase() === "set-cookie") values.push(raw[i + 1]!.toString("latin1"))
  }
  return values
}

const parseRawHeaders = (raw: RawHeaders | null): Record<string, string> => {
  const headers: Record<string, string> = {}
  if (raw === null) return headers
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString("latin1").toLowerCase()
    const value = raw[i + 1]!.toString("latin1")
    const prev = headers[name]
    headers[name] = prev === undefined ? value : `${prev}, ${value}`
  }
  return headers
}

const emptyBody = new Uint8Array(0)

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array =>
  chunks.length === 0 ? emptyBody : Transport.concat(chunks, size)

const enum State {
  Pending,
  Headers,
  Done,
  Failed
}

/**
 * One request: the undici handler and the response it answers. A call's Effects
 * (send, read, stream) wait on it with at most one waiter at a time.
 */
class Exchange implements Dispatcher.DispatchHandler {
  state = State.Pending
  abortFn: ((reason?: Error) => void) | undefined = undefined
  cancelled: Error | undefined = undefined
  resumeFn: (() => void) | undefined = undefined
  paused = false
  status = 0
  headers: Record<string, string> = {}
  /** Each Set-Cookie header, when there is one (`headers` joins them). */
  setCookie: Array<string> | undefined = undefined
  chunks: Array<Uint8Array> = []
  size = 0
  error: RequestError | TimeoutError | undefined = undefined
  /**
   * The call's deadline (live Clock, ms) while the exchange is listed in its transport's
   * `Deadlines`: until the body is read or handed over as a stream.
   */
  at = 0
  deadlines: Deadlines | undefined = undefined
  /** Neighbours in the `Deadlines` list (earlier, later). */
  prev: Exchange | undefined = undefined
  next: Exchange | undefined = undefined
  /** A deadline under another Clock (TestClock): `read` is bounded the generic way. */
  clockBound = false
  /** The content codings left on the body (not decoded), if any. */
  encoded: Transport.Response["encoded"] = undefined
  /** The decoders of an encoded body, the first fed by the wire, the last feeding `push`. */
  decoders: Array<Transform> | undefined = undefined
  /** Encoded bytes received (a decoded body's wire size). */
  wireSize = 0
  /** The wire is paused because the first decoder is full. */
  wirePaused = false
  /** Set while a `read` waits: the body size it allows. */
  readLimit: number | undefined = undefined
  reading = false
  onHead: ((effect: Effect.Effect<Transport.Response, RequestError | TimeoutError>) => void) | undefined
  wake: (() => void) | undefined = undefined
  /**
   * The fiber that sent the request, watched until the exchange is over: if it ends first
   * (it was interrupted), the request is aborted. One observer per call instead of an
   * interruption finalizer around each wait (that costs ~7 runtime steps per call).
   */
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined = undefined
  readonly onFiberEnd = (): void => {
    this.fiber = undefined
    if (!this.finished) {
      this.onHead = undefined
      this.wake = undefined
      this.abort(interrupted())
    }
  }

  constructor(
    readonly session: Session,
    readonly highWaterMark: number,
    readonly decompress: boolean,
    onHead: Exchange["onHead"]
  ) {
    this.onHead = onHead
  }

  read(maxBytes: number | undefined): Effect.Effect<Uint8Array, RequestError | TimeoutError> {
    return readBody(this, maxBytes)
  }

  watch(fiber: Fiber.RuntimeFiber<unknown, unknown>): void {
    this.fiber = fiber
    fiber.addObserver(this.onFiberEnd)
  }

  get stream(): Transport.Response["stream"] {
    // a streamed body is read after the send is over: the deadline does not bound it
    this.disarm()
    return streamBody(this)
  }

  // undici handler (the dispatcher's native interface: no wrapping per call)

  onConnect(abort: (err?: Error) => void): void {
    if (this.cancelled !== undefined) abort(this.cancelled)
    else this.abortFn = abort
  }

  onHeaders(statusCode: number, rawHeaders: RawHeaders, resume: () => void): boolean {
    if (statusCode < 200) return true
    this.status = statusCode
    this.headers = parseRawHeaders(rawHeaders)
    if (this.headers["set-cookie"] !== undefined) this.setCookie = setCookieOf(rawHeaders)
    this.resumeFn = resume
    this.state = State.Headers
    const encoding = this.headers["content-encoding"]
    if (encoding !== undefined) this.encoding(encoding)
    const onHead = this.onHead
    this.onHead = undefined
    onHead?.(Effect.succeed(this))
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.encoded === undefined && this.decoders !== undefined) return this.decode(chunk)
    return this.push(chunk)
  }

  /** A chunk of the body as the caller sees it (decoded): counted, capped, buffered. */
  push(chunk: Buffer): boolean {
    this.size += chunk.length
    if (this.reading && this.readLimit !== undefined && this.size > this.readLimit) {
      this.fail(Transport.tooLarge(this.session, this.readLimit))
      this.abort(new Error("response body too large"))
      return false
    }
    this.chunks.push(chunk)
    this.notify()
    if (!this.reading && this.size > this.highWaterMark) {
      this.paused = true
      return false
    }
    return true
  }

  onComplete(): void {
    if (this.state === State.Failed) return
    const decoders = this.decoders
    if (decoders !== undefined && this.encoded === undefined) {
      // the decoders end the body once they have flushed (an empty body has nothing to decode)
      if (this.wireSize > 0) return void decoders[0]!.end()
      this.dropDecoders()
    }
    this.disarm()
    this.state = State.Done
    this.notify()
  }

  onError(err: Error): void {
    if (this.finished) return
    this.dropDecoders()
    this.disarm()
    this.state = State.Failed
    this.error = Transport.requestError(
      this.session,
      this.cancelled ?? err,
      "Transport",
      (this.cancelled ?? err).message
    )
    const onHead = this.onHead
    this.onHead = undefined
    if (onHead !== undefined) onHead(Effect.fail(this.error))
    else this.notify()
  }

  // decoding

  /** Reads `Content-Encoding`: decoders for known codings, `encoded` otherwise. */
  encoding(header: string): void {
    const applied = Decoder.codings(header)
    if (applied.length === 0) return
    if (!this.decompress) this.encoded = { codings: applied, reason: "off" }
    else if (!applied.every(Decoder.isKnown)) this.encoded = { codings: applied, reason: "unsupported" }
    else this.decoders = []
  }

  decode(chunk: Buffer): boolean {
    this.wireSize += chunk.length
    let decoders = this.decoders!
    if (decoders.length === 0) decoders = this.startDecoders(chunk[0]!)
    if (decoders[0]!.write(chunk)) return true
    this.wirePaused = true
    return false
  }

  startDecoders(firstByte: number): Array<Transform> {
    const decoders = Decoder.make(Decoder.codings(this.headers["content-encoding"]!), firstByte)
    this.decoders = decoders
    for (let i = 0; i < decoders.length - 1; i++) decoders[i]!.pipe(decoders[i + 1]!)
    const last = decoders[decoders.length - 1]!
    decoders[0]!.on("drain", () => {
      if (this.wirePaused) {
        this.wirePaused = false
        this.resumeFn?.()
      }
    })
    for (const d of decoders) {
      d.on("error", (e: Error) => {
        if (this.finished) return
        this.fail(
          Transport.requestError(
            this.session,
            e,
            "Decoding",
            `the ${Decoder.show(this.headers["content-encoding"]!)} body could not be decoded: ${e.message}`
          )
        )
        this.abort(new Error("the response body could not be decoded"))
        this.dropDecoders()
      })
    }
    last.on("data", (data: Buffer) => {
      if (this.finished) return
      if (!this.push(data)) last.pause()
    })
    last.on("end", () => {
      if (this.finished) return
      this.disarm()
      this.state = State.Done
      this.notify()
    })
    return decoders
  }

  dropDecoders(): void {
    const decoders = this.decoders
    if (decoders === undefined) return
    this.decoders = undefined
    for (const d of decoders) d.destroy()
  }

  // helpers

  /** The deadline struck (called by `Deadlines` once the exchange is out of the list): fails with the `TimeoutError`, aborting the request. */
  expire(): void {
    if (this.finished) return
    const error = Deadline.error(this.session)
    this.state = State.Failed
    this.error = error
    const onHead = this.onHead
    this.onHead = undefined
    this.abort(new Error(error.message))
    if (onHead !== undefined) onHead(Effect.fail(error))
    else this.notify()
  }

  /** The exchange is over, or its body handed over as a stream: no deadline, no fiber watch. */
  disarm(): void {
    const deadlines = this.deadlines
    if (deadlines !== undefined) deadlines.remove(this)
    const fiber = this.fiber
    if (fiber !== undefined) {
      this.fiber = undefined
      fiber.removeObserver(this.onFiberEnd)
    }
  }

  fail(error: RequestError): void {
    this.dropDecoders()
    this.disarm()
    this.state = State.Failed
    this.error = error
    this.notify()
  }

  notify(): void {
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  abort(reason: Error): void {
    this.disarm()
    this.dropDecoders()
    if (this.cancelled !== undefined) return
    this.cancelled = reason
    this.abortFn?.(reason)
  }

  resume(): void {
    if (this.paused) {
      this.paused = false
      const decoders = this.decoders
      if (decoders !== undefined && decoders.length > 0) decoders[decoders.length - 1]!.resume()
      else this.resumeFn?.()
    }
  }

  get finished(): boolean {
    return this.state === State.Done || this.state === State.Failed
  }
}

const interrupted = () => new Error("the call was interrupted")

/** The longest delay `setTimeout` takes (2^31 - 1 ms, ~24.8 days). */
const maxTimerDelay = 2 ** 31 - 1

/**
 * The deadlines of a transport's exchanges in flight, earliest first, under ONE Node timer
 * set for the earliest: a timer per call (`setTimeout`, `unref`, `clearTimeout`) cost
 * ~0.5 µs and a `Timeout` object per call. Calls of one Timeout share its duration, so an
 * exchange is nearly always added at the end; one that ends is unlinked, and the timer is
 * left as it is (when it fires early it is set again for the new earliest deadline).
 */
class Deadlines {
  head: Exchange | undefined = undefined
  tail: Exchange | undefined = undefined
  timer: ReturnType<typeof setTimeout> | undefined = undefined
  /** When the timer fires (Clock ms); `Infinity` when none is set. */
  timerAt = Infinity

  add(ex: Exchange, at: number): void {
    ex.at = at
    ex.deadlines = this
    let after = this.tail
    while (after !== undefined && after.at > at) after = after.prev
    ex.prev = after
    if (after === undefined) {
      ex.next = this.head
      this.head = ex
    } else {
      ex.next = after.next
      after.next = ex
    }
    if (ex.next === undefined) this.tail = ex
    else ex.next.prev = ex
    if (at < this.timerAt) this.schedule(at, Date.now())
  }

  remove(ex: Exchange): void {
    const { next, prev } = ex
    if (prev === undefined) this.head = next
    else prev.next = next
    if (next === undefined) this.tail = prev
    else next.prev = prev
    ex.prev = undefined
    ex.next = undefined
    ex.deadlines = undefined
  }

  schedule(at: number, now: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    // Node clamps a longer delay to 1 ms (with a TimeoutOverflowWarning): a far deadline
    // ("30 days") is reached by timers of at most ~24.8 days, `fire` setting the next one
    this.timer = setTimeout(this.fire, Math.min(Math.max(0, at - now), maxTimerDelay))
    this.timer.unref?.()
  }

  readonly fire = (): void => {
    this.timer = undefined
    this.timerAt = Infinity
    const now = Date.now()
    let ex = this.head
    while (ex !== undefined && ex.at <= now) {
      this.remove(ex)
      ex.expire()
      ex = this.head
    }
    if (ex !== undefined) this.schedule(ex.at, now)
  }
}

const readBody = (ex: Exchange, maxBytes: number | undefined): Effect.Effect<Uint8Array, RequestError | TimeoutError> =>
  ex.clockBound ? Deadline.bound(Effect.suspend(() => readNow(ex, maxBytes)), ex.session) : readNow(ex, maxBytes)

// starts reading when called (the core calls `read` when it wants the body, and runs it at once)
const readNow = (
  ex: Exchange,
  maxBytes: number | undefined
): Effect.Effect<Uint8Array, RequestError | TimeoutError> => {
  if (ex.state === State.Failed) return Effect.fail(ex.error!)
  // a decoded body's Content-Length is its wire size, not the size `maxBytes` bounds
  const length = ex.decoders === undefined ? Number(ex.headers["content-length"]) : 0
  if (maxBytes !== undefined && (ex.size > maxBytes || length > maxBytes)) {
    if (!ex.finished) ex.abort(new Error("response body too large"))
    return Effect.fail(Transport.tooLarge(ex.session, maxBytes))
  }
  if (ex.state === State.Done) return Effect.succeed(concat(ex.chunks, ex.size))
  ex.reading = true
  ex.readLimit = maxBytes
  ex.resume()
  return Effect.async<Uint8Array, RequestError | TimeoutError>((resume) => {
    waitForBody(ex, resume)
    // on the fiber that sent the request (the one running this register), its watch aborts
    // the request if it is interrupted; on another fiber, an interruption does
    if (ex.fiber !== undefined && currentFiber() === ex.fiber) return
    return Effect.sync(() => {
      ex.wake = undefined
      ex.abort(interrupted())
    })
  })
}

/** The fiber running now: an `Effect.async` register runs inside its fiber's step. */
const currentFiber = (): Fiber.RuntimeFiber<unknown, unknown> | undefined => {
  const fiber = Fiber.getCurrentFiber()
  return Option.isSome(fiber) ? fiber.value : undefined
}

const waitForBody = (
  ex: Exchange,
  resume: (effect: Effect.Effect<Uint8Array, RequestError | TimeoutError>) => void
): void => {
  const check = () => {
    if (ex.state === State.Done) resume(Effect.succeed(concat(ex.chunks, ex.size)))
    else if (ex.state === State.Failed) resume(Effect.fail(ex.error!))
    else ex.wake = check
  }
  check()
}

// the deadline is over for a stream (its timer stops when the stream is handed over); one
// that struck in between is a transport failure of the stream
const streamError = (ex: Exchange): RequestError => {
  const error = ex.error!
  return error._tag === "TimeoutError" ? Transport.requestError(ex.session, error, "Transport", error.message) : error
}

const streamBody = (ex: Exchange): Stream.Stream<Uint8Array, RequestError> => {
  const pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<RequestError>> = Effect.async((resume) => {
    const check = () => {
      if (ex.chunks.length > 0) {
        const chunks = Chunk.unsafeFromArray(ex.chunks)
        ex.chunks = []
        ex.size = 0
        ex.resume()
        resume(Effect.succeed(chunks))
      } else if (ex.state === State.Done) resume(Effect.fail(Option.none()))
      else if (ex.state === State.Failed) resume(Effect.fail(Option.some(streamError(ex))))
      else ex.wake = check
    }
    check()
    return Effect.sync(() => {
      ex.wake = undefined
    })
  })
  return Stream.ensuring(
    Stream.repeatEffectChunkOption(pull),
    Effect.sync(() => {
      if (!ex.finished) ex.abort(interrupted())
    })
  )
}

const splitUrl = (url: string): { origin: string; path: string } => {
  const scheme = url.indexOf("://")
  const start = scheme < 0 ? 0 : scheme + 3
  let end = start
  while (end < url.length) {
    const c = url.charCodeAt(end)
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break
    end++
  }
  const rest = url.slice(end)
  return { origin: url.slice(0, end), path: rest.length === 0 ? "/" : rest.charCodeAt(0) === 47 ? rest : `/${rest}` }
}

const cleanHeaders = (headers: Readonly<Record<string, string | null>>): Record<string, string> => {
  for (const name in headers) {
    if (headers[name] === null || headers[name] === undefined) {
      const out: Record<string, string> = {}
      for (const n in headers) if (headers[n] !== null && headers[n] !== undefined) out[n] = headers[n]!
      return out
    }
  }
  return headers as Record<string, string>
}

/**
 * The transport over an undici dispatcher (an `Agent`, a `Pool`...).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromDispatcher = (
  dispatcher: Dispatcher,
  options: Pick<Options, "highWaterMark" | "decompress"> = {}
): Transport.Service => {
  const highWaterMark = options.highWaterMark ?? 65536
  const decompress = options.decompress !== false
  type Body = NonNullable<Dispatcher.DispatchOptions["body"]> | null
  const send = (session: Session, body: Body, ex: Exchange) => {
    const { origin, path } = splitUrl(session.url)
    try {
      dispatcher.dispatch({ origin, path, method: session.method, headers: cleanHeaders(session.headers), body }, ex)
    } catch (e) {
      ex.onError(e instanceof Error ? e : new Error(String(e)))
    }
  }
  const deadlines = new Deadlines()
  const dispatch = (session: Session, body: Body, deadline: number | undefined) =>
    Effect.async<Transport.Response, RequestError | TimeoutError>((resume) => {
      const ex = new Exchange(session, highWaterMark, decompress, resume)
      if (deadline !== undefined) deadlines.add(ex, deadline)
      const fiber = currentFiber()
      if (fiber !== undefined) ex.watch(fiber)
      send(session, body, ex)
      // no fiber to watch (not run by Effect's runtime?): an interruption aborts the request
      if (fiber === undefined) {
        return Effect.sync(() => {
          ex.onHead = undefined
          ex.abort(interrupted())
        })
      }
    })
  // under another Clock the core's bound runs the send in a fiber of its own, which ends
  // with the headers: the request is aborted by an interruption finalizer instead
  const dispatchBounded = (session: Session, body: Body) =>
    Effect.async<Transport.Response, RequestError | TimeoutError>((resume) => {
      const ex = new Exchange(session, highWaterMark, decompress, resume)
      ex.clockBound = true
      send(session, body, ex)
      return Effect.sync(() => {
        ex.onHead = undefined
        ex.abort(interrupted())
      })
    })
  // the call's deadline: a plain timer under the live Clock, the generic bound under another Clock
  const start = (session: Session, body: Body): Effect.Effect<Transport.Response, RequestError | TimeoutError> => {
    const deadline = session.deadline
    if (deadline === undefined) return dispatch(session, body, undefined)
    const clock = session.clock
    if (!Deadline.isLiveClock(clock)) return Deadline.bound(dispatchBounded(session, body), session)
    return deadline.at <= clock.unsafeCurrentTimeMillis()
      ? Effect.fail(Deadline.error(session))
      : dispatch(session, body, deadline.at)
  }
  return {
    honoursDeadline: true,
    acceptEncoding: decompress ? Decoder.acceptEncoding : undefined,
    send: (session) => {
      const body = session.body
      if (body === undefined) return start(session, null)
      if (typeof body === "string" || body instanceof Uint8Array) return start(session, body)
      return Effect.flatMap(
        Effect.runtime<never>(),
        // undici writes any async iterable as a chunked body; its types only name Readable
        (runtime: Runtime.Runtime<never>) =>
          start(session, Stream.toAsyncIterableRuntime(body, runtime) as unknown as Readable)
      )
    }
  }
}

/**
 * Builds the transport on a new undici `Agent`, closed (its connections destroyed) when
 * the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Transport.Service, never, Scope.Scope> => {
  if (options.dispatcher !== undefined) return Effect.succeed(fromDispatcher(options.dispatcher, options))
  return Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => Agents.make(options)),
      (agent) => Effect.promise(() => agent.destroy())
    ),
    (agent) => fromDispatcher(agent, options)
  )
}

const layerOf = (options: Options): Layer.Layer<Transport.Transport> => Layer.scoped(Transport.Transport, make(options))

const defaultLayer = layerOf({})

/**
 * The fast Node transport: `layer(options)` with options, or `layer` itself (also a
 * `Layer`) with undici's defaults.
 *
 * **Example**
 *
 * ```ts
 * program.pipe(Effect.provide(UserServiceLive), Effect.provide(NodeTransport.layer))
 * program.pipe(Effect.provide(UserServiceLive), Effect.provide(NodeTransport.layer({ allowH2: true })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: ((options?: Options) => Layer.Layer<Transport.Transport>) & Layer.Layer<Transport.Transport> =
  // a function that is the default Layer too (its prototype and fields), so both forms provide
  Object.assign(
    Object.setPrototypeOf(
      (options?: Options) => options === undefined ? defaultLayer : layerOf(options),
      Object.getPrototypeOf(defaultLayer)
    ),
    defaultLayer
  )

/**
 * The transport with options.
 *
 * @deprecated use `NodeTransport.layer(options)`
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<Transport.Transport> => layerOf(options)

/**
 * The transport with options read from a `Config` (e.g. `Config.all({ proxyFromEnv:
 * Config.boolean("USE_PROXY"), allowH2: Config.boolean("HTTP2") })`); a missing or bad
 * value fails the layer with a `ConfigError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<Transport.Transport, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layerOf))
