/**
 * The Schemas an imported OpenAPI operation needs beyond plain bodies: query and header
 * parameters serialized by their `style`/`explode`, per-status error bodies with `4XX`
 * ranges and `default`, and bodies that keep the properties a document does not list.
 * `SpecLoader.openapi` builds endpoints with them, and modules written by
 * `service-client generate` call them, so both send the same wire.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Endpoint from "./Endpoint.js"
import type { QueryValue } from "./internal/query.js"
import * as Spec from "./Spec.js"

/**
 * A parameter's serialization (OpenAPI `style`). `form` is the query default, `simple`
 * the header default.
 *
 * @since 0.1.0
 * @category models
 */
export type Style = "form" | "spaceDelimited" | "pipeDelimited" | "deepObject" | "simple"

/**
 * @since 0.1.0
 * @category models
 */
export interface ParamStyle {
  readonly style?: Style | undefined
  /** Defaults to `true` for `form` and `deepObject`, `false` otherwise (as in OpenAPI). */
  readonly explode?: boolean | undefined
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const delimiter = (style: Style | undefined) => style === "spaceDelimited" ? " " : style === "pipeDelimited" ? "|" : ","

const scalar = (u: unknown): u is string | number | boolean | bigint =>
  typeof u === "string" || typeof u === "number" || typeof u === "boolean" || typeof u === "bigint"

/** Adds `key[a][b]=v` entries for a deepObject value. */
const deep = (out: Record<string, QueryValue>, key: string, value: unknown) => {
  if (Array.isArray(value)) {
    out[`${key}[]`] = value.filter(scalar) as Array<string | number | boolean>
    for (const [i, item] of value.entries()) if (!scalar(item)) deep(out, `${key}[${i}]`, item)
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) if (v !== undefined) deep(out, `${key}[${k}]`, v)
  } else if (value !== undefined) {
    out[key] = value as QueryValue
  }
}

/** An array or object value as one delimited string (`explode: false`). */
const joined = (value: ReadonlyArray<unknown> | Record<string, unknown>, sep: string): string =>
  (Array.isArray(value) ? value : Object.entries(value).flat()).map(String).join(sep)

const flattenQuery = (
  value: Record<string, unknown>,
  styles: Readonly<Record<string, ParamStyle>>
): Record<string, QueryValue> => {
  const out: Record<string, QueryValue> = {}
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue
    const style = Object.hasOwn(styles, key) ? styles[key]! : {}
    const explode = style.explode ??
      (style.style === undefined || style.style === "form" || style.style === "deepObject")
    if (style.style === "deepObject") {
      deep(out, key, v)
    } else if (Array.isArray(v)) {
      out[key] = explode ? v as Array<string | number | boolean> : joined(v, delimiter(style.style))
    } else if (isObject(v)) {
      if (explode) {
        for (const [k, item] of Object.entries(v)) if (item !== undefined) out[k] = item as QueryValue
      } else {
        out[key] = joined(v, delimiter(style.style))
      }
    } else {
      out[key] = v as QueryValue
    }
  }
  return out
}

const FlatQuery = Schema.Record({ key: Schema.String, value: Schema.Unknown }) as unknown as Schema.Schema<
  Readonly<Record<string, QueryValue>>
>
const Rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * A query Schema: its type is the struct of `fields` (validated when a call encodes it),
 * its wire form the flat record the client sends, each parameter serialized by its style
 * (`form` arrays repeat the key or join with `,`, `spaceDelimited`/`pipeDelimited` join,
 * `deepObject` writes `key[prop]=v`). Keys not in `fields` pass through unchanged.
 *
 * @since 0.1.0
 * @category constructors
 */
export const query = <const F extends Schema.Struct.Fields>(
  fields: F,
  styles: Readonly<Record<string, ParamStyle>> = {}
): Schema.Schema<Schema.Struct.Type<F>, Readonly<Record<string, QueryValue>>> =>
  Schema.transform(FlatQuery, Schema.Struct(fields, Rest), {
    strict: false,
    decode: (flat) => flat,
    encode: (value) => flattenQuery(value as Record<string, unknown>, styles)
  }) as any

const headerValue = (value: unknown, explode: boolean): string =>
  Array.isArray(value)
    ? value.map(String).join(",")
    : isObject(value)
    ? Object.entries(value).map(([k, v]) => (explode ? `${k}=${String(v)}` : `${k},${String(v)}`)).join(",")
    : String(value)

const FlatHeaders = Schema.Record({ key: Schema.String, value: Schema.Unknown }) as unknown as Schema.Schema<
  Readonly<Record<string, string | null | undefined>>
>

/**
 * A headers Schema: the struct of `fields` on the type side, strings on the wire
 * (`simple` style: arrays joined with `,`, objects as `k,v` or `k=v` when exploded).
 * Headers not in `fields` pass through unchanged (`null` still removes a default).
 *
 * @since 0.1.0
 * @category constructors
 */
export const headers = <const F extends Schema.Struct.Fields>(
  fields: F,
  styles: Readonly<Record<string, ParamStyle>> = {}
): Schema.Schema<Schema.Struct.Type<F>, Readonly<Record<string, string | null | undefined>>> =>
  Schema.transform(FlatHeaders, Schema.Struct(fields, Rest), {
    strict: false,
    decode: (flat) => flat,
    encode: (value) => {
      const out: Record<string, string | null> = {}
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue
        out[key] = v === null ? null : headerValue(v, Object.hasOwn(styles, key) && styles[key]!.explode === true)
      }
      return out
    }
  }) as any

/**
 * Per-status error bodies from an OpenAPI `responses` map: exact statuses (`"404"`),
 * ranges (`"4XX"`) and `default` (every other status from 300 to 599), expanded into the
 * status → Schema record an endpoint's `error` option takes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const errors = <const R extends Readonly<Record<string, Schema.Schema<any, any, never>>>>(
  responses: R
): { readonly [status: number]: R[keyof R] } => {
  const out: Record<number, Schema.Schema<any, any, never>> = {}
  const fill = (from: number, to: number, schema: Schema.Schema<any, any, never>) => {
    for (let s = from; s <= to; s++) if (!(s in out)) out[s] = schema
  }
  for (const [key, schema] of Object.entries(responses)) if (/^\d{3}$/.test(key)) out[Number(key)] = schema
  for (const [key, schema] of Object.entries(responses)) {
    const range = /^([1-5])XX$/i.exec(key)
    if (range) fill(Number(range[1]) * 100, Number(range[1]) * 100 + 99, schema)
  }
  if (responses.default !== undefined) fill(300, 599, responses.default)
  return out as { readonly [status: number]: R[keyof R] }
}

/**
 * A body Schema that keeps the properties its document does not list (decoding and
 * encoding preserve them instead of dropping them).
 *
 * @since 0.1.0
 * @category constructors
 */
export const body = <A, I>(schema: Schema.Schema<A, I, never>): Schema.Schema<A, I, never> =>
  schema.annotations({ parseOptions: { onExcessProperty: "preserve" } })

/**
 * `Schema.Struct(fields)` (with the index signature `rest`) whose static type is left to
 * the caller: `Schema.Schema<any>`. A module written by `service-client generate` gives
 * each definition its type as a printed interface (`const User: Schema.Schema<User> =
 * OpenApi.struct({ ... })`); the type `Schema.Struct` infers is exact but costs the
 * compiler a mapped type per object each time it is compared, which made a large
 * document's module take minutes to check.
 *
 * @since 0.2.0
 * @category constructors
 */
export const struct = (
  fields: Schema.Struct.Fields,
  rest?: Schema.Record$<Schema.Schema.AnyNoContext, Schema.Schema.AnyNoContext>
): Schema.Schema<any> =>
  (rest === undefined ? Schema.Struct(fields) : Schema.Struct(fields, rest)) as Schema.Schema<any, any, unknown> as any

/**
 * An endpoint as `Endpoint.make` builds it, typed `Endpoint.Any`: a module written by
 * `service-client generate` declares each endpoint's type (`Endpoint.Of`,
 * `Endpoint.BodilessOf`) in an interface beside it instead of having the compiler infer
 * it from the options.
 *
 * @since 0.2.0
 * @category constructors
 */
export const endpoint = (method: Endpoint.Method, path: string, options: Endpoint.Options = {}): Endpoint.Any =>
  Endpoint.make({ ...options, method, path })

/**
 * A Schema as a generated module builds it: its type is declared beside it.
 *
 * @since 0.3.0
 * @category builders
 */
export type AnySchema = Schema.Schema<any, any, never>

/**
 * A struct field as a generated module builds it: a Schema or an optional one.
 *
 * @since 0.3.0
 * @category builders
 */
export type AnyField = AnySchema | Schema.PropertySignature.Any

/**
 * A Schema filter as a generated module applies it (`S.String.pipe(S.maxLength(40))`).
 *
 * @since 0.3.0
 * @category builders
 */
export type AnyFilter = (self: AnySchema) => AnySchema

/**
 * The options of an endpoint imported from an OpenAPI operation (a part of `Endpoint.Options`).
 *
 * @since 0.3.0
 * @category builders
 */
export interface EndpointOptions {
  readonly payload?: AnySchema
  readonly streamRequest?: true
  readonly success?: AnySchema
  readonly error?: { readonly [status: number]: AnySchema }
  readonly querySchema?: AnySchema
  readonly headersSchema?: AnySchema
  readonly description?: string
}

/**
 * What a module written by `service-client generate` builds its values with: effect's
 * Schema constructors and this module's helpers, the same functions, typed without type
 * parameters (`AnySchema` in, `AnySchema` out). The module declares every type beside its
 * value (`const User: Schema.Schema<User> = S.struct({ ... })`), so the compiler checks
 * each call against one signature instead of inferring a Schema type per expression,
 * which is what made a large document's module slow to check.
 *
 * @since 0.3.0
 * @category builders
 */
export interface Builders {
  readonly String: AnySchema
  readonly Number: AnySchema
  readonly Int: AnySchema
  readonly Boolean: AnySchema
  readonly Null: AnySchema
  readonly Unknown: AnySchema
  readonly Never: AnySchema
  readonly optional: (self: AnySchema) => Schema.PropertySignature.Any
  readonly NullOr: (self: AnySchema) => AnySchema
  readonly UndefinedOr: (self: AnySchema) => AnySchema
  readonly Array: (items: AnySchema) => AnySchema
  readonly Tuple: {
    (elements: ReadonlyArray<AnySchema>, rest: AnySchema): AnySchema
    (...elements: ReadonlyArray<AnySchema>): AnySchema
  }
  readonly Union: (...members: ReadonlyArray<AnySchema>) => AnySchema
  readonly Literal: (...values: ReadonlyArray<string | number | boolean | null>) => AnySchema
  readonly Record: (options: { readonly key: AnySchema; readonly value: AnySchema }) => AnySchema
  readonly suspend: (f: () => AnySchema) => AnySchema
  readonly minLength: (n: number) => AnyFilter
  readonly maxLength: (n: number) => AnyFilter
  readonly pattern: (regex: RegExp) => AnyFilter
  readonly minItems: (n: number) => AnyFilter
  readonly maxItems: (n: number) => AnyFilter
  readonly greaterThan: (n: number) => AnyFilter
  readonly greaterThanOrEqualTo: (n: number) => AnyFilter
  readonly lessThan: (n: number) => AnyFilter
  readonly lessThanOrEqualTo: (n: number) => AnyFilter
  /** {@link struct} */
  readonly struct: (fields: { readonly [key: string]: AnyField }, rest?: AnySchema) => AnySchema
  /** {@link body} */
  readonly body: (schema: AnySchema) => AnySchema
  /** {@link query} */
  readonly query: (
    fields: { readonly [key: string]: AnyField },
    styles?: Readonly<Record<string, ParamStyle>>
  ) => AnySchema
  /** {@link headers} */
  readonly headers: (
    fields: { readonly [key: string]: AnyField },
    styles?: Readonly<Record<string, ParamStyle>>
  ) => AnySchema
  /** {@link errors} */
  readonly errors: (responses: { readonly [status: string]: AnySchema }) => { readonly [status: number]: AnySchema }
  /** {@link endpoint}, with the options an imported operation has */
  readonly endpoint: (method: Endpoint.Method, path: string, options?: EndpointOptions) => Endpoint.Any
  /**
   * `Spec.make(endpoints)` with the document's server as its base URL, typed `Spec.Spec<any>`:
   * the module declares the spec's type (`const Api: Spec.Spec<ApiEndpoints> = S.spec({ ... })`).
   */
  readonly spec: (endpoints: { readonly [name: string]: Endpoint.Any }, baseUrl?: string) => Spec.Spec<any>
}

/**
 * The {@link Builders} as the statics of a class, which a generated module extends
 * (`class S extends OpenApi.Builders {}`, then `S.String`, `S.struct(...)`): the compiler
 * resolves a class's name at once, where each use of a `const` makes it walk the module's
 * control flow back to the declaration (tens of thousands of uses in a large module).
 *
 * @since 0.3.0
 * @category builders
 */
export const Builders: (new() => object) & Builders = /* @__PURE__ */ Object.assign(
  class Builders {},
  {
    String: Schema.String,
    Number: Schema.Number,
    Int: Schema.Int,
    Boolean: Schema.Boolean,
    Null: Schema.Null,
    Unknown: Schema.Unknown,
    Never: Schema.Never as unknown as AnySchema,
    optional: Schema.optional,
    NullOr: Schema.NullOr,
    UndefinedOr: Schema.UndefinedOr,
    Array: Schema.Array,
    Tuple: Schema.Tuple as unknown as Builders["Tuple"],
    Union: Schema.Union,
    Literal: Schema.Literal as Builders["Literal"],
    Record: Schema.Record,
    suspend: Schema.suspend,
    minLength: Schema.minLength,
    maxLength: Schema.maxLength,
    pattern: Schema.pattern,
    minItems: Schema.minItems,
    maxItems: Schema.maxItems,
    greaterThan: Schema.greaterThan,
    greaterThanOrEqualTo: Schema.greaterThanOrEqualTo,
    lessThan: Schema.lessThan,
    lessThanOrEqualTo: Schema.lessThanOrEqualTo,
    struct: struct as Builders["struct"],
    body,
    query,
    headers,
    errors,
    endpoint,
    spec: (endpoints, baseUrl) => {
      const spec = Spec.make(endpoints as any) as Spec.Spec<any>
      return baseUrl === undefined ? spec : Spec.withBaseUrl(spec, baseUrl)
    }
  } satisfies Builders
)
