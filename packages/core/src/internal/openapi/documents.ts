/**
 * The documents an OpenAPI import reads (the root and the files its `$ref`s name), JSON
 * pointers into them, and the failure every unsupported construct raises.
 *
 * @internal
 */

/** A place in a document: the file (as the loader keys it) and a JSON pointer. @internal */
export interface Location {
  readonly file: string
  readonly pointer: string
}

/** Raised inside the importer and turned into a `SpecError` at its edge. @internal */
export class Unsupported {
  constructor(
    readonly at: Location,
    readonly reason: string,
    readonly endpoint?: string | undefined
  ) {}
}

/** @internal */
export interface Documents {
  /** The root document's key. */
  readonly root: string
  /** A loaded document by key, or `undefined`. */
  readonly get: (file: string) => unknown
  /** The key of the file `ref` (a relative path) names, seen from the file `base`; `undefined` when unknown. */
  readonly resolveFile?: ((base: string, ref: string) => string) | undefined
}

/** @internal */
export const escape = (segment: string): string => segment.replace(/~/g, "~0").replace(/\//g, "~1")

/** @internal */
export const child = (at: Location, ...segments: ReadonlyArray<string | number>): Location => {
  let pointer = at.pointer
  for (const s of segments) pointer += "/" + escape(String(s))
  return { file: at.file, pointer }
}

/** @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** The segments of a JSON pointer (`#/a~1b/0` → `["a/b", "0"]`). @internal */
export const segments = (pointer: string): Array<string> => {
  const p = pointer.startsWith("#") ? pointer.slice(1) : pointer
  if (p === "" || p === "/") return p === "/" ? [""] : []
  let decoded: string
  try {
    decoded = decodeURIComponent(p)
  } catch {
    decoded = p
  }
  return decoded.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
}

const lookup = (root: unknown, path: ReadonlyArray<string>): unknown => {
  let node = root
  for (const s of path) {
    if (Array.isArray(node) && /^\d+$/.test(s)) node = node[Number(s)]
    else if (isRecord(node) && Object.hasOwn(node, s)) node = node[s]
    else return undefined
  }
  return node
}

/**
 * Resolves a `$ref` met at `from`: the target's location (pointer normalized to `#/...`)
 * and value. Throws `Unsupported` for a URL, an unloaded file or a dangling pointer.
 *
 * @internal
 */
export const resolve = (
  docs: Documents,
  ref: unknown,
  from: Location
): { readonly at: Location; readonly value: unknown } => {
  if (typeof ref !== "string") throw new Unsupported(from, "a $ref must be a string")
  const hash = ref.indexOf("#")
  const filePart = hash < 0 ? ref : ref.slice(0, hash)
  const pointer = hash < 0 ? "" : ref.slice(hash)
  if (/^[a-z][a-z0-9+.-]*:/i.test(filePart)) {
    throw new Unsupported(from, `the $ref "${ref}" names a URL: only local files are read (no network)`)
  }
  let file = from.file
  if (filePart.length > 0) {
    if (docs.resolveFile === undefined) {
      throw new Unsupported(from, `the $ref "${ref}" names another file: load the document with SpecLoader.openapi`)
    }
    file = docs.resolveFile(from.file, filePart)
  }
  const doc = docs.get(file)
  if (doc === undefined) throw new Unsupported(from, `the $ref "${ref}" names a file that was not loaded`)
  const path = segments(pointer)
  const value = lookup(doc, path)
  if (value === undefined) throw new Unsupported(from, `the $ref "${ref}" points at nothing`)
  return { at: { file, pointer: "#" + path.map((s) => "/" + escape(s)).join("") }, value }
}

/** Every `$ref` string naming another file, under `value` (for the loader to read them first). @internal */
export const externalRefs = (value: unknown, out: Set<string> = new Set()): Set<string> => {
  const stack: Array<unknown> = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === "object" && item !== null) stack.push(item)
    } else if (isRecord(node)) {
      for (const key in node) {
        const v = node[key]
        if (key === "$ref" && typeof v === "string" && !v.startsWith("#")) out.add(v.split("#")[0]!)
        else if (typeof v === "object" && v !== null) stack.push(v)
      }
    }
  }
  return out
}
