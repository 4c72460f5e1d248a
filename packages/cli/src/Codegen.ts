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
  /** The selection the model was made with (`generate --operations/--tags`), told in the header. */
  readonly selection?: OpenApiSpec.Selection | undefined
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const key = (name: string) => (identifier.test(name) ? name : JSON.stringify(name))
const str = (s: string) => JSON.stringify(s)

/** Text a comment can hold: `*\/` and control characters neutralized. */
// eslint-disable-next-line no-control-regex
const commentText = (text: string) =>
  text.replace(/\*\//g, "*\\/").replace(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g, "")

/** A JSDoc block (`*\/` and control characters neutralized), indented. */
const doc = (indent: string, ...parts: ReadonlyArray<string | undefined>): string => {
  const text = parts.filter((p): p is string => p !== undefined && p.trim().length > 0).join("\n\n")
  if (text.length === 0) return ""
  const clean = commentText(text).trimEnd()
  const lines = clean.split(/\r?\n/)
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`
  return `${indent}/**\n${lines.map((l) => `${indent} *${l.length > 0 ? " " : ""}${l}`).join("\n")}\n${indent} */\n`
}

const deprecated = (
  node: { readonly deprecated?: boolean | undefined }
) => (node.deprecated ? "@deprecated" : undefined)

const optional = (S: string, value: string, required: boolean) => (required ? value : `${S}.optional(${value})`)

const pipe = (base: string, filters: ReadonlyArray<string>) =>
  filters.length === 0 ? base : `${base}.pipe(${filters.join(", ")})`

const stringCode = (S: string, n: JsonSchema.Node.String) => {
  const filters: Array<string> = []
  if (n.minLength !== undefined) filters.push(`${S}.minLength(${n.minLength})`)
  if (n.maxLength !== undefined) filters.push(`${S}.maxLength(${n.maxLength})`)
  if (n.pattern !== undefined) {
    const flags = JsonSchema.compilePattern(n.pattern)?.flags ?? ""
    filters.push(`${S}.pattern(new RegExp(${str(n.pattern)}${flags.length > 0 ? `, ${str(flags)}` : ""}))`)
  }
  return pipe(`${S}.String`, filters)
}

const numberCode = (S: string, n: JsonSchema.Node.Number) => {
  const filters: Array<string> = []
  if (n.minimum !== undefined) filters.push(`${S}.greaterThanOrEqualTo(${n.minimum})`)
  if (n.maximum !== undefined) filters.push(`${S}.lessThanOrEqualTo(${n.maximum})`)
  if (n.exclusiveMinimum !== undefined) filters.push(`${S}.greaterThan(${n.exclusiveMinimum})`)
  if (n.exclusiveMaximum !== undefined) filters.push(`${S}.lessThan(${n.exclusiveMaximum})`)
  return pipe(n.integer ? `${S}.Int` : `${S}.Number`, filters)
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

/** The identifier a definition is printed as. */
type Ident = (name: string) => string

/**
 * The names a generated module imports, declares or uses from the globals (besides its
 * builders' class, its spec and its endpoints' type, which avoid the definitions' names).
 */
const moduleNames: ReadonlyArray<string> = [
  "Endpoint",
  "Errors",
  "OpenApi",
  "Spec",
  "Schema",
  "RegExp",
  "ReadonlyArray",
  "Array",
  "Readonly",
  "Record"
]

/** Words a module cannot declare: TypeScript's reserved words (strict mode) and `undefined`. */
const reservedWords: ReadonlySet<string> = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "implements interface let package private protected public static yield await undefined"
  ).split(" ")
)

/**
 * Why a module cannot export its spec under `name` (not an identifier, a reserved word,
 * or a name the module imports or uses), or `undefined` when it can.
 *
 * @since 0.3.0
 * @category printers
 */
export const exportNameProblem = (name: string): string | undefined =>
  !identifier.test(name)
    ? "is not an identifier"
    : reservedWords.has(name)
    ? "is a reserved word"
    : moduleNames.includes(name)
    ? "is a name the module imports or uses"
    : undefined

const isInterface = (node: Node | undefined): node is JsonSchema.Node.Object =>
  node !== undefined && node._tag === "Object" && node.properties.length > 0 && node.additional === undefined

/**
 * The TypeScript type a node's Schema decodes to (and encodes from: the printed Schemas
 * have no transformations, so both sides are the same), as `Schema.Struct` and friends
 * spell it: readonly properties and arrays, `?: T | undefined` for an optional property.
 */
const typeCode = (node: Node, indent: string, id: Ident): string => {
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
      return `ReadonlyArray<${typeCode(node.items, indent, id)}>`
    case "Tuple": {
      const elements = node.elements.map((e) => typeCode(e, indent, id))
      if (node.rest !== undefined) elements.push(`...Array<${typeCode(node.rest, indent, id)}>`)
      return `readonly [${elements.join(", ")}]`
    }
    case "Object": {
      const rest = node.additional === undefined
        ? undefined
        : `{ readonly [key: string]: ${typeCode(node.additional, indent, id)} }`
      if (node.properties.length === 0) return rest ?? "{}"
      const fields = typeFields(node, indent, id)
      return rest === undefined ? fields : `${fields} & ${rest}`
    }
    case "Union":
      return node.members.map((m) => typeCode(m, indent, id)).join(" | ")
    case "Ref":
      return id(node.name)
  }
}

/** An object type's body: one readonly property a line, with its doc comment. */
const typeFields = (node: JsonSchema.Node.Object, indent: string, id: Ident): string => {
  const inner = indent + "  "
  const lines = node.properties.map((p) =>
    `${doc(inner, p.description ?? p.node.description, deprecated(p))}${inner}readonly ${key(p.name)}${
      p.required ? `: ${typeCode(p.node, inner, id)}` : `?: ${typeCode(p.node, inner, id)} | undefined`
    }`
  )
  return `{\n${lines.join("\n")}\n${indent}}`
}

/** The type of a query or headers Schema: the parameters as properties. */
const paramsType = (list: ReadonlyArray<OpenApiSpec.Parameter>, indent: string, id: Ident): string =>
  typeFields({ _tag: "Object", properties: list }, indent, id)

/** The tokens of a path template, each once, in order. */
const tokensOf = (path: string): Array<string> => [...new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!))]

/**
 * An endpoint's input type as `Endpoint.Of`/`BodilessOf` compute it from the options the
 * module gives it, written out: `Endpoint.DeclaredInput` of the endpoint's own keys, or
 * with the short form (one token and nothing else required) the token value too.
 */
const inputType = (op: OpenApiSpec.Operation, ind: string, id: Ident): string => {
  const inner = ind + "  "
  const keys: Array<string> = tokensOf(op.path).map((t) => `readonly ${key(t)}: Endpoint.TokenValue`)
  let required = false
  const body = op.body
  if (op.method === "GET" || op.method === "HEAD") {
    keys.push("readonly payload?: undefined")
  } else if (body !== undefined && (body.kind === "json" || body.kind === "form")) {
    const payload = typeCode(body.node, inner, id)
    if (body.required && body.node._tag !== "Unknown") {
      keys.push(`readonly payload: ${payload}`)
      required = true
    } else {
      keys.push(`readonly payload?: ${payload}${body.node._tag === "Unknown" ? "" : " | undefined"}`)
    }
  } else if (body?.kind === "binary") {
    keys.push("readonly payload?: Endpoint.StreamBody | undefined")
  } else {
    keys.push("readonly payload?: unknown")
  }
  if (op.query.length > 0) {
    const req = op.query.some((p) => p.required)
    required ||= req
    keys.push(`readonly query${req ? "" : "?"}: ${paramsType(op.query, inner, id)}${req ? "" : " | undefined"}`)
  } else {
    keys.push("readonly query?: Readonly<Record<string, Endpoint.QueryValue>> | undefined")
  }
  if (op.headers.length > 0) {
    const req = op.headers.some((p) => p.required)
    required ||= req
    keys.push(
      `readonly headers${req ? "" : "?"}: ${paramsType(op.headers, inner, id)} & { readonly [name: string]: unknown }${
        req ? "" : " | undefined"
      }`
    )
  } else {
    keys.push("readonly headers?: Endpoint.CommonInput[\"headers\"]")
  }
  const input = `Endpoint.DeclaredInput<{\n${keys.map((k) => `${inner}${k}`).join("\n")}\n${ind}}>`
  return tokensOf(op.path).length === 1 && !required ? `${input} | Endpoint.TokenValue` : input
}

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
  const exportName = options.exportName ?? "Api"
  // the names the module introduces or uses itself; a definition with one of them (the
  // document's parser avoids the imports already, not a chosen export name) is printed with
  // a trailing `_`, its identifier annotation keeping the name the loader gives it
  const own = new Set([...moduleNames, exportName])
  const ident = new Map<string, string>()
  const taken = new Set(defs.keys())
  for (const name of defs.keys()) {
    let printedAs = name
    while (own.has(printedAs) || (printedAs !== name && taken.has(printedAs))) printedAs += "_"
    taken.add(printedAs)
    ident.set(name, printedAs)
  }
  const id = (name: string) => ident.get(name) ?? name
  // the builders' class (OpenApi.Builders) and the endpoints' type, unless a definition has their name
  let S = "S"
  while (taken.has(S) || own.has(S)) S += "_"
  let typeName = `${exportName}Endpoints`
  while (taken.has(typeName) || own.has(typeName) || typeName === S) typeName += "_"

  const code = (node: Node, indent: string): string => {
    switch (node._tag) {
      case "Unknown":
        return `${S}.Unknown`
      case "Never":
        return `${S}.Never`
      case "String":
        return stringCode(S, node)
      case "Number":
        return numberCode(S, node)
      case "Boolean":
        return `${S}.Boolean`
      case "Null":
        return `${S}.Null`
      case "Literal":
        return `${S}.Literal(${node.values.map((v) => JSON.stringify(v)).join(", ")})`
      case "Array": {
        const filters: Array<string> = []
        if (node.minItems !== undefined) filters.push(`${S}.minItems(${node.minItems})`)
        if (node.maxItems !== undefined) filters.push(`${S}.maxItems(${node.maxItems})`)
        return pipe(`${S}.Array(${code(node.items, indent)})`, filters)
      }
      case "Tuple": {
        const elements = node.elements.map((e) => code(e, indent))
        return node.rest === undefined
          ? `${S}.Tuple(${elements.join(", ")})`
          : `${S}.Tuple([${elements.join(", ")}], ${code(node.rest, indent)})`
      }
      case "Object": {
        const rest = node.additional === undefined
          ? undefined
          : `${S}.Record({ key: ${S}.String, value: ${code(node.additional, indent)} })`
        if (node.properties.length === 0) return rest ?? `${S}.struct({})`
        const inner = indent + "  "
        const fields = node.properties.map((p) =>
          `${inner}${key(p.name)}: ${optional(S, code(p.node, inner), p.required)}`
        )
        return `${S}.struct({\n${fields.join(",\n")}\n${indent}}${rest === undefined ? "" : `, ${rest}`})`
      }
      case "Union": {
        const members = node.members.filter((m) => m._tag !== "Null")
        if (members.length === 1 && node.members.length === 2) return `${S}.NullOr(${code(members[0]!, indent)})`
        return `${S}.Union(${node.members.map((m) => code(m, indent)).join(", ")})`
      }
      case "Ref":
        return printed.has(node.name)
          ? id(node.name)
          : `${S}.suspend((): Schema.Schema<${id(node.name)}> => ${id(node.name)})`
    }
  }
  let out = ""
  out += `/**\n * ${api.title ?? "API"}${
    api.version === undefined ? "" : ` ${api.version}`
  }: generated by \`service-client generate\`\n`
  out += ` * from ${options.source}. Do not edit: regenerate (\`--check\` tells whether this file is stale).\n`
  const chosen = [
    (options.selection?.operations ?? []).length > 0 ? `--operations ${options.selection!.operations!.join(",")}` : "",
    (options.selection?.tags ?? []).length > 0 ? `--tags ${options.selection!.tags!.join(",")}` : ""
  ].filter((s) => s.length > 0)
  if (chosen.length > 0) {
    out += ` *\n * Only the selected operations (${api.operations.length}): ${
      commentText(chosen.join(" ")).replace(/\s+/g, " ")
    }\n`
  }
  const ignored = api.operations.filter((op) => op.ignoredBody !== undefined).length
  if (ignored > 0) {
    out += ` *\n * ${ignored} GET/HEAD operation${ignored === 1 ? "" : "s"} of the document declare${
      ignored === 1 ? "s" : ""
    } a request body: left out (see each one's comment).\n`
  }
  out += " */\n"
  out += `import { type Endpoint, type Errors, OpenApi, type Spec } from ${
    str(options.coreModule ?? "@service-client/core")
  }\n`
  out += `import type { Schema } from "effect"\n\n`
  out += `// effect's Schema constructors and OpenApi's helpers, typed without inference (each value's type is\n`
  out += `// declared), as a class's statics: the compiler looks a class up at once, where each use of a const\n`
  out += `// makes it follow the module's flow back to the declaration\n`
  out += `class ${S} extends OpenApi.Builders {}\n`

  for (const name of order) {
    const node = defs.get(name)!
    out += "\n" + doc("", node.title, node.description, deprecated(node))
    out += isInterface(node)
      ? `export interface ${id(name)} ${typeFields(node, "", id)}\n`
      : `export type ${id(name)} = ${typeCode(node, "", id)}\n`
    out += `export const ${id(name)}: Schema.Schema<${id(name)}> = ${code(node, "")}.annotations({ identifier: ${
      str(name)
    } })\n`
    printed.add(name)
  }

  // the endpoints' types, written out: what Endpoint.get/post/... would infer from these options
  out += "\n" + doc("", `The endpoints of {@link ${exportName}}, each typed from its Schemas.`)
  out += `export type ${typeName} = {\n`
  for (const op of api.operations) {
    const ind = "    "
    const success = op.success === undefined ? "unknown" : typeCode(op.success, ind, id)
    const error = op.errors.length === 0
      ? "unknown"
      : `Errors.ByStatus<{ readonly [status: number]: ${
        [...new Set(op.errors.map((e) => typeCode(e.node, ind, id)))].join(" | ")
      } }>`
    out += doc(
      "  ",
      op.summary,
      op.description === op.summary ? undefined : op.description,
      `\`${op.method} ${op.path}\`${op.operationId === undefined ? "" : ` (operationId \`${op.operationId}\`)`}`,
      op.ignoredBody === undefined ?
        undefined :
        `The document gives this ${op.method} operation a request body (${
          JSON.stringify(op.ignoredBody)
        }): left out, a ${op.method} request carries none.`,
      deprecated(op)
    )
    out += `  readonly ${key(op.name)}: Endpoint.Endpoint<\n${ind}${str(op.path)},\n${ind}${
      inputType(op, ind, id)
    },\n${ind}${success},\n${ind}${error}\n  >\n`
  }
  out += "}\n"

  const params = (helper: string, list: ReadonlyArray<OpenApiSpec.Parameter>, indent: string) => {
    const inner = indent + "  "
    const fields = list.map((p) => `${inner}${key(p.name)}: ${optional(S, code(p.node, inner), p.required)}`)
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
    return `${S}.${helper}({\n${fields.join(",\n")}\n${indent}}${styles})`
  }

  // the values: built without inference (the builders), given the declared type
  out += "\n" + doc("", api.title, api.description)
  out += `export const ${exportName}: Spec.Spec<${typeName}> = ${S}.spec({\n`
  const endpoints = api.operations.map((op) => {
    const ind = "    "
    const opts: Array<string> = []
    const body = op.body
    if (body !== undefined && (body.kind === "json" || body.kind === "form")) {
      const payload = `${S}.body(${code(body.node, ind)})`
      opts.push(`payload: ${body.required ? payload : `${S}.UndefinedOr(${payload})`}`)
    } else if (body?.kind === "binary") {
      opts.push("streamRequest: true")
    }
    if (op.success !== undefined) opts.push(`success: ${S}.body(${code(op.success, ind)})`)
    if (op.errors.length > 0) {
      const entries = op.errors.map((e) => `${ind}  ${str(e.status)}: ${S}.body(${code(e.node, ind + "  ")})`)
      opts.push(`error: ${S}.errors({\n${entries.join(",\n")}\n${ind}})`)
    }
    if (op.query.length > 0) opts.push(`querySchema: ${params("query", op.query, ind)}`)
    if (op.headers.length > 0) opts.push(`headersSchema: ${params("headers", op.headers, ind)}`)
    const description = op.summary ?? op.description
    if (description !== undefined) opts.push(`description: ${str(description)}`)
    return `  ${key(op.name)}: ${S}.endpoint(${str(op.method)}, ${str(op.path)}${
      opts.length === 0 ? "" : `, {\n${opts.map((o) => `${ind}${o}`).join(",\n")}\n  }`
    })`
  })
  out += endpoints.join(",\n") + "\n}"
  out += api.baseUrl === undefined ? ")\n" : `, ${str(api.baseUrl)})\n`
  return out
}
