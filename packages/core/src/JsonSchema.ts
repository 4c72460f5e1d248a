/**
 * JSON Schema (the OpenAPI 3.0 and 3.1 dialects) as a small normalized model, and its
 * conversion to effect Schemas. The OpenAPI importer parses a document's schemas into
 * {@link Node}s (refs become named {@link Definitions}); `toSchema` builds the Schemas a
 * loaded spec decodes with, and the code generator prints the same model as source, so
 * both read a document the same way.
 *
 * @since 0.1.0
 */
import { Schema, SchemaAST } from "effect"

/**
 * What every node may carry for documentation.
 *
 * @since 0.1.0
 * @category models
 */
export interface Docs {
  readonly description?: string | undefined
  readonly title?: string | undefined
  readonly deprecated?: boolean | undefined
}

/**
 * A normalized schema.
 *
 * @since 0.1.0
 * @category models
 */
export type Node =
  | Node.Unknown
  | Node.Never
  | Node.String
  | Node.Number
  | Node.Boolean
  | Node.Null
  | Node.Literal
  | Node.Array
  | Node.Tuple
  | Node.Object
  | Node.Union
  | Node.Ref

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Node {
  /**
   * Any JSON value (`{}`, `true`).
   *
   * @since 0.1.0
   */
  export interface Unknown extends Docs {
    readonly _tag: "Unknown"
  }
  /**
   * No value (`false`, `not: {}`).
   *
   * @since 0.1.0
   */
  export interface Never extends Docs {
    readonly _tag: "Never"
  }
  /** @since 0.1.0 */
  export interface String extends Docs {
    readonly _tag: "String"
    readonly format?: string | undefined
    readonly minLength?: number | undefined
    readonly maxLength?: number | undefined
    readonly pattern?: string | undefined
  }
  /** @since 0.1.0 */
  export interface Number extends Docs {
    readonly _tag: "Number"
    readonly integer: boolean
    readonly minimum?: number | undefined
    readonly maximum?: number | undefined
    readonly exclusiveMinimum?: number | undefined
    readonly exclusiveMaximum?: number | undefined
  }
  /** @since 0.1.0 */
  export interface Boolean extends Docs {
    readonly _tag: "Boolean"
  }
  /** @since 0.1.0 */
  export interface Null extends Docs {
    readonly _tag: "Null"
  }
  /**
   * `enum` and `const`: one of these values.
   *
   * @since 0.1.0
   */
  export interface Literal extends Docs {
    readonly _tag: "Literal"
    readonly values: ReadonlyArray<string | number | boolean>
  }
  /** @since 0.1.0 */
  export interface Array extends Docs {
    readonly _tag: "Array"
    readonly items: Node
    readonly minItems?: number | undefined
    readonly maxItems?: number | undefined
  }
  /**
   * `prefixItems` (3.1): fixed elements, then `rest` (none when `items: false`).
   *
   * @since 0.1.0
   */
  export interface Tuple extends Docs {
    readonly _tag: "Tuple"
    readonly elements: ReadonlyArray<Node>
    readonly rest?: Node | undefined
  }
  /** @since 0.1.0 */
  export interface Property extends Docs {
    readonly name: string
    readonly node: Node
    readonly required: boolean
  }
  /**
   * `additional`: the schema of keys not in `properties` (absent: they are not described).
   *
   * @since 0.1.0
   */
  export interface Object extends Docs {
    readonly _tag: "Object"
    readonly properties: ReadonlyArray<Property>
    readonly additional?: Node | undefined
  }
  /**
   * `oneOf`, `anyOf`, a type list, `nullable`.
   *
   * @since 0.1.0
   */
  export interface Union extends Docs {
    readonly _tag: "Union"
    readonly members: ReadonlyArray<Node>
  }
  /**
   * A reference to a named definition.
   *
   * @since 0.1.0
   */
  export interface Ref extends Docs {
    readonly _tag: "Ref"
    readonly name: string
  }
}

/**
 * Named schemas (`components/schemas` and every other `$ref` target), in a stable order.
 *
 * @since 0.1.0
 * @category models
 */
export type Definitions = ReadonlyMap<string, Node>

/**
 * The same node, nullable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nullable = (node: Node): Node => {
  if (node._tag === "Null" || node._tag === "Unknown") return node
  if (node._tag === "Union") {
    return node.members.some((m) => m._tag === "Null")
      ? node
      : { ...node, members: [...node.members, { _tag: "Null" }] }
  }
  const { deprecated, description, title, ...rest } = node
  return {
    _tag: "Union",
    members: [rest as Node, { _tag: "Null" }],
    ...(description === undefined ? {} : { description }),
    ...(title === undefined ? {} : { title }),
    ...(deprecated === undefined ? {} : { deprecated })
  }
}

type AST = SchemaAST.AST

/**
 * Names a definition's AST (its identifier shows in parse errors). Descriptions and titles
 * stay in the nodes (the generator prints them as doc comments): copying each AST to
 * annotate it would double the work of a large import.
 */
const identify = (ast: AST, identifier: string): AST =>
  SchemaAST.annotations(ast, { [SchemaAST.IdentifierAnnotationId]: identifier })

/**
 * A JSON Schema `pattern` as a RegExp (Unicode mode first), or `undefined` if it is not a
 * valid ECMAScript regular expression.
 *
 * @since 0.1.0
 * @category utils
 */
export const compilePattern = (pattern: string): RegExp | undefined => {
  try {
    return new RegExp(pattern, "u")
  } catch {
    try {
      return new RegExp(pattern)
    } catch {
      return undefined
    }
  }
}

const stringAst = (node: Node.String): AST => {
  let s: Schema.Schema<string> = Schema.String
  if (node.minLength !== undefined) s = s.pipe(Schema.minLength(node.minLength))
  if (node.maxLength !== undefined) s = s.pipe(Schema.maxLength(node.maxLength))
  if (node.pattern !== undefined) s = s.pipe(Schema.pattern(compilePattern(node.pattern)!))
  return s.ast
}

const numberAst = (node: Node.Number): AST => {
  let s: Schema.Schema<number> = node.integer ? Schema.Int : Schema.Number
  if (node.minimum !== undefined) s = s.pipe(Schema.greaterThanOrEqualTo(node.minimum))
  if (node.maximum !== undefined) s = s.pipe(Schema.lessThanOrEqualTo(node.maximum))
  if (node.exclusiveMinimum !== undefined) s = s.pipe(Schema.greaterThan(node.exclusiveMinimum))
  if (node.exclusiveMaximum !== undefined) s = s.pipe(Schema.lessThan(node.exclusiveMaximum))
  return s.ast
}

const arrayAst = (items: AST, node: Node.Array): AST => {
  const ast = new SchemaAST.TupleType([], [new SchemaAST.Type(items)], true)
  if (node.minItems === undefined && node.maxItems === undefined) return ast
  let s: Schema.Schema<ReadonlyArray<unknown>> = Schema.make(ast)
  if (node.minItems !== undefined) s = s.pipe(Schema.minItems(node.minItems))
  if (node.maxItems !== undefined) s = s.pipe(Schema.maxItems(node.maxItems))
  return s.ast
}

/**
 * Builds effect Schemas for nodes: one AST per definition (built once, on first use; a
 * recursive reference goes through a suspension). The ASTs are built directly, and
 * leaves with the same constraints are shared, so a large document converts in linear
 * time.
 *
 * @since 0.1.0
 * @category conversions
 */
export const makeCompiler = (definitions: Definitions): (node: Node) => Schema.Schema<any, any, never> => {
  const built = new Map<string, AST>()
  const building = new Set<string>()
  const leaves = new Map<string, AST>()
  const leaf = (key: string, make: () => AST): AST => {
    let ast = leaves.get(key)
    if (ast === undefined) leaves.set(key, ast = make())
    return ast
  }
  const ref = (name: string): AST => {
    const done = built.get(name)
    if (done !== undefined) return done
    if (building.has(name)) return new SchemaAST.Suspend(() => built.get(name)!)
    const node = definitions.get(name)
    if (node === undefined) throw new Error(`no definition named ${name}`)
    building.add(name)
    const ast = identify(go(node), name)
    building.delete(name)
    built.set(name, ast)
    return ast
  }
  const go = (node: Node): AST => base(node)
  const base = (node: Node): AST => {
    switch (node._tag) {
      case "Unknown":
        return SchemaAST.unknownKeyword
      case "Never":
        return SchemaAST.neverKeyword
      case "String":
        return node.minLength === undefined && node.maxLength === undefined && node.pattern === undefined
          ? SchemaAST.stringKeyword
          : leaf(`s${node.minLength}/${node.maxLength}/${node.pattern}`, () => stringAst(node))
      case "Number":
        return leaf(
          `n${node.integer}/${node.minimum}/${node.maximum}/${node.exclusiveMinimum}/${node.exclusiveMaximum}`,
          () => numberAst(node)
        )
      case "Boolean":
        return SchemaAST.booleanKeyword
      case "Null":
        return Schema.Null.ast
      case "Literal":
        return SchemaAST.Union.make(node.values.map((v) => new SchemaAST.Literal(v)))
      case "Array":
        return arrayAst(go(node.items), node)
      case "Tuple":
        return new SchemaAST.TupleType(
          node.elements.map((e) => new SchemaAST.OptionalType(go(e), false)),
          node.rest === undefined ? [] : [new SchemaAST.Type(go(node.rest))],
          true
        )
      case "Object": {
        // built directly: `Schema.Struct` also computes every field's type side, which
        // walks the whole subtree again for each level of nesting
        const signatures = node.properties.map((p) => {
          const ast = go(p.node)
          return new SchemaAST.PropertySignature(
            p.name,
            p.required ? ast : SchemaAST.Union.make([ast, SchemaAST.undefinedKeyword]),
            !p.required,
            true
          )
        })
        const index = node.additional === undefined
          ? []
          : [new SchemaAST.IndexSignature(SchemaAST.stringKeyword, go(node.additional), true)]
        return new SchemaAST.TypeLiteral(signatures, index)
      }
      case "Union":
        return SchemaAST.Union.make(node.members.map(go))
      case "Ref":
        return ref(node.name)
    }
  }
  return (node) => Schema.make<any, any, never>(go(node))
}

/**
 * One node as an effect Schema (see {@link makeCompiler} to convert many nodes sharing
 * definitions).
 *
 * @since 0.1.0
 * @category conversions
 */
export const toSchema = (node: Node, definitions: Definitions = new Map()): Schema.Schema<any, any, never> =>
  makeCompiler(definitions)(node)
