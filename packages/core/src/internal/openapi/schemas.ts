/**
 * JSON Schema (OpenAPI 3.0 and 3.1 dialects) → `JsonSchema.Node`. Every `$ref` becomes a
 * named definition; anything this model cannot express raises `Unsupported` with the JSON
 * pointer of the construct.
 *
 * @internal
 */
import * as JsonSchema from "../../JsonSchema.js"
import { child, type Documents, isRecord, type Location, resolve, Unsupported } from "./documents.js"

type Node = JsonSchema.Node

/** Keywords read for documentation only, or deliberately not enforced. */
const ignored = new Set([
  "description",
  "title",
  "deprecated",
  "example",
  "examples",
  "default",
  "readOnly",
  "writeOnly",
  "xml",
  "externalDocs",
  "$schema",
  "$id",
  "$anchor",
  "$comment",
  "$defs",
  "definitions",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "contentMediaType",
  "contentEncoding",
  "contentSchema",
  "discriminator",
  "format",
  "nullable",
  "summary"
])

/** Keywords whose meaning the model has no room for. */
const unsupported: Readonly<Record<string, string>> = {
  not: "\"not\" is not supported",
  if: "\"if\"/\"then\"/\"else\" is not supported",
  then: "\"if\"/\"then\"/\"else\" is not supported",
  else: "\"if\"/\"then\"/\"else\" is not supported",
  patternProperties: "\"patternProperties\" is not supported",
  dependentSchemas: "\"dependentSchemas\" is not supported",
  dependentRequired: "\"dependentRequired\" is not supported",
  dependencies: "\"dependencies\" is not supported",
  unevaluatedProperties: "\"unevaluatedProperties\" is not supported",
  unevaluatedItems: "\"unevaluatedItems\" is not supported",
  contains: "\"contains\" is not supported",
  propertyNames: "\"propertyNames\" is not supported",
  $dynamicRef: "\"$dynamicRef\" is not supported",
  $recursiveRef: "\"$recursiveRef\" is not supported"
}

const docsOf = (s: Record<string, unknown>): JsonSchema.Docs => {
  const out: { description?: string; title?: string; deprecated?: boolean } = {}
  if (typeof s.description === "string" && s.description.length > 0) out.description = s.description
  if (typeof s.title === "string" && s.title.length > 0) out.title = s.title
  if (s.deprecated === true) out.deprecated = true
  return out
}

const withDocs = (node: Node, docs: JsonSchema.Docs): Node =>
  docs.description === undefined && docs.title === undefined && docs.deprecated === undefined
    ? node
    : { ...node, ...docs }

const pascal = (raw: string): string => {
  const words = raw.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0)
  let name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")
  if (name.length === 0) name = "Schema"
  if (/^\d/.test(name)) name = "_" + name
  return name
}

/**
 * Names a generated module imports or uses (`Codegen` in @service-client/cli) or TypeScript
 * reserves: a definition never takes one (it gets a trailing `_`).
 */
const takenNames = new Set([
  "Schema",
  "Endpoint",
  "Errors",
  "Spec",
  "OpenApi",
  "RegExp",
  "ReadonlyArray",
  "Object",
  "Array",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "Date",
  "Error",
  "Function",
  "Promise",
  "Map",
  "Set",
  "Record",
  "JSON",
  "Math",
  "Partial",
  "Readonly",
  "Required",
  "Pick",
  "Omit",
  "Exclude",
  "Extract",
  "Uint8Array",
  "BigInt",
  "Infinity",
  "NaN",
  "Api"
])

const number = (u: unknown): number | undefined => (typeof u === "number" && Number.isFinite(u) ? u : undefined)

/** A length or count keyword: a whole number from `min` up, else `Unsupported`; `undefined` when absent. */
const count = (s: Record<string, unknown>, key: string, at: Location, min: number): number | undefined => {
  const u = s[key]
  if (u === undefined) return undefined
  if (typeof u !== "number" || !Number.isInteger(u) || u < 0) {
    throw new Unsupported(child(at, key), `expected a whole number, got ${JSON.stringify(u)}`)
  }
  return u < min ? undefined : u
}

const optionalCount = <K extends string>(key: K, n: number | undefined): { readonly [_ in K]?: number } =>
  (n === undefined ? {} : { [key]: n }) as { readonly [_ in K]?: number }

/**
 * Parses schemas of one import, sharing its definitions.
 *
 * @internal
 */
export class SchemaParser {
  /** definition name → node, filled as references are met */
  readonly nodes = new Map<string, Node>()
  private readonly names = new Map<string, string>()
  private readonly used = new Set<string>()
  private readonly order: Array<string> = []
  private readonly parsing = new Set<string>()

  constructor(readonly docs: Documents) {}

  /** Reserves names for `components/schemas` in document order, so names do not depend on use. */
  reserve(schemas: Record<string, unknown>, at: Location) {
    for (const key of Object.keys(schemas)) this.nameOf(child(at, key).pointer, at.file, key)
  }

  /** The definitions used so far, in a stable order (reserved first, then by first use). */
  definitions(): JsonSchema.Definitions {
    const out = new Map<string, Node>()
    for (const name of this.order) {
      const node = this.nodes.get(name)
      if (node !== undefined) out.set(name, node)
    }
    return out
  }

  private nameOf(pointer: string, file: string, hint: string): string {
    const key = `${file}${pointer}`
    const known = this.names.get(key)
    if (known !== undefined) return known
    const base = pascal(hint)
    let name = takenNames.has(base) ? base + "_" : base
    for (let i = 2; this.used.has(name); i++) name = `${base}${i}`
    this.used.add(name)
    this.names.set(key, name)
    this.order.push(name)
    return name
  }

  /** The definition `$ref` names, parsed on first use. */
  ref(ref: unknown, at: Location): JsonSchema.Node.Ref {
    const target = resolve(this.docs, ref, at)
    const segs = target.at.pointer.split("/")
    const hint = segs.length > 1 ? segs[segs.length - 1]!.replace(/~1/g, "/").replace(/~0/g, "~") : "Root"
    const name = this.nameOf(target.at.pointer, target.at.file, hint)
    if (!this.nodes.has(name) && !this.parsing.has(name)) {
      this.parsing.add(name)
      const node = this.parse(target.value, target.at)
      this.parsing.delete(name)
      this.nodes.set(name, node)
    }
    return { _tag: "Ref", name }
  }

  /** The node a definition stands for (following chains of references). */
  private deref(node: Node, at: Location): Node {
    let current = node
    for (let i = 0; current._tag === "Ref"; i++) {
      const target = this.nodes.get(current.name)
      if (target === undefined || i > 32) throw new Unsupported(at, `"${current.name}" refers to itself through allOf`)
      current = target
    }
    return current
  }

  parse(schema: unknown, at: Location): Node {
    if (schema === true) return { _tag: "Unknown" }
    if (schema === false) return { _tag: "Never" }
    if (!isRecord(schema)) throw new Unsupported(at, "a schema must be an object or a boolean")
    for (const key in schema) {
      if (Object.hasOwn(unsupported, key)) {
        if (key === "not" && isRecord(schema.not) && Object.keys(schema.not).length === 0) continue
        throw new Unsupported(child(at, key), unsupported[key]!)
      }
    }
    const docs = docsOf(schema)
    let node = this.shape(schema, at)
    if (schema.nullable === true) node = JsonSchema.nullable(node)
    return withDocs(node, docs)
  }

  private shape(s: Record<string, unknown>, at: Location): Node {
    if (s.$ref !== undefined) {
      const ref = this.ref(s.$ref, child(at, "$ref"))
      const rest = Object.keys(s).filter((k) => k !== "$ref" && !ignored.has(k) && !k.startsWith("x-"))
      if (rest.length === 0) return ref
      const { $ref: _, ...siblings } = s
      return this.allOf([ref, this.shape(siblings, at)], at)
    }
    if (s.const !== undefined) return this.literal([s.const], child(at, "const"))
    if (s.enum !== undefined) {
      if (!Array.isArray(s.enum) || s.enum.length === 0) {
        throw new Unsupported(child(at, "enum"), "expected a list of values")
      }
      return this.literal(s.enum, child(at, "enum"))
    }
    if (s.allOf !== undefined) {
      const members = this.list(s.allOf, child(at, "allOf"))
      const own = this.ownShape(s, at)
      return this.allOf(own === undefined ? members : [own, ...members], child(at, "allOf"))
    }
    const alternatives = s.oneOf ?? s.anyOf
    if (alternatives !== undefined) {
      const key = s.oneOf !== undefined ? "oneOf" : "anyOf"
      if (s.oneOf !== undefined && s.anyOf !== undefined) throw new Unsupported(at, "both oneOf and anyOf")
      const raw = alternatives as ReadonlyArray<unknown>
      // members that only list required keys constrain the object beside them: nothing to type
      if (
        Array.isArray(raw) &&
        raw.every((m) => isRecord(m) && Object.keys(m).every((k) => k === "required" || ignored.has(k)))
      ) {
        return this.ownShape(s, at) ?? { _tag: "Unknown" }
      }
      let members = this.list(alternatives, child(at, key))
      members = this.discriminate(s, members, at)
      const own = this.ownShape(s, at)
      const union: Node = members.length === 1 ? members[0]! : { _tag: "Union", members }
      return own === undefined ? union : this.allOf([own, union], at)
    }
    return this.ownShape(s, at) ?? { _tag: "Unknown" }
  }

  /** The shape given by `type` and its keywords, or `undefined` when the schema has none. */
  private ownShape(s: Record<string, unknown>, at: Location): Node | undefined {
    const type = s.type
    if (Array.isArray(type)) {
      if (type.length === 0) throw new Unsupported(child(at, "type"), "an empty type list")
      const members = type.map((t, i) => this.typed(String(t), s, child(at, "type", i)))
      return members.length === 1 ? members[0] : { _tag: "Union", members }
    }
    if (typeof type === "string") return this.typed(type, s, child(at, "type"))
    if (type !== undefined) throw new Unsupported(child(at, "type"), "expected a type name or a list of them")
    if (s.properties !== undefined || s.additionalProperties !== undefined || s.required !== undefined) {
      return this.object(s, at)
    }
    if (s.items !== undefined || s.prefixItems !== undefined) return this.array(s, at)
    return undefined
  }

  private typed(type: string, s: Record<string, unknown>, at: Location): Node {
    const parent = { file: at.file, pointer: at.pointer.replace(/\/type(\/\d+)?$/, "") }
    switch (type) {
      case "string":
        return {
          _tag: "String",
          ...(typeof s.format === "string" ? { format: s.format } : {}),
          ...optionalCount("minLength", count(s, "minLength", parent, 1)),
          ...optionalCount("maxLength", count(s, "maxLength", parent, 0)),
          ...(typeof s.pattern === "string" ? { pattern: this.pattern(s.pattern, child(parent, "pattern")) } : {})
        }
      case "integer":
      case "number":
        return this.number(type === "integer" || s.format === "int32" || s.format === "int64", s)
      case "boolean":
        return { _tag: "Boolean" }
      case "null":
        return { _tag: "Null" }
      case "object":
        return this.object(s, parent)
      case "array":
        return this.array(s, parent)
      default:
        throw new Unsupported(at, `unknown type "${type}"`)
    }
  }

  private pattern(pattern: string, at: Location): string {
    if (JsonSchema.compilePattern(pattern) === undefined) {
      throw new Unsupported(at, `the pattern ${JSON.stringify(pattern)} is not a valid ECMAScript regular expression`)
    }
    return pattern
  }

  private number(integer: boolean, s: Record<string, unknown>): Node {
    const out: { -readonly [K in keyof JsonSchema.Node.Number]: JsonSchema.Node.Number[K] } = {
      _tag: "Number",
      integer
    }
    if (number(s.minimum) !== undefined) {
      if (s.exclusiveMinimum === true) out.exclusiveMinimum = s.minimum as number
      else out.minimum = s.minimum as number
    }
    if (number(s.maximum) !== undefined) {
      if (s.exclusiveMaximum === true) out.exclusiveMaximum = s.maximum as number
      else out.maximum = s.maximum as number
    }
    if (number(s.exclusiveMinimum) !== undefined) out.exclusiveMinimum = s.exclusiveMinimum as number
    if (number(s.exclusiveMaximum) !== undefined) out.exclusiveMaximum = s.exclusiveMaximum as number
    return out
  }

  private literal(values: ReadonlyArray<unknown>, at: Location): Node {
    const kept: Array<string | number | boolean> = []
    let withNull = false
    for (const v of values) {
      if (v === null) withNull = true
      else if (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) {
        if (!kept.includes(v)) kept.push(v)
      } else throw new Unsupported(at, `the value ${JSON.stringify(v)} is not a string, number, boolean or null`)
    }
    if (kept.length === 0) return { _tag: "Null" }
    const node: Node = { _tag: "Literal", values: kept }
    return withNull ? JsonSchema.nullable(node) : node
  }

  private list(u: unknown, at: Location): Array<Node> {
    if (!Array.isArray(u) || u.length === 0) throw new Unsupported(at, "expected a non-empty list of schemas")
    return u.map((m, i) => this.parse(m, child(at, i)))
  }

  private object(s: Record<string, unknown>, at: Location): JsonSchema.Node.Object {
    const required = Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === "string") : []
    const properties: Array<JsonSchema.Node.Property> = []
    if (s.properties !== undefined) {
      if (!isRecord(s.properties)) throw new Unsupported(child(at, "properties"), "expected a mapping of schemas")
      for (const [name, p] of Object.entries(s.properties)) {
        const node = this.parse(p, child(at, "properties", name))
        properties.push({ name, node, required: required.includes(name), ...(isRecord(p) ? docsOf(p) : {}) })
      }
    }
    for (const name of required) {
      if (!properties.some((p) => p.name === name)) properties.push({ name, node: { _tag: "Unknown" }, required: true })
    }
    const extra = s.additionalProperties
    let additional: Node | undefined
    if (extra === undefined) additional = properties.length === 0 ? { _tag: "Unknown" } : undefined
    else if (extra === false) additional = undefined
    else additional = this.parse(extra, child(at, "additionalProperties"))
    return { _tag: "Object", properties, ...(additional === undefined ? {} : { additional }) }
  }

  private array(s: Record<string, unknown>, at: Location): Node {
    if (s.prefixItems !== undefined) {
      const elements = this.list(s.prefixItems, child(at, "prefixItems"))
      return s.items === false
        ? { _tag: "Tuple", elements }
        : {
          _tag: "Tuple",
          elements,
          rest: s.items === undefined ? { _tag: "Unknown" } : this.parse(s.items, child(at, "items"))
        }
    }
    if (Array.isArray(s.items)) throw new Unsupported(child(at, "items"), "a list of item schemas (use prefixItems)")
    const items = s.items === undefined ? { _tag: "Unknown" as const } : this.parse(s.items, child(at, "items"))
    const maxItems = count(s, "maxItems", at, 0)
    if (maxItems === 0) return { _tag: "Tuple", elements: [] }
    return {
      _tag: "Array",
      items,
      ...optionalCount("minItems", count(s, "minItems", at, 1)),
      ...optionalCount("maxItems", maxItems)
    }
  }

  /** `allOf`: the members merged into one object (or the one member that is not `{}`). */
  private allOf(members: ReadonlyArray<Node>, at: Location): Node {
    const kept = members.filter((m) => m._tag !== "Unknown")
    if (kept.length === 0) return { _tag: "Unknown" }
    if (kept.length === 1) return kept[0]!
    const resolved = kept.map((m) => this.deref(m, at))
    const unions = resolved.filter((m) => m._tag === "Union")
    if (unions.length === 1) {
      // A & (B | C) = (A & B) | (A & C)
      const others = resolved.filter((m) => m._tag !== "Union")
      const objects = others.some((m) => m._tag === "Object")
      // null (a nullable member) and an object have nothing in common: that branch drops
      const members = (unions[0] as JsonSchema.Node.Union).members
        .filter((m) => !(objects && m._tag === "Null"))
        .map((m) => this.allOf([...others, m], at))
      return members.length === 1 ? members[0]! : { _tag: "Union", members }
    }
    if (resolved.every((m) => m._tag === "Object")) return merge(resolved as Array<JsonSchema.Node.Object>)
    const tags = [...new Set(resolved.map((m) => m._tag))]
    if (tags.length === 1 && tags[0] !== "Object" && tags[0] !== "Array") return resolved[resolved.length - 1]!
    throw new Unsupported(at, `allOf of ${tags.join(" and ")} schemas cannot be merged`)
  }

  /** With a discriminator mapping, each object member's property is narrowed to its value(s). */
  private discriminate(s: Record<string, unknown>, members: Array<Node>, at: Location): Array<Node> {
    const d = s.discriminator
    if (!isRecord(d) || typeof d.propertyName !== "string") return members
    const property = d.propertyName
    const mapping = isRecord(d.mapping) ? d.mapping : {}
    const valuesFor = new Map<string, Array<string>>()
    for (const [value, ref] of Object.entries(mapping)) {
      const name = this.ref(ref, child(at, "discriminator", "mapping", value)).name
      valuesFor.set(name, [...(valuesFor.get(name) ?? []), value])
    }
    return members.map((m) => {
      if (m._tag !== "Ref") return m
      const values = valuesFor.get(m.name) ?? (Object.keys(mapping).length === 0 ? [m.name] : undefined)
      const target = this.nodes.get(m.name)
      if (values === undefined || target === undefined || target._tag !== "Object") return m
      const current = target.properties.find((p) => p.name === property)
      if (current !== undefined && current.node._tag === "Literal") return m
      return merge([target, {
        _tag: "Object",
        properties: [{ name: property, node: { _tag: "Literal", values }, required: true }]
      }])
    })
  }
}

const merge = (objects: ReadonlyArray<JsonSchema.Node.Object>): JsonSchema.Node.Object => {
  const properties = new Map<string, JsonSchema.Node.Property>()
  let additional: Node | undefined
  let docs: JsonSchema.Docs = {}
  for (const o of objects) {
    for (const p of o.properties) {
      const before = properties.get(p.name)
      const required = p.required || (before?.required ?? false)
      properties.set(
        p.name,
        before === undefined ? p : p.node._tag === "Unknown" ? { ...before, required } : { ...p, required }
      )
    }
    if (o.additional !== undefined && o.properties.length > 0) additional = o.additional
    docs = { ...docs, ...docsOf(o as unknown as Record<string, unknown>) }
  }
  return withDocs(
    { _tag: "Object", properties: [...properties.values()], ...(additional === undefined ? {} : { additional }) },
    docs
  ) as JsonSchema.Node.Object
}
