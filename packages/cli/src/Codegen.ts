/**
 * Prints an imported OpenAPI document (`OpenApiSpec.Api`) as a TypeScript module: each
 * definition as an interface (or a type) and a Schema constant of that type, in
 * dependency order; the endpoints' types (`Endpoint.Of`/`BodilessOf` over the Schemas'
 * types) in one type, then `Spec.make` with one endpoint per operation, given that type.
 * Doc comments come from the document's descriptions. The compiler reads the printed
 * types instead of inferring them from the Schemas, which is what keeps a module of a
 * thousand operations quick to check. The output depends only on the document, so
 * regenerating an unchanged document gives the same bytes (`generate --check` relies on it).
 *
 * @since 0.1.0
 */
import type { OpenApiSpec } from "@service-client/core"
import { JsonSchema } from "@service-client/core"

type Node = JsonSchema.Node

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The document's path as written in the header comment. */
  readonly source: string
  /** Where the module imports `Endpoint`, `OpenApi` and `Spec` from. */
  readonly coreModule?: string | undefined
  /** The name of the exported spec. */
  readonly exportName?: string | undefined
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const key = (name: string) => (identifier.test(name) ? name : JSON.stringify(name))
const str = (s: string) => JSON.stringify(s)

/** A JSDoc block (`*\/` and control characters neutralized), indented. */
const doc = (indent: string, ...parts: ReadonlyArray<string | undefined>): string => {
  const text = parts.filter((p): p is string => p !== undefined && p.trim().length > 0).join("\n\n")
  if (text.length === 0) return ""
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\*\//g, "*\\/").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "").trimEnd()
  const lines = clean.split(/\r?\n/)
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`
  return `${indent}/**\n${lines.map((l) => `${indent} *${l.length > 0 ? " " : ""}${l}`).join("\n")}\n${indent} */\n`
}

const deprecated = (
  node: { readonly deprecated?: boolean | undefined }
) => (node.deprecated ? "@deprecated" : undefined)

const optional = (value: string, required: boolean) => (required ? value : `Schema.optional(${value})`)

const pipe = (base: string, filters: ReadonlyArray<string>) =>
  filters.length === 0 ? base : `${base}.pipe(${filters.join(", ")})`

const stringCode = (n: JsonSchema.Node.String) => {
  const filters: Array<string> = []
  if (n.minLength !== undefined) filters.push(`Schema.minLength(${n.minLength})`)
  if (n.maxLength !== undefined) filters.push(`Schema.maxLength(${n.maxLength})`)
  if (n.pattern !== undefined) {
    const flags = JsonSchema.compilePattern(n.pattern)?.flags ?? ""
    filters.push(`Schema.pattern(new RegExp(${str(n.pattern)}${flags.length > 0 ? `, ${str(flags)}` : ""}))`)
  }
  return pipe("Schema.String", filters)
}

const numberCode = (n: JsonSchema.Node.Number) => {
  const filters: Array<string> = []
  if (n.minimum !== undefined) filters.push(`Schema.greaterThanOrEqualTo(${n.minimum})`)
  if (n.maximum !== undefined) filters.push(`Schema.lessThanOrEqualTo(${n.maximum})`)
  if (n.exclusiveMinimum !== undefined) filters.push(`Schema.greaterThan(${n.exclusiveMinimum})`)
  if (n.exclusiveMaximum !== undefined) filters.push(`Schema.lessThan(${n.exclusiveMaximum})`)
  return pipe(n.integer ? "Schema.Int" : "Schema.Number", filters)
}

/** The definitions that `node` names outside suspensions (for ordering). */
const refsOf = (node: Node, out: Set<string> = new Set()): Set<string> => {
  switch (node._tag) {
    case "Ref":
      out.add(node.name)
      break
    case "Array":
      refsOf(node.items, out)
      break
    case "Tuple":
      node.elements.forEach((e) => refsOf(e, out))
      if (node.rest) refsOf(node.rest, out)
      break
    case "Object":
      node.properties.forEach((p) => refsOf(p.node, out))
      if (node.additional) refsOf(node.additional, out)
      break
    case "Union":
      node.members.forEach((m) => refsOf(m, out))
      break
  }
  return out
}

const isInterface = (node: Node | undefined): node is JsonSchema.Node.Object =>
  node !== undefined && node._tag === "Object" && node.properties.length > 0 && node.additional === undefined

/**
 * The TypeScript type a node's Schema decodes to (and encodes from: the printed Schemas
 * have no transformations, so both sides are the same), as `Schema.Struct` and friends
 * spell it: readonly properties and arrays, `?: T | undefined` for an optional property.
 */
const typeCode = (node: Node, indent: string): string => {
  switch (node._tag) {
    case "Unknown":
      return "unknown"
    case "Never":
      return "never"
    case "String":
      return "string"
    case "Number":
      return "number"
    case "Boolean":
      return "boolean"
    case "Null":
      return "null"
    case "Literal":
      return node.values.map((v) => JSON.stringify(v)).join(" | ")
    case "Array":
      return `ReadonlyArray<${typeCode(node.items, indent)}>`
    case "Tuple": {
      const elements = node.elements.map((e) => typeCode(e, indent))
      if (node.rest !== undefined) elements.push(`...Array<${typeCode(node.rest, indent)}>`)
      return `readonly [${elements.join(", ")}]`
    }
    case "Object": {
      const rest = node.additional === undefined
        ? undefined
        : `{ readonly [key: string]: ${typeCode(node.additional, indent)} }`
      if (node.properties.length === 0) return rest ?? "{}"
      const fields = typeFields(node, indent)
      return rest === undefined ? fields : `${fields} & ${rest}`
    }
    case "Union":
      return node.members.map((m) => typeCode(m, indent)).join(" | ")
    case "Ref":
      return node.name
  }
}

/** An object type's body: one readonly property a line, with its doc comment. */
const typeFields = (node: JsonSchema.Node.Object, indent: string): string => {
  const inner = indent + "  "
  const lines = node.properties.map((p) =>
    `${doc(inner, p.description ?? p.node.description, deprecated(p))}${inner}readonly ${key(p.name)}${
      p.required ? `: ${typeCode(p.node, inner)}` : `?: ${typeCode(p.node, inner)} | undefined`
    }`
  )
  return `{\n${lines.join("\n")}\n${indent}}`
}

/** The type of a query or headers Schema: the parameters as properties. */
const paramsType = (list: ReadonlyArray<OpenApiSpec.Parameter>, indent: string): string =>
  typeFields({ _tag: "Object", properties: list }, indent)

/**
 * Prints the module.
 *
 * @since 0.1.0
 * @category printers
 */
export const module = (api: OpenApiSpec.Api, options: Options): string => {
  const defs = api.definitions
  // definitions in dependency order; a reference back to one not yet printed is suspended
  const order: Array<string> = []
  const state = new Map<string, "visiting" | "done">()
  const visit = (name: string) => {
    if (state.has(name)) return
    state.set(name, "visiting")
    const node = defs.get(name)
    if (node !== undefined) { for (const dep of refsOf(node)) visit(dep) }
    state.set(name, "done")
    order.push(name)
  }
  for (const name of defs.keys()) visit(name)
  const printed = new Set<string>()

  const code = (node: Node, indent: string): string => {
    switch (node._tag) {
      case "Unknown":
        return "Schema.Unknown"
      case "Never":
        return "Schema.Never"
      case "String":
        return stringCode(node)
      case "Number":
        return numberCode(node)
      case "Boolean":
        return "Schema.Boolean"
      case "Null":
        return "Schema.Null"
      case "Literal":
        return `Schema.Literal(${node.values.map((v) => JSON.stringify(v)).join(", ")})`
      case "Array": {
        const filters: Array<string> = []
        if (node.minItems !== undefined) filters.push(`Schema.minItems(${node.minItems})`)
        if (node.maxItems !== undefined) filters.push(`Schema.maxItems(${node.maxItems})`)
        return pipe(`Schema.Array(${code(node.items, indent)})`, filters)
      }
      case "Tuple": {
        const elements = node.elements.map((e) => code(e, indent))
        return node.rest === undefined
          ? `Schema.Tuple(${elements.join(", ")})`
          : `Schema.Tuple([${elements.join(", ")}], ${code(node.rest, indent)})`
      }
      case "Object": {
        const rest = node.additional === undefined
          ? undefined
          : `Schema.Record({ key: Schema.String, value: ${code(node.additional, indent)} })`
        if (node.properties.length === 0) return rest ?? "Schema.Struct({})"
        const inner = indent + "  "
        const fields = node.properties.map((p) =>
          `${inner}${key(p.name)}: ${optional(code(p.node, inner), p.required)}`
        )
        return `OpenApi.struct({\n${fields.join(",\n")}\n${indent}}${rest === undefined ? "" : `, ${rest}`})`
      }
      case "Union": {
        const members = node.members.filter((m) => m._tag !== "Null")
        if (members.length === 1 && node.members.length === 2) return `Schema.NullOr(${code(members[0]!, indent)})`
        return `Schema.Union(${node.members.map((m) => code(m, indent)).join(", ")})`
      }
      case "Ref":
        return printed.has(node.name) ? node.name : `Schema.suspend((): Schema.Schema<${node.name}> => ${node.name})`
    }
  }
  let out = ""
  out += `/**\n * ${api.title ?? "API"}${
    api.version === undefined ? "" : ` ${api.version}`
  }: generated by \`service-client generate\`\n`
  out += ` * from ${options.source}. Do not edit: regenerate (\`--check\` tells whether this file is stale).\n */\n`
  out += `import { Endpoint, OpenApi, Spec } from ${str(options.coreModule ?? "@service-client/core")}\n`
  out += `import { Schema } from "effect"\n`

  for (const name of order) {
    const node = defs.get(name)!
    out += "\n" + doc("", node.title, node.description, deprecated(node))
    out += isInterface(node)
      ? `export interface ${name} ${typeFields(node, "")}\n`
      : `export type ${name} = ${typeCode(node, "")}\n`
    out += `export const ${name}: Schema.Schema<${name}> = ${code(node, "")}.annotations({ identifier: ${
      str(name)
    } })\n`
    printed.add(name)
  }

  const exportName = options.exportName ?? "Api"
  let typeName = `${exportName}Endpoints`
  while (defs.has(typeName)) typeName += "_"

  // the endpoints' types: what Endpoint.get/post/... would infer from these options
  out += "\n" + doc("", `The endpoints of {@link ${exportName}}, each typed from its Schemas.`)
  out += `export type ${typeName} = {\n`
  for (const op of api.operations) {
    const ind = "    "
    const opts: Array<string> = []
    const body = op.body
    if (body !== undefined && (body.kind === "json" || body.kind === "form")) {
      const payload = typeCode(body.node, ind)
      opts.push(`readonly payload: Schema.Schema<${body.required ? payload : `${payload} | undefined`}>`)
    } else if (body?.kind === "binary") {
      opts.push("readonly streamRequest: true")
    }
    if (op.success !== undefined) opts.push(`readonly success: Schema.Schema<${typeCode(op.success, ind)}>`)
    if (op.errors.length > 0) {
      const bodies = [...new Set(op.errors.map((e) => typeCode(e.node, ind)))]
      opts.push(`readonly error: { readonly [status: number]: Schema.Schema<${bodies.join(" | ")}> }`)
    }
    if (op.query.length > 0) opts.push(`readonly querySchema: Schema.Schema<${paramsType(op.query, ind)}, any>`)
    if (op.headers.length > 0) opts.push(`readonly headersSchema: Schema.Schema<${paramsType(op.headers, ind)}, any>`)
    const of = op.method === "GET" || op.method === "HEAD" ? "BodilessOf" : "Of"
    out += doc(
      "  ",
      op.summary,
      op.description === op.summary ? undefined : op.description,
      `\`${op.method} ${op.path}\`${op.operationId === undefined ? "" : ` (operationId \`${op.operationId}\`)`}`,
      deprecated(op)
    )
    out += `  readonly ${key(op.name)}: Endpoint.${of}<${str(op.path)}, ${
      opts.length === 0 ? "{}" : `{\n${opts.map((o) => `${ind}${o}`).join("\n")}\n  }`
    }>\n`
  }
  out += "}\n"

  const params = (helper: string, list: ReadonlyArray<OpenApiSpec.Parameter>, indent: string) => {
    const inner = indent + "  "
    const fields = list.map((p) => `${inner}${key(p.name)}: ${optional(code(p.node, inner), p.required)}`)
    const styled = list.filter((p) => p.style !== undefined || p.explode !== undefined)
    const styles = styled.length === 0 ?
      "" :
      `, {\n${
        styled.map((p) =>
          `${inner}${key(p.name)}: { ${
            [
              p.style === undefined ? undefined : `style: ${str(p.style)}`,
              p.explode === undefined ? undefined : `explode: ${p.explode}`
            ]
              .filter((s) => s !== undefined).join(", ")
          } }`
        ).join(",\n")
      }\n${indent}}`
    // the explicit type argument spares the compiler the struct type of the fields (the interface declares it)
    return `OpenApi.${helper}<Schema.Struct.Fields>({\n${fields.join(",\n")}\n${indent}}${styles})`
  }

  // the values: built without inference (Endpoint.Any), given the interface's types
  out += "\n" + doc("", api.title, api.description)
  out += `export const ${exportName} = Spec.make({\n`
  const endpoints = api.operations.map((op) => {
    const ind = "    "
    const opts: Array<string> = []
    const body = op.body
    if (body !== undefined && (body.kind === "json" || body.kind === "form")) {
      const payload = `OpenApi.body(${code(body.node, ind)})`
      opts.push(`payload: ${body.required ? payload : `Schema.UndefinedOr(${payload})`}`)
    } else if (body?.kind === "binary") {
      opts.push("streamRequest: true")
    }
    if (op.success !== undefined) opts.push(`success: OpenApi.body(${code(op.success, ind)})`)
    if (op.errors.length > 0) {
      const entries = op.errors.map((e) => `${ind}  ${str(e.status)}: OpenApi.body(${code(e.node, ind + "  ")})`)
      opts.push(`error: OpenApi.errors({\n${entries.join(",\n")}\n${ind}})`)
    }
    if (op.query.length > 0) opts.push(`querySchema: ${params("query", op.query, ind)}`)
    if (op.headers.length > 0) opts.push(`headersSchema: ${params("headers", op.headers, ind)}`)
    const description = op.summary ?? op.description
    if (description !== undefined) opts.push(`description: ${str(description)}`)
    return `  ${key(op.name)}: OpenApi.endpoint(${str(op.method)}, ${str(op.path)}${
      opts.length === 0 ? "" : `, {\n${opts.map((o) => `${ind}${o}`).join(",\n")}\n  }`
    })`
  })
  out += endpoints.join(",\n") + "\n})"
  out += api.baseUrl === undefined ? "" : `.pipe(Spec.withBaseUrl(${str(api.baseUrl)}))`
  out += ` as unknown as Spec.Spec<${typeName}>\n`
  return out
}
