/**
 * How a response body becomes data. A `Context.Reference`: JSON unless a layer provides
 * another (form-urlencoded, text, bytes, or your own). An empty body parses to
 * `undefined`.
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly name: string
  /**
   * The `Accept` header sent by default (below the endpoint's and the call's headers, which
   * may replace or remove it); any media type when not given.
   */
  readonly accept?: string | undefined
  /** May throw: the call then fails with `ParseError`. Not called for an empty body. */
  readonly parse: (body: Uint8Array, contentType: string | undefined) => unknown
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (service: Service): Service => service

const decoder = new TextDecoder()

/**
 * A JSON parser. With `strictContentType` (the default) a body whose content type is
 * given and is not JSON (`text/html`...) fails instead of being parsed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeJson = (options: { readonly strictContentType?: boolean } = {}): Service =>
  make({
    name: "json",
    accept: "application/json",
    parse: (body, contentType) => {
      if (options.strictContentType !== false && contentType !== undefined && !contentType.includes("json")) {
        throw new Error(`expected a JSON body, got content-type "${contentType}"`)
      }
      return JSON.parse(decoder.decode(body))
    }
  })

/**
 * JSON, refusing bodies whose content type is given and not JSON.
 *
 * @since 0.1.0
 * @category parsers
 */
export const json: Service = makeJson()

/**
 * Text (UTF-8).
 *
 * @since 0.1.0
 * @category parsers
 */
export const text: Service = make({ name: "text", accept: "text/*, */*;q=0.8", parse: (body) => decoder.decode(body) })

/**
 * The raw bytes.
 *
 * @since 0.1.0
 * @category parsers
 */
export const bytes: Service = make({ name: "bytes", parse: (body) => body })

/**
 * `application/x-www-form-urlencoded` into a record (a repeated key gives an array).
 *
 * @since 0.1.0
 * @category parsers
 */
export const formUrlEncoded: Service = make({
  name: "formUrlEncoded",
  accept: "application/x-www-form-urlencoded, */*;q=0.8",
  parse: (body) => {
    const out: Record<string, string | Array<string>> = {}
    for (const [key, value] of new URLSearchParams(decoder.decode(body))) {
      const prev = out[key]
      out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
    }
    return out
  }
})

/**
 * The parsers by name, as spec files and configs refer to them.
 *
 * @since 0.1.0
 * @category parsers
 */
export const byName: Readonly<Record<string, Service>> = { json, text, bytes, formUrlEncoded }

/**
 * @since 0.1.0
 * @category tags
 */
export class Parser extends Context.Reference<Parser>()("@service-client/core/Parser", {
  defaultValue: (): Service => json
}) {}

/**
 * Clients built with this layer parse bodies with `service`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (service: Service): Layer.Layer<never> => Layer.succeed(Parser, service)
