/**
 * How a payload becomes a request body. A `Context.Reference`: JSON unless a layer
 * provides another (form-urlencoded, text, bytes, or your own).
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"
import * as Multipart from "./internal/multipart.js"
import type { RequestBody } from "./Session.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly name: string
  /** Sent as `content-type` unless the call sets one. */
  readonly contentType: string | undefined
  /**
   * May throw: the call then fails with `InputError` on `payload`. A body whose content
   * type depends on it (a multipart boundary) comes as `{ body, contentType }`.
   */
  readonly serialize: (payload: unknown) => string | Uint8Array | Serialized
}

/**
 * A serialized body with its own content type.
 *
 * @since 0.1.0
 * @category models
 */
export interface Serialized {
  readonly body: Exclude<RequestBody, undefined>
  readonly contentType: string
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (service: Service): Service => service

const kindOf = (u: object): string => {
  const name = (u as { readonly constructor?: { readonly name?: unknown } }).constructor?.name
  return typeof name === "string" && name.length > 0 && name.length <= 40 ? `a ${name}` : "an object of a class"
}

const at = (path: string) => (path === "" ? "the payload" : `payload${path}`)

/**
 * Why `value` is not plain JSON data (`undefined` when it is): JSON would drop it or
 * change it without a word (a `Map` becomes `{}`, `NaN` becomes `null`, a function
 * disappears). Plain objects, arrays, strings, finite numbers, booleans, `null`, and
 * objects with a `toJSON` method (`Date`...) are data; `undefined` is allowed as a
 * property's value (the property is left out).
 */
const notPlain = (value: unknown, path: string, depth: number, seen: Set<object>): string | undefined => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined
    case "number":
      return Number.isFinite(value) ? undefined : `${at(path)} is ${value}, which JSON cannot carry`
    case "bigint":
      return `${at(path)} is a BigInt, which JSON cannot carry (convert it to a string or a number)`
    case "undefined":
      return `${at(path)} is undefined`
    case "function":
    case "symbol":
      return `${at(path)} is a ${typeof value}`
  }
  if (value === null) return undefined
  const object = value as object
  if (typeof (object as { readonly toJSON?: unknown }).toJSON === "function") return undefined
  if (typeof FormData === "function" && object instanceof FormData) {
    return `${at(path)} is a FormData (send it with Serializer.multipart)`
  }
  if (depth > 512) return `${at(path)} is nested more than 512 levels deep`
  if (seen.has(object)) return `${at(path)} refers back to itself`
  if (Array.isArray(object)) {
    seen.add(object)
    for (let i = 0; i < object.length; i++) {
      const r = notPlain(object[i], `${path}[${i}]`, depth + 1, seen)
      if (r !== undefined) return r
    }
    seen.delete(object)
    return undefined
  }
  const proto = Object.getPrototypeOf(object)
  if (proto !== Object.prototype && proto !== null) {
    return `${at(path)} is ${kindOf(object)}, not plain data (give it a toJSON method, or use another serializer)`
  }
  seen.add(object)
  for (const key of Object.keys(object)) {
    const v = (object as Record<string, unknown>)[key]
    if (v === undefined) continue
    const r = notPlain(
      v,
      `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key.slice(0, 40))}]`}`,
      depth + 1,
      seen
    )
    if (r !== undefined) return r
  }
  seen.delete(object)
  return undefined
}

/**
 * JSON (`application/json`) of plain data only: a `FormData`, `Blob`, `Map`, `Set`,
 * typed array, `BigInt`, function, non-finite number or class instance without `toJSON`
 * anywhere in the payload fails the call with `InputError` naming where, before any I/O
 * (JSON would silently send `{}`, `null` or nothing in its place).
 *
 * @since 0.1.0
 * @category serializers
 */
export const json: Service = make({
  name: "json",
  contentType: "application/json",
  serialize: (payload) => {
    const reason = notPlain(payload, "", 0, new Set())
    if (reason !== undefined) throw new Error(reason)
    return JSON.stringify(payload)
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
 * `multipart/form-data` from a `FormData`, or from a record whose values are strings,
 * numbers, booleans, bytes (`Uint8Array`), `Blob`/`File`s or `Stream`s of bytes (an
 * array repeats the field). Blob and Stream parts are streamed as the body is sent;
 * the boundary is random (16 bytes from `crypto.getRandomValues`). A body with a Stream
 * or Blob part cannot be sent again after a 307/308 redirect.
 *
 * @since 0.1.0
 * @category serializers
 */
export const multipart: Service = make({
  name: "multipart",
  contentType: "multipart/form-data",
  serialize: (payload) => {
    const boundary = Multipart.boundary()
    return { body: Multipart.body(payload, boundary), contentType: `multipart/form-data; boundary=${boundary}` }
  }
})

/**
 * The serializers by name, as spec files and configs refer to them.
 *
 * @since 0.1.0
 * @category serializers
 */
export const byName: Readonly<Record<string, Service>> = { json, formUrlEncoded, text, bytes, multipart }

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
