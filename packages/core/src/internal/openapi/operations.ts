/**
 * An OpenAPI document's paths → the operation model of `OpenApiSpec`.
 *
 * @internal
 */
import * as Endpoint from "../../Endpoint.js"
import type * as JsonSchema from "../../JsonSchema.js"
import type * as OpenApi from "../../OpenApi.js"
import * as Spec from "../../Spec.js"
import { knownCallKeys } from "../knownSettings.js"
import { child, type Documents, isRecord, type Location, resolve, Unsupported } from "./documents.js"
import type * as OpenApiSpec from "./model.js"
import type { SchemaParser } from "./schemas.js"

const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const
const reservedTokens: ReadonlySet<string> = new Set([...Endpoint.reservedInputKeys, ...knownCallKeys])
const reservedNames: ReadonlySet<string> = new Set(Spec.reservedNames)

/**
 * The endpoint name of an operation: its `operationId` in camelCase (`repos/get-content`
 * → `reposGetContent`), or without one the method and the path (`GET /pets/{id}` →
 * `getPetsById`). A name the client reserves gets a trailing `_`.
 *
 * @internal
 */
export const endpointName = (operationId: string | undefined, method: string, path: string): string => {
  const words = operationId !== undefined
    ? operationId.split(/[^A-Za-z0-9]+/)
    : [method, ...path.split("/").map((seg) => seg.replace(/^\{(.*)\}$/, "by-$1"))].flatMap((w) =>
      w.split(/[^A-Za-z0-9]+/)
    )
  const kept = words.filter((w) => w.length > 0)
  let name = kept.map((w, i) => (i === 0 ? w[0]!.toLowerCase() + w.slice(1) : w[0]!.toUpperCase() + w.slice(1))).join(
    ""
  )
  if (name.length === 0) name = method.toLowerCase()
  if (/^\d/.test(name)) name = "_" + name
  return reservedNames.has(name) ? name + "_" : name
}

/**
 * A path parameter as a token name: other characters become `_`, a reserved input key
 * gets a trailing `_`.
 *
 * @internal
 */
export const tokenName = (name: string): string => {
  let t = name.replace(/[^A-Za-z0-9_]/g, "_")
  if (!/^[A-Za-z_]/.test(t)) t = "_" + t
  return reservedTokens.has(t) ? t + "_" : t
}

const isJson = (mediaType: string) => {
  const m = mediaType.split(";")[0]!.trim().toLowerCase()
  return m === "application/json" || m === "*/*" || m === "text/json" || /^application\/[^/]*\+json$/.test(m) ||
    m === "application/*"
}

const str = (u: unknown): string | undefined => (typeof u === "string" && u.length > 0 ? u : undefined)

/** Follows `$ref`s of non-schema objects (parameters, request bodies, responses). */
const deref = (docs: Documents, value: unknown, at: Location): { value: unknown; at: Location } => {
  let current = { value, at }
  for (let i = 0; isRecord(current.value) && current.value.$ref !== undefined; i++) {
    if (i > 16) throw new Unsupported(at, "a chain of $ref that does not end")
    const r = resolve(docs, current.value.$ref, child(current.at, "$ref"))
    current = { value: r.value, at: r.at }
  }
  return current
}

/** The media type and schema a JSON body uses, preferring `application/json`. */
const jsonContent = (content: unknown, at: Location) => {
  if (!isRecord(content)) return undefined
  const keys = Object.keys(content)
  const key = keys.find((k) => k.split(";")[0]!.trim().toLowerCase() === "application/json") ?? keys.find(isJson)
  if (key === undefined) return undefined
  const media = content[key]
  return { mediaType: key, schema: isRecord(media) ? media.schema : undefined, at: child(at, key, "schema") }
}

/** @internal */
export const parseDocument = (docs: Documents, parser: SchemaParser): Omit<OpenApiSpec.Api, "definitions"> => {
  const rootAt: Location = { file: docs.root, pointer: "#" }
  const doc = docs.get(docs.root)
  if (!isRecord(doc)) throw new Unsupported(rootAt, "an OpenAPI document must be a mapping")
  const version = doc.openapi
  if (typeof version !== "string" || !/^3\.[01]\./.test(version)) {
    throw new Unsupported(
      child(rootAt, "openapi"),
      doc.swagger !== undefined
        ? "Swagger 2.0 is not supported: convert the document to OpenAPI 3 first"
        : `expected "openapi: 3.0.x" or "3.1.x", got ${JSON.stringify(version)}`
    )
  }
  const components = isRecord(doc.components) ? doc.components : {}
  if (isRecord(components.schemas)) parser.reserve(components.schemas, child(rootAt, "components", "schemas"))
  const info = isRecord(doc.info) ? doc.info : {}
  const operations: Array<OpenApiSpec.Operation> = []
  const byName = new Map<string, string>()
  const paths = doc.paths === undefined ? {} : doc.paths
  if (!isRecord(paths)) throw new Unsupported(child(rootAt, "paths"), "expected a mapping of paths")
  for (const [path, rawItem] of Object.entries(paths)) {
    const itemAt = child(rootAt, "paths", path)
    const item = deref(docs, rawItem, itemAt)
    if (!isRecord(item.value)) throw new Unsupported(itemAt, "a path item must be a mapping")
    for (const method of httpMethods) {
      const op = item.value[method]
      if (op === undefined) continue
      const at = child(item.at, method)
      if (!isRecord(op)) throw new Unsupported(at, "an operation must be a mapping")
      if (method === "trace") throw new Unsupported(at, "TRACE operations are not supported")
      let operation: OpenApiSpec.Operation
      try {
        operation = parseOperation(docs, parser, path, method, op, item.value, at)
      } catch (e) {
        if (e instanceof Unsupported && e.endpoint === undefined) {
          throw new Unsupported(e.at, e.reason, endpointName(str(op.operationId), method, path))
        }
        throw e
      }
      const other = byName.get(operation.name)
      if (other !== undefined) {
        throw new Unsupported(at, `the endpoint name "${operation.name}" is already taken by ${other}`, operation.name)
      }
      byName.set(operation.name, `${method.toUpperCase()} ${path}`)
      operations.push(operation)
    }
  }
  return {
    title: str(info.title),
    version: str(info.version),
    description: str(info.description),
    baseUrl: serverUrl(doc.servers),
    operations
  }
}

/** The first server's URL, variables set to their defaults, when it is absolute http(s). */
const serverUrl = (servers: unknown): string | undefined => {
  if (!Array.isArray(servers) || !isRecord(servers[0]) || typeof servers[0].url !== "string") return undefined
  const variables = isRecord(servers[0].variables) ? servers[0].variables : {}
  const url = servers[0].url.replace(/\{([^}]+)\}/g, (m, name: string) => {
    const v = variables[name]
    return isRecord(v) && typeof v.default === "string" ? v.default : m
  })
  return /^https?:\/\/[^{}\s]+$/i.test(url) ? url : undefined
}

const parseOperation = (
  docs: Documents,
  parser: SchemaParser,
  path: string,
  method: (typeof httpMethods)[number],
  op: Record<string, unknown>,
  item: Record<string, unknown>,
  at: Location
): OpenApiSpec.Operation => {
  const operationId = str(op.operationId)
  const name = endpointName(operationId, method, path)
  const fail = (where: Location, reason: string): never => {
    throw new Unsupported(where, reason, name)
  }
  // parameters: the operation's override the path item's of the same name and location
  const params = new Map<string, { value: Record<string, unknown>; at: Location }>()
  const itemAt: Location = { file: at.file, pointer: at.pointer.slice(0, at.pointer.lastIndexOf("/")) }
  for (
    const [listAt, list] of [[child(itemAt, "parameters"), item.parameters], [
      child(at, "parameters"),
      op.parameters
    ]] as const
  ) {
    if (list === undefined) continue
    if (!Array.isArray(list)) fail(listAt, "expected a list of parameters")
    for (const [i, raw] of (list as Array<unknown>).entries()) {
      const p = deref(docs, raw, child(listAt, i))
      if (!isRecord(p.value) || typeof p.value.name !== "string" || typeof p.value.in !== "string") {
        fail(p.at, "a parameter needs a name and an \"in\"")
      }
      const v = p.value as Record<string, unknown>
      params.set(`${v.in}:${v.name}`, { value: v, at: p.at })
    }
  }
  const tokens = new Map<string, string>()
  const pathParams: Array<OpenApiSpec.Parameter> = []
  const query: Array<OpenApiSpec.Parameter> = []
  const headers: Array<OpenApiSpec.Parameter> = []
  for (const { at: pAt, value: p } of params.values()) {
    const schemaAt = p.schema !== undefined ? child(pAt, "schema") : undefined
    let schema = p.schema
    let schemaLoc = schemaAt
    if (schema === undefined && p.content !== undefined) {
      const c = jsonContent(p.content, child(pAt, "content"))
      if (c === undefined) fail(child(pAt, "content"), "a parameter's content must be JSON")
      schema = c!.schema
      schemaLoc = c!.at
    }
    const node: JsonSchema.Node = schema === undefined ? { _tag: "Unknown" } : parser.parse(schema, schemaLoc!)
    const style = str(p.style) as OpenApi.Style | undefined
    const param: OpenApiSpec.Parameter = {
      name: p.name as string,
      required: p.required === true || p.in === "path",
      node,
      ...(style === undefined ? {} : { style }),
      ...(typeof p.explode === "boolean" ? { explode: p.explode } : {}),
      ...(str(p.description) === undefined ? {} : { description: p.description as string }),
      ...(p.deprecated === true ? { deprecated: true } : {})
    }
    switch (p.in) {
      case "path": {
        if (style !== undefined && style !== "simple") {
          fail(child(pAt, "style"), `the path style "${style}" is not supported`)
        }
        const token = tokenName(param.name)
        tokens.set(param.name, token)
        pathParams.push({ ...param, name: token, ...(token === param.name ? {} : { wireName: param.name }) })
        break
      }
      case "query":
        if (style !== undefined && !["form", "spaceDelimited", "pipeDelimited", "deepObject"].includes(style)) {
          fail(child(pAt, "style"), `the query style "${style}" is not supported`)
        }
        query.push(param)
        break
      case "header":
        if (style !== undefined && style !== "simple") {
          fail(child(pAt, "style"), `the header style "${style}" is not supported`)
        }
        headers.push(param)
        break
      case "cookie":
        fail(child(pAt, "in"), "cookie parameters are not supported")
        break
      default:
        fail(child(pAt, "in"), `unknown parameter location "${String(p.in)}"`)
    }
  }
  // the path template with token names the client accepts
  let template = path.replace(/\{([^}]*)\}/g, (m, raw: string) => {
    const token = tokens.get(raw)
    if (token === undefined) fail(at, `the path parameter "${raw}" is not declared`)
    return `{${token}}`
  })
  if (!template.startsWith("/")) template = "/" + template
  // a GET or HEAD request carries no body (the client refuses a payload): its body is left out, and told
  const bodiless = method === "get" || method === "head"
  const body = bodiless ? undefined : requestBody(docs, parser, op.requestBody, child(at, "requestBody"))
  const ignoredBody = bodiless ? mediaTypeOf(docs, op.requestBody, child(at, "requestBody")) : undefined
  const tags = Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === "string") : []
  const { errors, success } = responses(docs, parser, op.responses, child(at, "responses"))
  return {
    name,
    ...(operationId === undefined ? {} : { operationId }),
    method: method.toUpperCase() as Endpoint.Method,
    path: template,
    pointer: at.pointer,
    ...(str(op.summary) === undefined ? {} : { summary: op.summary as string }),
    ...(str(op.description) === undefined ? {} : { description: op.description as string }),
    ...(op.deprecated === true ? { deprecated: true } : {}),
    ...(tags.length === 0 ? {} : { tags }),
    pathParams,
    query,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(ignoredBody === undefined ? {} : { ignoredBody }),
    ...(success === undefined ? {} : { success }),
    errors
  }
}

const requestBody = (
  docs: Documents,
  parser: SchemaParser,
  raw: unknown,
  at: Location
): OpenApiSpec.Body | undefined => {
  if (raw === undefined) return undefined
  const rb = deref(docs, raw, at)
  if (!isRecord(rb.value)) throw new Unsupported(rb.at, "a request body must be a mapping")
  const required = rb.value.required === true
  const content = isRecord(rb.value.content) ? rb.value.content : {}
  const json = jsonContent(content, child(rb.at, "content"))
  if (json !== undefined) {
    const node = json.schema === undefined ? { _tag: "Unknown" as const } : parser.parse(json.schema, json.at)
    return { kind: "json", mediaType: json.mediaType, node, required }
  }
  const form = Object.keys(content).find((k) =>
    k.split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded"
  )
  if (form !== undefined) {
    const media = content[form]
    const schema = isRecord(media) ? media.schema : undefined
    const node = schema === undefined
      ? { _tag: "Unknown" as const }
      : parser.parse(schema, child(rb.at, "content", form, "schema"))
    return { kind: "form", mediaType: form, node, required }
  }
  const first = Object.keys(content)[0]
  if (first === undefined) return undefined
  const m = first.split(";")[0]!.trim().toLowerCase()
  const kind =
    m === "application/octet-stream" || m.startsWith("image/") || m.startsWith("video/") || m.startsWith("audio/") ||
      m === "application/zip"
      ? "binary"
      : "other"
  return { kind, mediaType: first, node: { _tag: "Unknown" }, required }
}

/** The first media type of a request body (not parsed), if it has one. */
const mediaTypeOf = (docs: Documents, raw: unknown, at: Location): string | undefined => {
  if (raw === undefined) return undefined
  const rb = deref(docs, raw, at)
  return isRecord(rb.value) && isRecord(rb.value.content) ? Object.keys(rb.value.content)[0] : undefined
}

const responses = (
  docs: Documents,
  parser: SchemaParser,
  raw: unknown,
  at: Location
): { success: JsonSchema.Node | undefined; errors: Array<OpenApiSpec.ErrorResponse> } => {
  const errors: Array<OpenApiSpec.ErrorResponse> = []
  const successes: Array<JsonSchema.Node> = []
  if (raw === undefined) return { success: undefined, errors }
  if (!isRecord(raw)) throw new Unsupported(at, "expected a mapping of responses")
  for (const [status, r] of Object.entries(raw)) {
    if (!/^([1-5]\d\d|[1-5]XX|default)$/i.test(status)) {
      throw new Unsupported(child(at, status), `unknown status "${status}"`)
    }
    const resolved = deref(docs, r, child(at, status))
    if (!isRecord(resolved.value)) throw new Unsupported(resolved.at, "a response must be a mapping")
    const json = jsonContent(resolved.value.content, child(resolved.at, "content"))
    if (json === undefined || json.schema === undefined) continue
    const node = parser.parse(json.schema, json.at)
    if (/^2/.test(status)) {
      if (!successes.some((s) => JSON.stringify(s) === JSON.stringify(node))) successes.push(node)
    } else if (!/^[13]/.test(status) || status === "default") {
      errors.push({ status: status.toLowerCase() === "default" ? "default" : status.toUpperCase(), node })
    }
  }
  const success = successes.length === 0
    ? undefined
    : successes.length === 1
    ? successes[0]
    : { _tag: "Union" as const, members: successes }
  return { success, errors }
}
