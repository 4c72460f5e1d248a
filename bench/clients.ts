/**
 * The clients under test. Each makes request k of a scenario, reads the whole body and
 * JSON-parses it (the 10 MB download counts the bytes of its stream instead). Promise
 * clients are driven by async workers, Effect clients by fibers.
 */
import type { HttpClient } from "@effect/platform"
import type { ServiceClient, Transport } from "@service-client/core"
import { Effect, Exit, Layer, ManagedRuntime, Scope, Stream } from "effect"
import * as Fs from "node:fs"
import { Api, bigPayload, payload } from "./api.js"
import * as Full from "./full.js"
import * as Mix from "./mix.js"

// each library is imported only by the client that uses it, so max RSS is its own

export type Scenario = "GET" | "POST" | "MIX" | "GET10K" | "GET100K" | "POST100K" | "DL10M"

export type Client =
  | { readonly kind: "promise"; readonly run: (k: number) => Promise<unknown>; readonly close?: () => Promise<void> }
  | {
    readonly kind: "effect"
    readonly run: (k: number) => Effect.Effect<unknown, unknown>
    readonly runtime: ManagedRuntime.ManagedRuntime<any, any>
    readonly close?: () => Promise<void>
    /** Bytes the logs stack has written to its log file. */
    readonly logBytes?: () => number
  }

export interface Setup {
  /** The http:// origin, or the https:// one with `ca`. */
  readonly url: string
  readonly scenario: Scenario
  /** PEM file of the bench's CA (HTTPS rows). */
  readonly ca?: string | undefined
  /** At most this many connections to the server (undici `Agent`'s `connections`); unlimited when undefined. */
  readonly connections?: number | undefined
}

const payloadText = JSON.stringify(payload)
const bigPayloadText = JSON.stringify(bigPayload)
const jsonHeaders = { "content-type": "application/json" }

/** What every client sends for request k of a scenario (the mix: `Mix.raw`). */
const rawRequest = (scenario: Scenario, k: number): Mix.Raw => {
  switch (scenario) {
    case "GET":
      return { method: "GET", path: "/v1/items/1", headers: {}, body: undefined }
    case "POST":
      return { method: "POST", path: "/v1/items", headers: jsonHeaders, body: payloadText }
    case "GET10K":
      return { method: "GET", path: "/body/10k", headers: {}, body: undefined }
    case "GET100K":
      return { method: "GET", path: "/body/100k", headers: {}, body: undefined }
    case "POST100K":
      return { method: "POST", path: "/upload", headers: jsonHeaders, body: bigPayloadText }
    case "DL10M":
      return { method: "GET", path: "/body/10m", headers: {}, body: undefined }
    case "MIX":
      return Mix.raw(k)
  }
}

const undiciAgent = async (setup: Setup) => {
  const Undici = await import("undici")
  return new Undici.Agent({
    ...(setup.ca === undefined ? {} : { connect: { ca: Fs.readFileSync(setup.ca) } }),
    ...(setup.connections === undefined ? {} : { connections: setup.connections })
  })
}

/** Whether the client needs an agent of its own (a CA or a connection limit), not its default one. */
const ownAgent = (setup: Setup) => setup.ca !== undefined || setup.connections !== undefined

/** The floor: undici's dispatcher with a handler that only collects the body. */
const dispatchClient = async (setup: Setup): Promise<Client> => {
  const agent = await undiciAgent(setup)
  const origin = setup.url
  const stream = setup.scenario === "DL10M"
  return {
    kind: "promise",
    run: (k) =>
      new Promise((resolve, reject) => {
        const r = rawRequest(setup.scenario, k)
        const chunks: Array<Buffer> = []
        let bytes = 0
        let status = 0
        agent.dispatch({ origin, path: r.path, method: r.method, headers: r.headers, body: r.body ?? null }, {
          onConnect() {},
          onHeaders(statusCode: number) {
            status = statusCode
            return true
          },
          onData(chunk: Buffer) {
            if (stream) bytes += chunk.length
            else chunks.push(chunk)
            return true
          },
          onComplete() {
            if (status !== 200) return reject(new Error(`status ${status}`))
            resolve(stream ? bytes : JSON.parse(Buffer.concat(chunks).toString("utf8")))
          },
          onError: reject
        } as any)
      }),
    close: () => agent.close()
  }
}

const undiciRequest = async (setup: Setup): Promise<Client> => {
  const Undici = await import("undici")
  const dispatcher = ownAgent(setup) ? await undiciAgent(setup) : undefined
  const stream = setup.scenario === "DL10M"
  return {
    kind: "promise",
    run: async (k) => {
      const r = rawRequest(setup.scenario, k)
      const res = await Undici.request(setup.url + r.path, {
        method: r.method,
        headers: r.headers,
        body: r.body ?? null,
        ...(dispatcher === undefined ? {} : { dispatcher })
      })
      if (!stream) return res.body.json()
      let bytes = 0
      for await (const chunk of res.body) bytes += (chunk as Buffer).length
      return bytes
    },
    ...(dispatcher === undefined ? {} : { close: () => dispatcher.close() })
  }
}

/**
 * undici.request as an Effect program calls it: inside `Effect.tryPromise`, each request
 * run by an Effect runtime (in the open loop: a root fiber per request). No library: what
 * every Effect client pays around the same request.
 */
const undiciEffect = async (setup: Setup): Promise<Client> => {
  const inner = await undiciRequest(setup)
  if (inner.kind !== "promise") throw new Error("undici.request is a promise client")
  return {
    kind: "effect",
    runtime: ManagedRuntime.make(Layer.empty) as unknown as ManagedRuntime.ManagedRuntime<any, any>,
    run: (k) => Effect.tryPromise(() => inner.run(k)),
    ...(inner.close === undefined ? {} : { close: inner.close })
  }
}

const platform = async (
  setup: Setup,
  layer: Layer.Layer<HttpClient.HttpClient>,
  tracer: boolean
): Promise<Client> => {
  const { HttpClient, HttpClientRequest } = await import("@effect/platform")
  const runtime = ManagedRuntime.make(layer)
  const client = await runtime.runPromise(
    Effect.map(HttpClient.HttpClient, (c) => (tracer ? c : c.pipe(HttpClient.withTracerDisabledWhen(() => true))))
  )
  const build = (k: number) => {
    const r = rawRequest(setup.scenario, k)
    let req = HttpClientRequest.make(r.method)(setup.url + r.path, { headers: r.headers })
    if (r.body !== undefined) req = HttpClientRequest.bodyText(req, r.body, "application/json")
    return req
  }
  // constant scenarios: one request value, as a user would keep it
  const fixed = setup.scenario === "MIX" ? undefined : build(0)
  const run = setup.scenario === "DL10M"
    ? () =>
      Effect.scoped(
        Effect.flatMap(client.execute(fixed!), (r) => Stream.runFold(r.stream, 0, (n, c) => n + c.length))
      )
    : (k: number) => Effect.flatMap(client.execute(fixed ?? build(k)), (r) => r.json)
  return { kind: "effect", runtime, run }
}

/**
 * The floor of full+logs: undici.request inside `Effect.tryPromise` (as `undici-effect`) in
 * one OpenTelemetry span, with four records at Info that carry only their message (no
 * annotations), through the logs stack's tracer and file Logger (`Full.load("logs")`'s
 * layer). No library, no retry, limits, timeout or metrics: the least a span and four
 * records through that tracer and Logger cost an Effect program around the baseline's
 * request, whatever writes them.
 */
const undiciEffectLogs = async (setup: Setup): Promise<Client> => {
  classicOnly("undici-effect-logs", setup)
  const Undici = await import("undici")
  const dispatcher = ownAgent(setup) ? await undiciAgent(setup) : undefined
  const full = await Full.load("logs")
  const runtime = ManagedRuntime.make(full.layer)
  const get = setup.scenario === "GET"
  const path = get ? "/v1/items/1" : "/v1/items"
  const url = `${setup.url}${path}?source=bench`
  const sent = { "x-client": "bench", accept: "application/json", ...(get ? {} : jsonHeaders) }
  const endpoint = get ? "getItem" : "createItem"
  const method = get ? "GET" : "POST"
  const run = () => {
    const trackingToken = `b-${Math.random().toString(36).slice(2, 12).toUpperCase()}`
    const request = `bench.${endpoint} request ${method} ${url}`
    return Effect.gen(function*() {
      yield* Effect.logInfo(request)
      yield* Effect.logInfo(request)
      const res = yield* Effect.tryPromise(() =>
        Undici.request(url, {
          method,
          headers: sent,
          body: get ? null : payloadText,
          ...(dispatcher === undefined ? {} : { dispatcher })
        })
      )
      const text = yield* Effect.tryPromise(() => res.body.text())
      const response = `bench.${endpoint} response ${res.statusCode} ${method} ${url}`
      yield* Effect.logInfo(response)
      const data = JSON.parse(text) as unknown
      yield* Effect.logInfo(response)
      return data
    }).pipe(
      Effect.withSpan(`bench.${endpoint}`, {
        kind: "client",
        attributes: { "service_client.tracking_token": trackingToken },
        captureStackTrace: false
      })
    )
  }
  return {
    kind: "effect",
    runtime: runtime as unknown as ManagedRuntime.ManagedRuntime<any, any>,
    run,
    close: async () => {
      await runtime.dispose()
      await dispatcher?.close()
    },
    logBytes: full.logBytes
  }
}

/**
 * The peer of full+logs: the same production concerns written by hand around
 * @effect/platform's HttpClient over undici, with the same tracer and file Logger
 * (`Full.load("logs")`'s layer): a span per call around HttpClient's own span per
 * request, `retryTransient` (2 retries, jittered exponential backoff), a 10 s timeout, a
 * Semaphore of 256 and Effect's RateLimiter at 100,000/s, a counter and a latency
 * histogram, and four records per call at Info annotated as OuterLogger and InnerLogger
 * annotate theirs (service, endpoint, method, URL, query, tracking token, headers, body,
 * status, elapsed ms), each with `Effect.annotateLogs`.
 */
const platformLogs = async (setup: Setup): Promise<Client> => {
  classicOnly("platform-logs", setup)
  const { HttpClient, HttpClientRequest } = await import("@effect/platform")
  const { Metric, MetricBoundaries, RateLimiter, Schedule } = await import("effect")
  const full = await Full.load("logs")
  const runtime = ManagedRuntime.make(Layer.mergeAll(await platformUndiciLayer(setup), full.layer))
  const scope = await runtime.runPromise(Scope.make())
  const [client, pool, limit] = await runtime.runPromise(
    Effect.all([
      HttpClient.HttpClient,
      Effect.makeSemaphore(256),
      Scope.extend(RateLimiter.make({ limit: 100_000, interval: "1 second" }), scope)
    ])
  )
  const http = client.pipe(
    HttpClient.filterStatusOk,
    HttpClient.retryTransient({ times: 2, schedule: Schedule.jittered(Schedule.exponential("200 millis")) })
  )
  const requests = Metric.counter("bench_peer_requests")
  const latency = Metric.histogram(
    "bench_peer_latency_ms",
    MetricBoundaries.exponential({ start: 1, factor: 2, count: 12 })
  )
  const get = setup.scenario === "GET"
  const path = get ? "/v1/items/1" : "/v1/items"
  const url = `${setup.url}${path}?source=bench`
  const sent = { "x-client": "bench", accept: "application/json", ...(get ? {} : jsonHeaders) }
  const common = {
    service: "bench",
    endpoint: get ? "getItem" : "createItem",
    method: get ? "GET" : "POST",
    url,
    query: { source: "bench" }
  }
  const token = () => `b-${Math.random().toString(36).slice(2, 12).toUpperCase()}`
  const run = () => {
    const trackingToken = token()
    const at = { ...common, trackingToken }
    let req = HttpClientRequest.make(get ? "GET" : "POST")(`${setup.url}${path}`, {
      headers: sent,
      urlParams: { source: "bench" }
    })
    if (!get) req = HttpClientRequest.bodyText(req, payloadText, "application/json")
    const body = get ? "<NO BODY>" : payloadText
    return Effect.gen(function*() {
      const start = performance.now()
      yield* Effect.annotateLogs(Effect.logInfo(`bench.${at.endpoint} request ${at.method} ${url}`), {
        logger: "OuterLogger",
        record: "request",
        ...at,
        headers: sent,
        body
      })
      yield* Effect.annotateLogs(Effect.logInfo(`bench.${at.endpoint} request ${at.method} ${url}`), {
        logger: "InnerLogger",
        record: "request",
        ...at,
        headers: sent,
        body
      })
      const res = yield* http.execute(req)
      const text = yield* res.text
      const headersMs = performance.now() - start
      yield* Effect.annotateLogs(Effect.logInfo(`bench.${at.endpoint} response ${res.status} ${at.method} ${url}`), {
        logger: "InnerLogger",
        record: "response",
        ...at,
        status: res.status,
        headers: res.headers,
        body: text,
        elapsed: { headers: headersMs }
      })
      const data = JSON.parse(text) as unknown
      const total = performance.now() - start
      yield* Metric.increment(Metric.tagged(requests, "status", String(res.status)))
      yield* Metric.update(latency, total)
      yield* Effect.annotateLogs(Effect.logInfo(`bench.${at.endpoint} response ${res.status} ${at.method} ${url}`), {
        logger: "OuterLogger",
        record: "response",
        ...at,
        status: res.status,
        headers: res.headers,
        body: text,
        elapsed: { headers: headersMs, total }
      })
      return data
    }).pipe(
      Effect.timeout("10 seconds"),
      limit,
      pool.withPermits(1),
      Effect.withSpan(`bench.${at.endpoint}`, {
        kind: "client",
        attributes: { "service_client.tracking_token": trackingToken }
      })
    )
  }
  return {
    kind: "effect",
    runtime,
    run,
    close: () => runtime.runPromise(Scope.close(scope, Exit.void)),
    logBytes: full.logBytes
  }
}

const platformUndiciLayer = async (setup: Setup): Promise<Layer.Layer<HttpClient.HttpClient>> => {
  const { NodeHttpClient } = await import("@effect/platform-node")
  if (!ownAgent(setup)) return NodeHttpClient.layerUndici
  const agent = await undiciAgent(setup)
  return NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
    Layer.provide(
      Layer.scoped(
        NodeHttpClient.Dispatcher,
        Effect.acquireRelease(Effect.succeed(agent), (a) => Effect.promise(() => a.close()))
      )
    )
  )
}

const nodeTransport = async (setup: Setup): Promise<Layer.Layer<Transport.Transport>> => {
  const { NodeTransport } = await import("@service-client/node")
  if (!ownAgent(setup)) return NodeTransport.layer
  const agent = await undiciAgent(setup)
  return NodeTransport.layer({ dispatcher: agent as any })
}

const serviceClient = async (
  setup: Setup,
  transport: Layer.Layer<Transport.Transport>,
  stack: Full.Stack | undefined
): Promise<Client> => {
  const full = stack === undefined ? undefined : await Full.load(stack)
  const { ServiceClient } = await import("@service-client/core")
  const runtime = ManagedRuntime.make(Layer.mergeAll(transport, full?.layer ?? Layer.empty))
  // the client lives in a scope closed after the measurement, before the runtime
  const scope = await runtime.runPromise(Scope.make())
  const make = <A extends Parameters<typeof ServiceClient.make>[0]>(api: A) =>
    runtime.runPromise(
      Scope.extend(
        ServiceClient.make(api, { name: "bench", baseUrl: setup.url, plugins: full?.plugins ?? [] }),
        scope
      ) as Effect.Effect<
        ServiceClient.Client<A>,
        unknown,
        Transport.Transport
      >
    )
  const close = () => runtime.runPromise(Scope.close(scope, Exit.void))
  const logBytes = full?.logBytes
  if (setup.scenario === "MIX") {
    const made = await make(Mix.MixApi) as Record<
      string,
      (input: Record<string, unknown>) => Effect.Effect<unknown, unknown>
    >
    return {
      kind: "effect",
      runtime,
      run: (k) => {
        const c = Mix.callInput(k)
        return made[c.name]!(c.input)
      },
      close,
      ...(logBytes === undefined ? {} : { logBytes })
    }
  }
  const made = await make(Api)
  const runs: Record<Exclude<Scenario, "MIX">, () => Effect.Effect<unknown, unknown>> = {
    GET: () => made.getItem({ version: "v1", id: 1 }),
    POST: () => made.createItem({ version: "v1", payload }),
    GET10K: () => made.getBody({ size: "10k" }),
    GET100K: () => made.getBody({ size: "100k" }),
    POST100K: () => made.upload({ payload: bigPayload }),
    DL10M: () => Effect.flatMap(made.download({ size: "10m" }), (s) => Stream.runFold(s, 0, (n, c) => n + c.length))
  }
  // a call per request, as a user writes it (the inputs are checked on each call)
  return { kind: "effect", runtime, run: runs[setup.scenario], close, ...(logBytes === undefined ? {} : { logBytes }) }
}

export const names = [
  "undici.dispatch",
  "undici.request",
  "undici-effect",
  "undici-effect-logs",
  "fetch",
  "axios",
  "got",
  "ky",
  "platform-undici",
  "platform-undici-notracer",
  "platform-fetch",
  "platform-logs",
  "sc-bare-platform",
  "sc-bare-node",
  "sc-full-node",
  "sc-logs-node",
  "sc-pool8-node",
  "sc-rate-node"
] as const

export type Name = (typeof names)[number]

/** What each client row runs (README and RESULTS.md). */
export const describe: Record<Name, string> = {
  "undici.dispatch": "undici `Agent.dispatch` with a handler that only collects the body: the floor",
  "undici.request": "`undici.request` + `body.json()`: the baseline of every ratio",
  "undici-effect":
    "the same `undici.request` inside `Effect.tryPromise`, run by an Effect runtime (a fiber per request): what any Effect program pays around that request, the floor of every Effect client",
  "undici-effect-logs":
    "undici-effect in one OpenTelemetry span with four message-only records at Info, through sc-logs-node's tracer and file Logger: no library, no retry, limits or metrics (the floor of full+logs)",
  fetch: "Node's global `fetch` + `res.json()`",
  axios: "axios",
  got: "got",
  ky: "ky (over fetch)",
  "platform-undici": "@effect/platform `HttpClient` over `NodeHttpClient.layerUndici`, tracer on (its default)",
  "platform-undici-notracer": "the same with `withTracerDisabledWhen(() => true)`",
  "platform-fetch": "@effect/platform `HttpClient` over `FetchHttpClient.layer`",
  "platform-logs":
    "@effect/platform `HttpClient` over undici with full+logs' concerns written by hand: the same tracer and file Logger, a span per call, `retryTransient`, a timeout, a Semaphore of 256, Effect's RateLimiter, a counter and a histogram, four records per call with `Effect.annotateLogs` (the peer of sc-logs-node)",
  "sc-bare-platform": "this project, no plugins, core `Transport.layer` over `NodeHttpClient.layerUndici`",
  "sc-bare-node": "this project, no plugins, `NodeTransport.layer`",
  "sc-full-node":
    "this project, `NodeTransport`, cheap full stack: PathTokens, Headers, QueryParams, Timeout, Elapsed, TrackingToken, Pool 64, RateLimit 1e9/s, both loggers below the minimum level (never write)",
  "sc-logs-node":
    "this project, `NodeTransport`, full+logs: PathTokens, Headers, QueryParams, Tracing (OpenTelemetry NodeSdk, batch processor, exporter that drops spans), Retry (defaults), Timeout, Elapsed, TrackingToken, Metrics, Pool 256, RateLimit 100,000/s, OuterLogger + InnerLogger at Info: 4 records per call through `LogFormat.make()` as JSON lines to a file (`PlatformLogger.toFile`)",
  "sc-pool8-node": "sc-full-node with Pool 8 (binds at C=32)",
  "sc-rate-node": "sc-full-node with RateLimit at 80 % of sc-full-node's own maximum in the same round (binds)"
}

const stackOf: Partial<Record<Name, Full.Stack>> = {
  "sc-full-node": "cheap",
  "sc-logs-node": "logs",
  "sc-pool8-node": "pool8",
  "sc-rate-node": "rate"
}

const classicOnly = (name: Name, setup: Setup) => {
  if (setup.scenario !== "GET" && setup.scenario !== "POST") throw new Error(`${name} runs only GET and POST`)
}

export const make = async (name: Name, setup: Setup): Promise<Client> => {
  const get = setup.scenario === "GET"
  const itemUrl = `${setup.url}/v1/items/1`
  const postUrl = `${setup.url}/v1/items`
  switch (name) {
    case "undici.dispatch":
      return dispatchClient(setup)
    case "undici.request":
      return undiciRequest(setup)
    case "undici-effect":
      return undiciEffect(setup)
    case "undici-effect-logs":
      return undiciEffectLogs(setup)
    case "fetch":
      classicOnly(name, setup)
      return {
        kind: "promise",
        run: get
          ? async () => (await fetch(itemUrl)).json()
          : async () => (await fetch(postUrl, { method: "POST", headers: jsonHeaders, body: payloadText })).json()
      }
    case "axios": {
      classicOnly(name, setup)
      const { default: axios } = await import("axios")
      return {
        kind: "promise",
        run: get ? async () => (await axios.get(itemUrl)).data : async () => (await axios.post(postUrl, payload)).data
      }
    }
    case "got": {
      classicOnly(name, setup)
      const { default: got } = await import("got")
      return {
        kind: "promise",
        run: get ? () => got(itemUrl).json() : () => got.post(postUrl, { json: payload }).json()
      }
    }
    case "ky": {
      classicOnly(name, setup)
      const { default: ky } = await import("ky")
      return {
        kind: "promise",
        run: get ? () => ky.get(itemUrl).json() : () => ky.post(postUrl, { json: payload }).json()
      }
    }
    case "platform-undici":
      return platform(setup, await platformUndiciLayer(setup), true)
    case "platform-undici-notracer":
      return platform(setup, await platformUndiciLayer(setup), false)
    case "platform-logs":
      return platformLogs(setup)
    case "platform-fetch":
      classicOnly(name, setup)
      return platform(setup, (await import("@effect/platform")).FetchHttpClient.layer, true)
    case "sc-bare-platform": {
      const { Transport } = await import("@service-client/core")
      return serviceClient(setup, Transport.layer.pipe(Layer.provide(await platformUndiciLayer(setup))), undefined)
    }
    default:
      return serviceClient(setup, await nodeTransport(setup), stackOf[name])
  }
}
