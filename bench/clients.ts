/**
 * The clients under test. Each makes one request of the scenario, reads the whole body and
 * JSON-parses it. Promise clients are driven by async workers, Effect clients by fibers.
 */
import type { HttpClient } from "@effect/platform"
import type { ServiceClient, Transport } from "@service-client/core"
import { Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import { Api, payload } from "./api.js"
import * as Full from "./full.js"

// each library is imported only by the client that uses it, so max RSS is its own

export type Scenario = "GET" | "POST"

export type Client =
  | { readonly kind: "promise"; readonly run: () => Promise<unknown>; readonly close?: () => Promise<void> }
  | {
    readonly kind: "effect"
    readonly run: Effect.Effect<unknown, unknown>
    readonly runtime: ManagedRuntime.ManagedRuntime<any, any>
    readonly close?: () => Promise<void>
  }

export interface Setup {
  readonly url: string
  readonly scenario: Scenario
  /** With --partial: run "full" with whatever plugins exist. */
  readonly partial: boolean
}

const payloadText = JSON.stringify(payload)
const jsonHeaders = { "content-type": "application/json" }

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
  const request = setup.scenario === "GET"
    ? HttpClientRequest.get(`${setup.url}/v1/items/1`)
    : HttpClientRequest.post(`${setup.url}/v1/items`).pipe(
      HttpClientRequest.bodyText(payloadText, "application/json")
    )
  return { kind: "effect", runtime, run: Effect.flatMap(client.execute(request), (r) => r.json) }
}

const serviceClient = async (
  setup: Setup,
  transport: Layer.Layer<Transport.Transport>,
  full: boolean
): Promise<Client | string> => {
  let plugins: ReadonlyArray<any> = []
  let extra: Layer.Layer<never> = Layer.empty
  if (full) {
    const loaded = await Full.load()
    if (loaded.missing.length > 0 && !setup.partial) return `disabled: @service-client/plugins lacks ${loaded.missing.join(", ")}`
    plugins = loaded.plugins
    extra = loaded.layer
  }
  const { ServiceClient } = await import("@service-client/core")
  const runtime = ManagedRuntime.make(Layer.mergeAll(transport, extra))
  // the client lives in a scope closed after the measurement, before the runtime
  const scope = await runtime.runPromise(Scope.make())
  const made = await runtime.runPromise(
    Scope.extend(ServiceClient.make(Api, { name: "bench", baseUrl: setup.url, plugins }), scope) as Effect.Effect<
      ServiceClient.Client<typeof Api>,
      unknown,
      Transport.Transport
    >
  )
  const run = setup.scenario === "GET"
    ? made.getItem({ version: "v1", id: 1 })
    : made.createItem({ version: "v1", payload })
  return { kind: "effect", runtime, run, close: () => runtime.runPromise(Scope.close(scope, Exit.void)) }
}

export const names = [
  "undici.request",
  "fetch",
  "axios",
  "got",
  "ky",
  "platform-undici",
  "platform-undici-notracer",
  "platform-fetch",
  "sc-bare-platform",
  "sc-bare-node",
  "sc-full-node"
] as const

export type Name = (typeof names)[number]

export const make = async (name: Name, setup: Setup): Promise<Client | string> => {
  const get = setup.scenario === "GET"
  const itemUrl = `${setup.url}/v1/items/1`
  const postUrl = `${setup.url}/v1/items`
  switch (name) {
    case "undici.request": {
      const Undici = await import("undici")
      return {
        kind: "promise",
        run: get
          ? async () => (await Undici.request(itemUrl)).body.json()
          : async () => (await Undici.request(postUrl, { method: "POST", headers: jsonHeaders, body: payloadText })).body.json()
      }
    }
    case "fetch":
      return {
        kind: "promise",
        run: get
          ? async () => (await fetch(itemUrl)).json()
          : async () => (await fetch(postUrl, { method: "POST", headers: jsonHeaders, body: payloadText })).json()
      }
    case "axios": {
      const { default: axios } = await import("axios")
      return {
        kind: "promise",
        run: get ? async () => (await axios.get(itemUrl)).data : async () => (await axios.post(postUrl, payload)).data
      }
    }
    case "got": {
      const { default: got } = await import("got")
      return {
        kind: "promise",
        run: get ? () => got(itemUrl).json() : () => got.post(postUrl, { json: payload }).json()
      }
    }
    case "ky": {
      const { default: ky } = await import("ky")
      return {
        kind: "promise",
        run: get ? () => ky.get(itemUrl).json() : () => ky.post(postUrl, { json: payload }).json()
      }
    }
    case "platform-undici":
      return platform(setup, (await import("@effect/platform-node")).NodeHttpClient.layerUndici, true)
    case "platform-undici-notracer":
      return platform(setup, (await import("@effect/platform-node")).NodeHttpClient.layerUndici, false)
    case "platform-fetch":
      return platform(setup, (await import("@effect/platform")).FetchHttpClient.layer, true)
    case "sc-bare-platform": {
      const { Transport } = await import("@service-client/core")
      const { NodeHttpClient } = await import("@effect/platform-node")
      return serviceClient(setup, Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici)), false)
    }
    case "sc-bare-node":
      return serviceClient(setup, (await import("@service-client/node")).NodeTransport.layer, false)
    case "sc-full-node":
      return serviceClient(setup, (await import("@service-client/node")).NodeTransport.layer, true)
  }
}
