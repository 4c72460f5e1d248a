/**
 * An endpoint is the immutable description of one operation of a service: its method,
 * its path template and, optionally, Schemas for its payload, success and error bodies,
 * query and headers, plus endpoint-level plugin settings. The names of the path tokens
 * are inferred from the template literal type, so a missing token is a compile error.
 *
 * @since 0.1.0
 */
import { type Duration, Schema, type SchemaAST, type Stream, type Types } from "effect"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import type { ByStatus, CallError, RequestError } from "./Errors.js"
import { SpecError } from "./Errors.js"
import type * as EventStream from "./EventStream.js"
import { checkHeader } from "./internal/headers.js"
import { knownCallKeys } from "./internal/knownSettings.js"
import { fill, parseTemplate, type Template } from "./internal/path.js"
import { encodeQuery, type QueryValue } from "./internal/query.js"
import { isPlainRecord } from "./internal/record.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId = "~@service-client/core/Endpoint" as const

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"

/**
 * @since 0.1.0
 * @category models
 */
export const methods: ReadonlyArray<Method> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

/**
 * The input keys a call reserves for itself: a path token may not use one of these names
 * (nor the call-input keys of the plugins this project ships: `timeout`, `elapsed`,
 * `retry`, `idempotencyKey`, `hedge`, `chaos`, `trackingToken`, `trackingTokenPrefix`).
 *
 * @since 0.1.0
 * @category models
 */
export const reservedInputKeys = [
  "payload",
  "query",
  "headers",
  "redirect"
] as const

/**
 * @since 0.1.0
 * @category models
 */
export type ReservedInputKey = typeof reservedInputKeys[number]

/**
 * A query value: `null`/`undefined` removes the key (also a default), an array repeats it.
 *
 * @since 0.1.0
 * @category models
 */
export type {
  /**
   * @since 0.2.0
   * @category models
   */
  QueryValue
}

/**
 * How the mock transport answers an endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type MockDescription =
  | MockDescription.Json
  | MockDescription.Raw
  | MockDescription.File
  | MockDescription.Arbitrary

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace MockDescription {
  /** @since 0.1.0 */
  export interface Common {
    readonly status?: number | undefined
    readonly headers?: Readonly<Record<string, string>> | undefined
    readonly delay?: Duration.DurationInput | undefined
    /**
     * `false`: answer the data as it is, even when it does not match the endpoint's
     * success/error Schema (by default the mock transport refuses such an answer).
     */
    readonly check?: boolean | undefined
  }
  /** @since 0.1.0 */
  export interface Json extends Common {
    readonly type: "json"
    readonly data: unknown
  }
  /** @since 0.1.0 */
  export interface Raw extends Common {
    readonly type: "raw"
    readonly data: string | Uint8Array
  }
  /** @since 0.1.0 */
  export interface File extends Common {
    readonly type: "file"
    readonly file: string
  }
  /**
   * Data generated from the endpoint's success Schema (effect's `Arbitrary`), the same
   * for the same `seed`; without a seed, one drawn from the call's `Random`.
   *
   * @since 0.1.0
   */
  export interface Arbitrary extends Common {
    readonly type: "arbitrary"
    readonly seed?: number | undefined
  }
}

/**
 * Endpoint-level settings read by the core and the plugins; a spec file sets the same keys.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  readonly pathTokens?: Readonly<Record<string, string | number>> | undefined
  /** The payload is sent as it is (a `Stream` of bytes, bytes or a string), never serialized. */
  readonly streamRequest?: boolean | undefined
  /** The call returns the body as a `Stream` of bytes instead of reading and parsing it. */
  readonly streamResponse?: boolean | undefined
  /**
   * With `streamResponse`, the body is a `Stream` of events decoded by the success Schema:
   * `"sse"` (Server-Sent Events: `EventStream.Event`s, reconnecting with `Last-Event-ID`)
   * or `"ndjson"` (one JSON value per line).
   */
  readonly events?: "sse" | "ndjson" | undefined
  /** The longest line or event of an event stream (characters). Default 1 MiB. */
  readonly maxEventBytes?: number | undefined
  readonly mock?: MockDescription | undefined
  /** Fail a call whose response body is larger than this (bytes). */
  readonly maxResponseBytes?: number | undefined
  /**
   * Compress the request body with this coding (`Content-Encoding`) before sending it: an
   * opt-in, for servers known to accept it (`CompressionStream`: gzip or deflate).
   */
  readonly compressRequest?: "gzip" | "deflate" | undefined
  /** What a 3xx with a `Location` does (see {@link RedirectPolicy}); the client's policy when not set. */
  readonly redirect?: RedirectPolicy | undefined
  readonly description?: string | undefined
}

/**
 * What a redirect (301, 302, 303, 307, 308 with a `Location`) does: `"follow"` it (the
 * default, up to the client's `maxRedirects`), hand it back as it is (`"manual"`: a
 * `ResponseError` with its status and `location` header), or fail with a `RequestError`
 * (`"error"`, reason `Redirect`).
 *
 * @since 0.1.0
 * @category models
 */
export type RedirectPolicy = "follow" | "manual" | "error"

/**
 * The keys of {@link Settings} the core decodes from plain data (a plugin's own settings,
 * added to `Settings` by a module augmentation, are decoded by the plugin: `Setting`).
 *
 * @since 0.1.0
 * @category models
 */
export type CoreSettingKey =
  | "headers"
  | "query"
  | "pathTokens"
  | "streamRequest"
  | "streamResponse"
  | "events"
  | "maxEventBytes"
  | "mock"
  | "maxResponseBytes"
  | "redirect"
  | "compressRequest"
  | "description"

/**
 * The keys of {@link Settings} the core decodes, as a spec file may use them.
 *
 * @since 0.1.0
 * @category models
 */
export const settingKeys: ReadonlyArray<CoreSettingKey & keyof Settings> = [
  "headers",
  "query",
  "pathTokens",
  "streamRequest",
  "streamResponse",
  "events",
  "maxEventBytes",
  "mock",
  "maxResponseBytes",
  "redirect",
  "compressRequest",
  "description"
]

type AnySchema = Schema.Schema<any, any, never>

/**
 * What the endpoint constructors check a Schema option against: a Schema without
 * requirements (`Context` is `never`), compared by its `Type`, `Encoded`, `Context` and
 * `ast` rather than as a `Schema.Schema<any, any, never>`. As the contextual type of
 * `{ success: Schema.Array(User) }`, the full Schema interface made the compiler infer the
 * Schema constructor's type parameters back from it and compare every member of the
 * Schema's interface (`annotations`...): ~2 k type instantiations per Schema written in
 * an endpoint's options, against ~0.2 k for the constructor alone.
 *
 * @since 0.3.0
 * @category models
 */
export interface SchemaInput {
  readonly Type: any
  readonly Encoded: any
  readonly Context: never
  readonly ast: SchemaAST.AST
}

/**
 * A request model: a `Schema.Class` whose fields are the call input (path tokens and
 * reserved keys such as `payload` and `query`).
 *
 * @since 0.1.0
 * @category models
 */
export interface InputModel extends Schema.Schema<any, any, never> {
  new(props: any, options?: any): any
  readonly fields: Schema.Struct.Fields
}

/**
 * The Schemas of an endpoint, each of type `S`.
 *
 * @since 0.3.0
 * @category models
 */
export interface SchemaOptions<S> {
  readonly payload?: S | undefined
  readonly success?: S | undefined
  /** One Schema for every non-2xx status, or one per status. */
  readonly error?: S | { readonly [status: number]: S } | undefined
  readonly querySchema?: S | undefined
  readonly headersSchema?: S | undefined
  /**
   * A request model (`Schema.Class`) describing the whole call input: the method takes an
   * instance or its plain fields, validated through the class. Describe the payload and
   * the query in its fields (not with `payload`/`querySchema` beside it).
   */
  readonly input?: InputModel | undefined
}

/**
 * The options of an endpoint: settings plus Schemas (what an `Endpoint` holds).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Settings, SchemaOptions<AnySchema> {}

/**
 * What the endpoint constructors take: {@link Options} whose Schemas are checked as
 * {@link SchemaInput} (the same check, cheaper for the compiler).
 *
 * @since 0.3.0
 * @category models
 */
export interface OptionsInput extends Settings, SchemaOptions<SchemaInput> {}

/**
 * A body sent as it is by a `streamRequest` endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamBody = Stream.Stream<Uint8Array, unknown> | Uint8Array | string

/**
 * A path token's value.
 *
 * @since 0.1.0
 * @category models
 */
export type TokenValue = string | number

/**
 * The token names of a path template: `TokensOf<"/a/{b}/{c}">` is `"b" | "c"`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type TokensOf<P extends string> = P extends `${string}{${infer T}}${infer R}` ? T | TokensOf<R> : never

/**
 * @since 0.1.0
 * @category models
 */
export interface CommonInput {
  readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined
  /** The redirect policy of this call (over the endpoint's and the client's). */
  readonly redirect?: RedirectPolicy | undefined
}

type DefaultedTokens<O> = O extends { readonly pathTokens: infer T } ? keyof T & string : never

type OptionalIfUndefined<K extends string, A> = undefined extends A ? { readonly [_ in K]?: A }
  : { readonly [_ in K]: A }
type OptionalIfEmpty<K extends string, A> = {} extends A ? { readonly [_ in K]?: A | undefined }
  : { readonly [_ in K]: A }

type PayloadInput<O> = O extends { readonly payload: { readonly Type: infer A } } ? OptionalIfUndefined<"payload", A>
  : O extends { readonly streamRequest: true } ? { readonly payload?: StreamBody | undefined }
  : { readonly payload?: unknown }

type QueryInput<O> = O extends { readonly querySchema: { readonly Type: infer A } } ? OptionalIfEmpty<"query", A>
  : { readonly query?: Readonly<Record<string, QueryValue>> | undefined }

// a headers Schema types its own fields; other headers still pass (its encoder checks them)
type HeadersInput<O> = O extends { readonly headersSchema: { readonly Type: infer A } } ?
  OptionalIfEmpty<"headers", A & { readonly [name: string]: unknown }>
  : { readonly headers?: CommonInput["headers"] }

/**
 * The input of a call to an endpoint of path `P` built with options `O`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type InputOf<P extends string, O> = O extends {
  readonly input: Schema.Schema<infer Self, any, any> & (new(props: infer Props, options?: any) => any)
} ? Self | Exclude<Props, void>
  : FieldsInput<P, O, PayloadInput<O>>

/** The input of an endpoint described by its options, its payload part given (`Payload`). */
type FieldsInput<P extends string, O, Payload> = WithShortForm<
  TokensOf<P>,
  Types.Simplify<
    & { readonly [K in Exclude<TokensOf<P>, DefaultedTokens<O>>]: TokenValue }
    & { readonly [K in Extract<TokensOf<P>, DefaultedTokens<O>>]?: TokenValue | undefined }
    & Payload
    & QueryInput<O>
    & HeadersInput<O>
    & Omit<CommonInput, "headers">
  >
>

/**
 * The input {@link InputOf} computes, from the keys of a call that are the endpoint's own
 * (its path tokens, `payload`, `query`, `headers`) written out: those keys and the common
 * ones (`CommonInput` but `headers`, with the call keys the plugins add). A module written
 * by `service-client generate` declares its endpoints' inputs with it (`Endpoint<P,
 * DeclaredInput<{ ... }>, A, E>`) instead of having the compiler compute them from the
 * options.
 *
 * @since 0.3.0
 * @category type-level
 */
export type DeclaredInput<K> = Types.Simplify<K & Omit<CommonInput, "headers">>

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never
type IsSingle<T> = [T] extends [never] ? false : [T] extends [UnionToIntersection<T>] ? true : false

/**
 * The shortest call: an endpoint with exactly one path token and no other required input
 * also takes the token's value itself (`getUser(12)` for `getUser({ user_id: 12 })`).
 *
 * @since 0.1.0
 * @category type-level
 */
export type WithShortForm<T extends string, I> = IsSingle<T> extends true ? {} extends Omit<I, T> ? I | TokenValue : I
  : I

/**
 * What an empty path token is checked against: a string literal `""` is not assignable
 * to it, so `getUser({ user_id: "" })` and `getUser("")` are compile errors (a value only
 * known at run time is still checked then: `InputError`).
 *
 * @since 0.2.0
 * @category type-level
 */
export interface EmptyPathToken {
  readonly "a path token may not be empty": never
}

type KeysOf<I> = I extends unknown ? keyof I : never

/**
 * The check a call's input `X` (inferred as written) must pass for an endpoint of input
 * `I` and path tokens `T`: no token is the literal `""` (also in the short form), and no
 * key is one the input does not have. An `X` that is the input type itself (the method's
 * default, a value typed with it, `Effect.Tag`'s accessors reading the signature) has
 * nothing written to check, and costs one comparison.
 *
 * @since 0.2.0
 * @category type-level
 */
export type CheckInput<X, I, T extends string> = [I] extends [X] ? unknown : CheckWritten<X, I, T>

// `X` is narrower than the input type: what was written (a literal), checked token by token
type CheckWritten<X, I, T extends string> = X extends string ? (X extends "" ? EmptyPathToken : unknown)
  : X extends object ?
      & { readonly [K in keyof X & T]: X[K] extends "" ? EmptyPathToken : unknown }
      // a record typed only by its index (`Record<string, unknown>`) has no keys to check
      & (string extends keyof X ? unknown : { readonly [K in Exclude<keyof X, KeysOf<I>>]: never })
  : unknown

/**
 * The success value of an endpoint built with options `O`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type SuccessOf<O> = O extends { readonly streamResponse: true; readonly events: "sse" }
  ? Stream.Stream<EventStream.Event<DataOf<O, string>>, EventStream.EventStreamError | CallError>
  : O extends { readonly streamResponse: true; readonly events: "ndjson" }
    ? Stream.Stream<DataOf<O, unknown>, EventStream.EventStreamError | CallError>
  : O extends { readonly streamResponse: true } ? Stream.Stream<Uint8Array, RequestError>
  : O extends { readonly success: { readonly Type: infer A } } ? A
  : unknown

/** An event's data: what the success Schema decodes, or `D` without one. */
type DataOf<O, D> = O extends { readonly success: { readonly Type: infer A } } ? A : D

/**
 * The decoded error body of an endpoint built with options `O`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ErrorOf<O> = O extends { readonly error: infer S } ? S extends { readonly Type: infer E } ? E
  : S extends { readonly [status: number]: Schema.Schema<any, any, any> } ?
    ByStatus<{ readonly [K in keyof S & number]: Schema.Schema.Type<S[K]> }>
  : unknown
  : unknown

/** The call-input keys of the plugins this project ships (a path token takes none of these names either). */
type PluginCallKey =
  | "timeout"
  | "elapsed"
  | "retry"
  | "idempotencyKey"
  | "hedge"
  | "chaos"
  | "trackingToken"
  | "trackingTokenPrefix"

/**
 * Rejects a template whose tokens use a reserved input key or a call-input key of a
 * built-in plugin.
 *
 * @since 0.1.0
 * @category type-level
 */
export type CheckPath<P extends string> = [Extract<TokensOf<P>, ReservedInputKey | PluginCallKey>] extends [never]
  ? unknown
  : `a path token may not be named "${Extract<TokensOf<P>, ReservedInputKey | PluginCallKey>}"`

/**
 * @since 0.1.0
 * @category models
 */
export interface Endpoint<out P extends string = string, in out I = any, out A = unknown, out E = unknown>
  extends Pipeable, Options
{
  readonly [TypeId]: {
    readonly _I: Types.Invariant<I>
    readonly _A: Types.Covariant<A>
    readonly _E: Types.Covariant<E>
  }
  readonly method: Method
  readonly path: P
  /** The token names of the path template, in order. */
  readonly tokens: ReadonlyArray<string>
  /** @internal */
  readonly template: Template
}

/**
 * Any endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Endpoint<string, any, any, any>

/**
 * An endpoint loaded from plain data: no Schemas, any input.
 *
 * @since 0.1.0
 * @category models
 */
export type Untyped = Endpoint<string, UntypedInput, unknown, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export type UntypedInput = CommonInput & {
  readonly payload?: unknown
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  readonly [token: string]: unknown
}

/**
 * @since 0.1.0
 * @category type-level
 */
export type Input<T> = T extends Endpoint<any, infer I, any, any> ? I : never

/**
 * @since 0.1.0
 * @category type-level
 */
export type Success<T> = T extends Endpoint<any, any, infer A, any> ? A : never

/**
 * @since 0.1.0
 * @category type-level
 */
export type ErrorBody<T> = T extends Endpoint<any, any, any, infer E> ?
  E extends ByStatus<infer M> ? M[keyof M & number] : E
  : never

/**
 * The error bodies of an endpoint as `ResponseErrors` reads them: one type, or `ByStatus`
 * for one Schema per status.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ErrorBodies<T> = T extends Endpoint<any, any, any, infer E> ? E : never

/**
 * @since 0.1.0
 * @category guards
 */
export const isEndpoint = (u: unknown): u is Any => typeof u === "object" && u !== null && TypeId in u

const Proto = {
  [TypeId]: { _I: (a: unknown) => a, _A: (a: unknown) => a, _E: (a: unknown) => a },
  pipe() {
    return pipeArguments(this, arguments)
  }
}

const reserved: ReadonlySet<string> = new Set<string>([...reservedInputKeys, ...knownCallKeys])

/**
 * Builds an endpoint. Throws a `SpecError` for a malformed template (`/a/{b`), a
 * template that could reach another host (`//evil/`, `http://`), or a token named after
 * a reserved input key: these are mistakes in code, caught when the module loads.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <const P extends string, const O extends OptionsInput = {}>(
  options: O & { readonly method: Method; readonly path: P & CheckPath<P> }
): Of<P, O> => {
  if (typeof options !== "object" || options === null) {
    throw new SpecError({ key: "endpoint", reason: "expected the endpoint's options: { method, path, ... }" })
  }
  if (!methods.includes(options.method)) {
    throw new SpecError({ key: "method", reason: `unknown method "${String(options.method)}"` })
  }
  const template = parseTemplate(options.path)
  if (typeof template === "string") throw new SpecError({ key: "path", reason: template })
  for (const token of template.tokens) {
    if (reserved.has(token)) {
      throw new SpecError({ key: "path", reason: `the path token "${token}" uses a reserved input key` })
    }
  }
  if (
    options.events !== undefined && (options.streamResponse !== true || !["sse", "ndjson"].includes(options.events))
  ) {
    throw new SpecError({ key: "events", reason: "expected \"sse\" or \"ndjson\" on a streamResponse endpoint" })
  }
  if (options.input !== undefined) checkModel(options, template.tokens)
  checkOptions(options, template)
  const self = Object.create(Proto)
  for (const key in options) {
    const value = (options as unknown as Record<string, unknown>)[key]
    if (value !== undefined) self[key] = value
  }
  self.tokens = template.tokens
  self.template = template
  return Object.freeze(self)
}

/**
 * The endpoint's Schemas are Schemas, and its own defaults are what a call's values could
 * be (checked as those are): a bad one would fail only later, on every call, blaming the
 * call's input.
 */
const checkOptions = (options: OptionsInput, template: Template) => {
  const fail = (key: string, reason: string) => {
    throw new SpecError({ key, reason })
  }
  const o = options as Record<string, unknown>
  for (const key of ["payload", "success", "querySchema", "headersSchema", "error"]) {
    const value = o[key]
    if (value === undefined || Schema.isSchema(value)) continue
    // `error` may give one Schema per status
    if (key !== "error" || !isPlainRecord(value)) fail(key, "expected a Schema")
    for (const [status, schema] of Object.entries(value as object)) {
      if (!Schema.isSchema(schema)) fail(`error.${status}`, "expected a Schema")
    }
  }
  for (const key of ["headers", "query", "pathTokens"]) {
    if (o[key] !== undefined && !isPlainRecord(o[key])) fail(key, "expected a record")
  }
  for (const [name, value] of Object.entries(o.headers ?? {})) {
    const reason = value === null || value === undefined ? undefined : checkHeader(name.toLowerCase(), value)
    if (reason !== undefined) fail("headers", reason)
  }
  const query = encodeQuery((o.query ?? {}) as Readonly<Record<string, QueryValue>>)
  if (typeof query !== "string") fail(`query.${query.key}`, query.reason)
  for (const [name, value] of Object.entries(o.pathTokens ?? {})) {
    const filled = template.tokens.includes(name)
      ? fill(oneToken, { t: value })
      : { reason: "the path has no such token" }
    if (typeof filled !== "string") fail(`pathTokens.${name}`, filled.reason)
  }
}

/** A path of one token, to check a token's value alone. */
const oneToken = parseTemplate("/{t}") as Template

const checkModel = (options: OptionsInput, tokens: ReadonlyArray<string>) => {
  const model = options.input!
  const fields = (model as { readonly fields?: unknown }).fields
  if (typeof model !== "function" || typeof fields !== "object" || fields === null) {
    throw new SpecError({ key: "input", reason: "expected a Schema.Class" })
  }
  for (const key of ["payload", "querySchema", "headersSchema"] as const) {
    if (options[key] !== undefined) {
      throw new SpecError({ key, reason: `describe it in the fields of the input model ${model.name} instead` })
    }
  }
  for (const field of Object.keys(fields)) {
    if (!tokens.includes(field) && !reserved.has(field)) {
      throw new SpecError({
        key: "input",
        reason: `the field "${field}" of ${model.name} is neither a path token nor one of ${[...reserved].join(", ")}`
      })
    }
  }
  for (const token of tokens) {
    if (
      !Object.hasOwn(fields, token) && !(options.pathTokens !== undefined && Object.hasOwn(options.pathTokens, token))
    ) {
      throw new SpecError({ key: "input", reason: `${model.name} has no field for the path token "${token}"` })
    }
  }
}

const withMethod = (method: Method) =>
<const P extends string, const O extends OptionsInput = {}>(
  path: P & CheckPath<P>,
  options?: O
): Of<P, O> => make<P, O>({ ...(options as O), method, path })

/**
 * The endpoint `make`, `post`, `put`, `patch`, `del` and `options` build from a path `P`
 * and options of type `O`: a module can declare an endpoint's type with it instead of
 * having it inferred (modules written by `service-client generate` do).
 *
 * @since 0.2.0
 * @category type-level
 */
export type Of<P extends string, O> = Endpoint<P, InputOf<P, O>, SuccessOf<O>, ErrorOf<O>>

/**
 * The endpoint `get` and `head` build from a path `P` and options of type `O`.
 *
 * @since 0.2.0
 * @category type-level
 */
export type BodilessOf<P extends string, O> = Endpoint<P, BodilessInputOf<P, O>, SuccessOf<O>, ErrorOf<O>>

/**
 * The input of a GET or HEAD endpoint: no payload (giving one is a compile error, and an
 * `InputError` at run time for untyped calls).
 *
 * @since 0.1.0
 * @category type-level
 */
export type BodilessInputOf<P extends string, O> = O extends { readonly input: unknown } ? InputOf<P, O>
  // built with no payload, rather than built and then rebuilt without it (an Omit and a
  // second Simplify per GET endpoint)
  : FieldsInput<P, O, { readonly payload?: undefined }>

/** GET and HEAD: a `payload` Schema or `streamRequest` in the options, or a payload in the call, does not compile. */
const withoutBody = (method: Method) =>
<
  const P extends string,
  const O extends OptionsInput & { readonly payload?: undefined; readonly streamRequest?: false | undefined } = {}
>(
  path: P & CheckPath<P>,
  options?: O
): BodilessOf<P, O> => make<P, O>({ ...(options as O), method, path }) as unknown as BodilessOf<P, O>

/**
 * @since 0.1.0
 * @category constructors
 */
export const get = withoutBody("GET")

/**
 * @since 0.1.0
 * @category constructors
 */
export const post = withMethod("POST")

/**
 * @since 0.1.0
 * @category constructors
 */
export const put = withMethod("PUT")

/**
 * @since 0.1.0
 * @category constructors
 */
export const patch = withMethod("PATCH")

/**
 * @since 0.1.0
 * @category constructors
 */
export const del = withMethod("DELETE")

/**
 * @since 0.1.0
 * @category constructors
 */
export const head = withoutBody("HEAD")

/**
 * @since 0.1.0
 * @category constructors
 */
export const options = withMethod("OPTIONS")
