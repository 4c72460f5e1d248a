/**
 * How a payload becomes a request body. A `Context.Reference`: JSON unless a layer
 * provides another (form-urlencoded, text, bytes, or your own).
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
  /** Sent as `content-type` unless the call sets one. */
  readonly contentType: string | undefined
  /** May throw: the call then fails with `InputError` on `payload`. */
  readonly serialize: (payload: unknown) => string | Uint8Array
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (service: Service): Service => service

/**
 * JSON (`application/json`).
 *
 * @since 0.1.0
 * @category serializers
 */
export const json: Service = make({
  name: "json",
  contentType: "application/json",
  serialize: (payload) => {
    const text = JSON.stringify(payload)
    if (text === undefined) throw new Error(`a ${typeof payload} cannot be serialized as JSON`)
    return text
  }
})

/**
 * `application/x-www-form-urlencoded` from a record (arrays repeat the key).
 *
 * @since 0.1.0
 * @category serializers
 */
export const formUrlEncoded: Service = make({
  name: "formUrlEncoded",
  contentType: "application/x-www-form-urlencoded",
  serialize: (payload) => {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      throw new Error("a form payload must be a record")
    }
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(payload)) {
      if (value === undefined || value === null) continue
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === "object" && item !== null) throw new Error(`the form field "${key}" is not a scalar`)
        params.append(key, String(item))
      }
    }
    return params.toString()
  }
})

/**
 * Plain text (`text/plain; charset=utf-8`): strings as they are, other values through `String`.
 *
 * @since 0.1.0
 * @category serializers
 */
export const text: Service = make({
  name: "text",
  contentType: "text/plain; charset=utf-8",
  serialize: (payload) => (typeof payload === "string" ? payload : String(payload))
})

/**
 * Raw bytes (`application/octet-stream`): a `Uint8Array` as it is, a string as UTF-8.
 *
 * @since 0.1.0
 * @category serializers
 */
export const bytes: Service = make({
  name: "bytes",
  contentType: "application/octet-stream",
  serialize: (payload) => {
    if (payload instanceof Uint8Array) return payload
    if (typeof payload === "string") return new TextEncoder().encode(payload)
    throw new Error("a bytes payload must be a Uint8Array or a string")
  }
})

/**
 * The serializers by name, as spec files and configs refer to them.
 *
 * @since 0.1.0
 * @category serializers
 */
export const byName: Readonly<Record<string, Service>> = { json, formUrlEncoded, text, bytes }

/**
 * @since 0.1.0
 * @category tags
 */
export class Serializer extends Context.Reference<Serializer>()("@service-client/core/Serializer", {
  defaultValue: (): Service => json
}) {}

/**
 * Clients built with this layer serialize payloads with `service`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (service: Service): Layer.Layer<never> => Layer.succeed(Serializer, service)
