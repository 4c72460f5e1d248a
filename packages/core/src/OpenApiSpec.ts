/**
 * An OpenAPI 3.0/3.1 document as a list of operations (names, parameters, bodies,
 * responses as `JsonSchema` nodes), and that model as a `Spec`. `SpecLoader.openapi`
 * reads a document from files; the CLI's `generate` prints the same model as a module.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import * as Endpoint from "./Endpoint.js"
import { SpecError } from "./Errors.js"
import { type Documents, segments, Unsupported } from "./internal/openapi/documents.js"
import type { Api, Operation, Parameter } from "./internal/openapi/model.js"
import { parseDocument } from "./internal/openapi/operations.js"
import { SchemaParser } from "./internal/openapi/schemas.js"
import * as JsonSchema from "./JsonSchema.js"
import * as OpenApi from "./OpenApi.js"
import * as Spec from "./Spec.js"

/**
 * The model: \`Parameter\` (a path, query or header parameter), \`Body\` (a request body),
 * \`ErrorResponse\` (a non-2xx JSON response), \`Operation\` and \`Api\` (the whole document).
 *
 * @since 0.1.0
 * @category models
 */
export type {
  /**
   * @since 0.2.0
   * @category models
   */
  Api,
  /**
   * @since 0.2.0
   * @category models
   */
  Body,
  /**
   * @since 0.2.0
   * @category models
   */
  ErrorResponse,
  /**
   * @since 0.2.0
   * @category models
   */
  Operation,
  /**
   * @since 0.2.0
   * @category models
   */
  Parameter
} from "./internal/openapi/model.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ParseOptions {
  /** The root document's name in errors (and its key in `documents`). */
  readonly file?: string | undefined
  /** Other documents its `$ref`s name, by key, and how a relative reference becomes a key. */
  readonly documents?: ReadonlyMap<string, unknown> | undefined
  readonly resolveFile?: ((base: string, ref: string) => string) | undefined
}

/**
 * A document's text as it may appear in an error: control characters escaped, bounded.
 *
 * @internal
 */
export const clean = (s: string, max: number): string => {
  // eslint-disable-next-line no-control-regex
  const escaped = s.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  )
  return escaped.length <= max ? escaped : `${escaped.slice(0, max)}… (${escaped.length - max} more characters)`
}

/** @internal */
export const toSpecError = (u: Unsupported, file: string | undefined): SpecError =>
  new SpecError({
    file: u.at.file === "" ? file : u.at.file,
    endpoint: u.endpoint === undefined ? undefined : clean(u.endpoint, 200),
    key: clean(u.at.pointer, 300),
    reason: clean(u.reason, 500)
  })

/**
 * Reads an OpenAPI document (already parsed JSON/YAML data) into the operation model.
 * Anything unsupported fails with a `SpecError` whose `key` is the JSON pointer of the
 * construct (`#/paths/~1pets/get/parameters/0/style`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const parse = (document: unknown, options: ParseOptions = {}): Either.Either<Api, SpecError> => {
  const root = options.file ?? ""
  const docs: Documents = {
    root,
    get: (file) => (file === root ? document : options.documents?.get(file)),
    resolveFile: options.resolveFile
  }
  try {
    const parser = new SchemaParser(docs)
    const api = parseDocument(docs, parser)
    return Either.right({ ...api, definitions: parser.definitions() })
  } catch (e) {
    if (e instanceof Unsupported) return Either.left(toSpecError(e, options.file))
    throw e
  }
}

const optional = (s: Schema.Schema<any, any, never>, required: boolean) => (required ? s : Schema.optional(s))

const paramFields = (
  params: ReadonlyArray<Parameter>,
  compile: (node: JsonSchema.Node) => Schema.Schema<any, any, never>
) => {
  const fields: Record<string, Schema.Struct.Field> = {}
  const styles: Record<string, OpenApi.ParamStyle> = {}
  for (const p of params) {
    fields[p.name] = optional(compile(p.node), p.required)
    if (p.style !== undefined || p.explode !== undefined) styles[p.name] = { style: p.style, explode: p.explode }
  }
  return { fields, styles }
}

/**
 * The endpoints of one operation, with Schemas built from its nodes.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toEndpoint = (
  operation: Operation,
  compile: (node: JsonSchema.Node) => Schema.Schema<any, any, never>
): Endpoint.Any => {
  const options: Record<string, unknown> = { method: operation.method, path: operation.path }
  const body = operation.body
  if (body !== undefined && (body.kind === "json" || body.kind === "form")) {
    const payload = OpenApi.body(compile(body.node))
    options.payload = body.required ? payload : Schema.UndefinedOr(payload)
  } else if (body?.kind === "binary") {
    options.streamRequest = true
  }
  if (operation.success !== undefined) options.success = OpenApi.body(compile(operation.success))
  if (operation.errors.length > 0) {
    options.error = OpenApi.errors(
      Object.fromEntries(operation.errors.map((e) => [e.status, OpenApi.body(compile(e.node))]))
    )
  }
  if (operation.query.length > 0) {
    const { fields, styles } = paramFields(operation.query, compile)
    options.querySchema = OpenApi.query(fields, styles)
  }
  if (operation.headers.length > 0) {
    const { fields, styles } = paramFields(operation.headers, compile)
    options.headersSchema = OpenApi.headers(fields, styles)
  }
  const description = operation.summary ?? operation.description
  if (description !== undefined) options.description = description
  return Endpoint.make(options as any)
}

/**
 * The operation model as a spec: each operation an endpoint with its Schemas (query and
 * headers by style, JSON bodies, success and per-status errors); the base URL from the
 * document's first server.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toSpec = (
  api: Api,
  options: { readonly file?: string | undefined } = {}
): Either.Either<Spec.Untyped, SpecError> => {
  const compile = JsonSchema.makeCompiler(api.definitions)
  const endpoints: Record<string, Endpoint.Any> = {}
  for (const operation of api.operations) {
    try {
      endpoints[operation.name] = toEndpoint(operation, compile)
    } catch (e) {
      // Endpoint.make's SpecError, or a Schema constructor refusing a value the parser let through
      const reason = e instanceof SpecError
        ? `${e.key === undefined ? "" : `${e.key}: `}${e.reason}`
        : `cannot build its Schemas: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`
      return Either.left(
        new SpecError({ file: options.file, endpoint: operation.name, key: operation.pointer, reason })
      )
    }
  }
  let spec = Spec.make(endpoints as any) as unknown as Spec.Untyped
  if (options.file !== undefined) spec = Spec.withFile(spec, options.file)
  if (api.baseUrl !== undefined) spec = Spec.withBaseUrl(spec, api.baseUrl)
  return Either.right(spec)
}

/**
 * The path of a JSON pointer for line lookups (`#/paths/~1pets/get` → `["paths", "/pets", "get"]`).
 *
 * @since 0.1.0
 * @category utils
 */
export const pointerPath = (pointer: string): Array<string> => segments(pointer)
