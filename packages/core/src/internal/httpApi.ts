/**
 * An @effect/platform `HttpApi` definition → endpoints (for `Spec.fromHttpApi`).
 *
 * @internal
 */
import type { HttpApi, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Option, Schema, SchemaAST, type Types } from "effect"
import * as Endpoint from "../Endpoint.js"
import { SpecError } from "../Errors.js"

type OptionalIfEmpty<K extends string, A> = {} extends A ? { readonly [_ in K]?: A | undefined }
  : { readonly [_ in K]: A }

/** The call input of an HttpApi endpoint. @internal */
export type HttpApiInput<Path, UrlParams, Payload, Headers> = Types.Simplify<
  & ([Path] extends [never] ? {} : { readonly [K in keyof Path]: Endpoint.TokenValue })
  & ([Payload] extends [never] ? {} : OptionalIfEmpty<"payload", Payload>)
  & ([UrlParams] extends [never] ? { readonly query?: Readonly<Record<string, Endpoint.QueryValue>> | undefined }
    : OptionalIfEmpty<"query", UrlParams>)
  & ([Headers] extends [never] ? { readonly headers?: Endpoint.CommonInput["headers"] }
    : OptionalIfEmpty<"headers", Headers & { readonly [name: string]: unknown }>)
  & Omit<Endpoint.CommonInput, "headers">
>

/** The endpoint an HttpApi endpoint becomes. @internal */
export type FromEndpoint<E, GroupError, ApiError> = E extends HttpApiEndpoint.HttpApiEndpoint<
  infer _Name,
  infer _Method,
  infer Path,
  infer UrlParams,
  infer Payload,
  infer Headers,
  infer Success,
  infer Error,
  infer _R,
  infer _RE
> ? Endpoint.Endpoint<string, HttpApiInput<Path, UrlParams, Payload, Headers>, Success, Error | GroupError | ApiError>
  : never

/** `users` + `getUser` → `usersGetUser`; a top-level group's endpoints keep their names. @internal */
export type EndpointName<Group extends string, Name extends string, TopLevel> = TopLevel extends true ? Name
  : `${Group}${Capitalize<Name>}`

/** The endpoints of an HttpApi, by name. @internal */
export type FromHttpApi<A> = A extends HttpApi.HttpApi<infer _Id, infer Groups, infer ApiError, infer _R> ?
  Types.Simplify<
    Types.UnionToIntersection<
      Groups extends
        HttpApiGroup.HttpApiGroup<infer GroupId, infer Endpoints, infer GroupError, infer _GR, infer TopLevel> ? {
          readonly [E in Endpoints as EndpointName<GroupId, E["name"], TopLevel>]: FromEndpoint<E, GroupError, ApiError>
        }
        : never
    >
  >
  : never

const capitalize = (s: string) => (s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1))

/** `/users/:id` → `/users/{id}`; `undefined` for a path this client cannot express. */
const template = (path: string): string | { readonly reason: string } => {
  let out = ""
  for (const segment of path.split("/").slice(1)) {
    if (segment === "*") return { reason: `the wildcard in "${path}" is not supported` }
    if (segment.startsWith(":")) {
      const name = segment.slice(1)
      if (name.endsWith("?")) return { reason: `the optional parameter "${segment}" in "${path}" is not supported` }
      out += `/{${name}}`
    } else {
      out += `/${segment}`
    }
  }
  return out.length === 0 ? "/" : out
}

/** Members of a union (or the schema itself). */
const members = (ast: SchemaAST.AST): ReadonlyArray<SchemaAST.AST> => (SchemaAST.isUnion(ast) ? ast.types : [ast])

/** Error Schemas by status, from the union of api, group and endpoint errors. */
const errorsByStatus = (schemas: ReadonlyArray<Schema.Schema.All>) => {
  const byStatus = new Map<number, Array<SchemaAST.AST>>()
  for (const schema of schemas) {
    for (const ast of members(schema.ast)) {
      if (SchemaAST.isNeverKeyword(ast)) continue
      const status = HttpApiSchema.getStatusErrorAST(ast)
      const list = byStatus.get(status) ?? []
      list.push(ast)
      byStatus.set(status, list)
    }
  }
  const out: Record<number, Schema.Schema<any, any, never>> = {}
  for (const [status, asts] of byStatus) {
    out[status] = Schema.make(asts.length === 1 ? asts[0]! : SchemaAST.Union.make(asts))
  }
  return out
}

/**
 * The endpoints of an HttpApi: one per endpoint of each group, named `groupEndpoint`
 * (a top-level group's keep their names), path `/users/:id` → `/users/{id}`, the payload,
 * url params, headers, success and error Schemas (errors per status, from their
 * `HttpApiSchema` status annotations). Throws a `SpecError` for what it cannot express.
 *
 * @internal
 */
export const endpointsOf = (api: HttpApi.HttpApi.Any): Record<string, Endpoint.Any> => {
  const out: Record<string, Endpoint.Any> = {}
  const a = api as unknown as HttpApi.HttpApi.AnyWithProps
  for (const group of Object.values(a.groups)) {
    for (const e of Object.values(group.endpoints)) {
      const name = group.topLevel ? e.name : `${group.identifier}${capitalize(e.name)}`
      const fail = (reason: string): never => {
        throw new SpecError({ endpoint: name, reason: `HttpApi ${group.identifier}.${e.name}: ${reason}` })
      }
      if (Object.hasOwn(out, name)) fail(`the name "${name}" is taken by another endpoint`)
      const path = template(e.path)
      if (typeof path !== "string") fail(path.reason)
      const method = e.method.toUpperCase()
      if (!(Endpoint.methods as ReadonlyArray<string>).includes(method)) fail(`the method ${e.method} is not supported`)
      const options: Record<string, unknown> = { method, path }
      const bodyless = method === "GET" || method === "HEAD"
      if (Option.isSome(e.payloadSchema)) {
        if (bodyless) {
          // HttpApi sends a GET payload as the query string
          if (Option.isSome(e.urlParamsSchema)) fail("a GET payload beside url params is not supported")
          options.querySchema = e.payloadSchema.value
        } else {
          options.payload = e.payloadSchema.value
        }
      }
      if (Option.isSome(e.urlParamsSchema)) options.querySchema = e.urlParamsSchema.value
      if (Option.isSome(e.headersSchema)) options.headersSchema = e.headersSchema.value
      if (!HttpApiSchema.isVoid(e.successSchema.ast)) options.success = e.successSchema
      const errors = errorsByStatus([a.errorSchema, group.errorSchema, e.errorSchema])
      if (Object.keys(errors).length > 0) options.error = errors
      try {
        out[name] = Endpoint.make(options as any)
      } catch (error) {
        if (error instanceof SpecError) fail(`${error.key === undefined ? "" : `${error.key}: `}${error.reason}`)
        throw error
      }
    }
  }
  return out
}
