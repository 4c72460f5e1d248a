/**
 * The wire-parity suite's pieces: every live transport, run over the same cases against a
 * server that records each request as it arrived on the wire (request line, header
 * lines, body).
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Layer } from "effect"

export * as Fault from "../reliability/faultServer.js"

/**
 * The live transports: core's `Transport.layer` over @effect/platform's fetch client and
 * its undici client, and `NodeTransport`. A case gives the same expected outcome for all.
 */
export const transports: ReadonlyArray<readonly [string, Layer.Layer<Transport.Transport>]> = [
  ["Transport.layer over FetchHttpClient", Transport.layer.pipe(Layer.provide(FetchHttpClient.layer))],
  ["Transport.layer over NodeHttpClient.layerUndici", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))],
  ["NodeTransport", NodeTransport.layer]
]

/**
 * Headers a fetch client adds on its own, whatever the request (the Fetch standard):
 * the suite leaves them out when it compares the transports' header lines.
 */
export const fetchOwnHeaders: ReadonlySet<string> = new Set(["accept-language", "sec-fetch-mode"])

/**
 * Headers that name the connection, not the request (`host`, `connection`, framing), and
 * `accept-encoding`: each transport announces what it decodes (`transport.acceptEncoding`,
 * checked by compression.test.ts).
 */
const connectionHeaders: ReadonlySet<string> = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
  "accept-encoding"
])

/** A request's headers as the suite compares them: lower-cased names, sorted, without the above. */
export const comparable = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers).sort()) {
    if (!fetchOwnHeaders.has(name) && !connectionHeaders.has(name)) out[name] = headers[name]!
  }
  return out
}
