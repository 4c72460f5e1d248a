/**
 * The client of the bench's in-memory measurements: the bench's Api over a transport
 * layer, with its plugins and a layer of theirs (minimum log level, Logger, tracer), in a
 * ManagedRuntime, built inside a scope that `close` ends with the runtime.
 */
import { type Plugin, ServiceClient, type Transport } from "@service-client/core"
import { Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import { Api } from "./api.js"

export interface ApiClient {
  readonly runtime: ManagedRuntime.ManagedRuntime<Transport.Transport, never>
  readonly client: ServiceClient.Client<typeof Api>
  /** The call every in-memory measurement makes: `getItem` of item 1 (one Effect, run again and again). */
  readonly call: Effect.Effect<unknown, unknown>
  readonly close: () => Promise<void>
}

export const make = async (
  transport: Layer.Layer<Transport.Transport>,
  plugins: ReadonlyArray<Plugin.PluginLike>,
  layer: Layer.Layer<never> = Layer.empty
): Promise<ApiClient> => {
  const runtime = ManagedRuntime.make(Layer.mergeAll(transport, layer))
  const scope = await runtime.runPromise(Scope.make())
  const client = await runtime.runPromise(
    Scope.extend(
      ServiceClient.make(Api, { name: "bench", baseUrl: "http://127.0.0.1:1", plugins }),
      scope
    ) as Effect.Effect<ServiceClient.Client<typeof Api>>
  )
  const close = async () => {
    await runtime.runPromise(Scope.close(scope, Exit.void))
    await runtime.dispose()
  }
  return { runtime, client, call: client.getItem({ version: "v1", id: 1 }), close }
}

/** About `n` runs of `call` (rounded up to a multiple of `concurrency`) in `concurrency` fibers that loop. */
export const inFibers = (call: Effect.Effect<unknown, unknown>, n: number, concurrency: number) =>
  Effect.forEach(Array.from({ length: concurrency }), () => Effect.repeatN(call, Math.ceil(n / concurrency) - 1), {
    concurrency: "unbounded",
    discard: true
  })
