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
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
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

/**
 * Which operations of a document to keep: those named in `operations` (by `operationId` or
 * endpoint name) and those with one of the `tags`. Without either, every operation.
 *
 * @since 0.3.0
 * @category models
 */
export interface Selection {
  readonly operations?: ReadonlyArray<string> | undefined
  readonly tags?: ReadonlyArray<string> | undefined
}

/** The definitions a node names, and those they name, into `out`. */
const reach = (node: JsonSchema.Node, definitions: JsonSchema.Definitions, out: Set<string>): void => {
  switch (node._tag) {
    case "Ref":
      if (!out.has(node.name)) {
        out.add(node.name)
        const def = definitions.get(node.name)
        if (def !== undefined) reach(def, definitions, out)
      }
      break
    case "Array":
      reach(node.items, definitions, out)
      break
    case "Tuple":
      node.elements.forEach((e) => reach(e, definitions, out))
      if (node.rest !== undefined) reach(node.rest, definitions, out)
      break
    case "Object":
      node.properties.forEach((p) => reach(p.node, definitions, out))
      if (node.additional !== undefined) reach(node.additional, definitions, out)
      break
    case "Union":
      node.members.forEach((m) => reach(m, definitions, out))
      break
  }
}

/**
 * The operations a selection keeps, in document order, with only the definitions they
 * use. An operation or a tag the document does not have is a `SpecError` naming it.
 *
 * @since 0.3.0
 * @category conversions
 */
export const select = (api: Api, selection: Selection): Either.Either<Api, SpecError> => {
  const operations = selection.operations ?? []
  const tags = selection.tags ?? []
  if (operations.length === 0 && tags.length === 0) return Either.right(api)
  for (const wanted of operations) {
    if (!api.operations.some((op) => op.operationId === wanted || op.name === wanted)) {
      const close = api.operations.map((op) => op.operationId ?? op.name)
        .filter((n) => n.toLowerCase().includes(wanted.toLowerCase().slice(0, 4))).slice(0, 5)
      return Either.left(
        new SpecError({
          reason: `the document has no operation "${clean(wanted, 200)}" (an operationId or endpoint name)${
            close.length > 0 ? `; close names: ${close.map((n) => clean(n, 100)).join(", ")}` : ""
          }`
        })
      )
    }
  }
  const known = new Set(api.operations.flatMap((op) => op.tags ?? []))
  for (const tag of tags) {
    if (!known.has(tag)) {
      const list = [...known].slice(0, 20).map((t) => clean(t, 100))
      return Either.left(
        new SpecError({
          reason: `no operation of the document has the tag "${clean(tag, 200)}"; its tags: ${
            list.length === 0 ? "none" : list.join(", ") + (known.size > list.length ? ", ..." : "")
          }`
        })
      )
    }
  }
  const kept = api.operations.filter((op) =>
    operations.includes(op.name) || (op.operationId !== undefined && operations.includes(op.operationId)) ||
    (op.tags ?? []).some((t) => tags.includes(t))
  )
  const used = new Set<string>()
  for (const op of kept) {
    for (const p of [...op.pathParams, ...op.query, ...op.headers]) reach(p.node, api.definitions, used)
    if (op.body !== undefined) reach(op.body.node, api.definitions, used)
    if (op.success !== undefined) reach(op.success, api.definitions, used)
    for (const e of op.errors) reach(e.node, api.definitions, used)
  }
  const definitions = new Map([...api.definitions].filter(([name]) => used.has(name)))
  return Either.right({ ...api, operations: kept, definitions })
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
