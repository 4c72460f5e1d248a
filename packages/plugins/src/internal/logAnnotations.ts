/**
 * The annotations of a log record as its loggers get them: a `HashMap` of the fiber's
 * annotations with the record's own fields over them, built only when a Logger reads it.
 *
 * @internal
 */
import { Equal, Hash, HashMap, Option } from "effect"

/** The hashes of the annotation keys (the loggers' own and the attributes' names: a few, from code). */
const hashes = new Map<string, number>()
const hashOf = (key: string): number => {
  let hash = hashes.get(key)
  if (hash === undefined) {
    hash = Hash.string(key)
    if (hashes.size < 1024) hashes.set(key, hash)
  }
  return hash
}

/** The value `set` is putting, for the one update function (no closure per key). */
let putting: Option.Option<unknown> = Option.none()
const put = () => putting

/** `HashMap.set` on a map being mutated, the key's hash looked up instead of computed. */
const set = (map: HashMap.HashMap<string, unknown>, key: string, value: unknown): void => {
  putting = Option.some(value)
  HashMap.modifyHash(map, key, hashOf(key), put)
  putting = Option.none()
}

/** The fiber's annotations with the record's own over them, as one `HashMap`. */
const merged = (
  base: HashMap.HashMap<string, unknown>,
  own: Record<string, unknown>
): HashMap.HashMap<string, unknown> => {
  const map = HashMap.beginMutation(base)
  for (const key in own) set(map, key, own[key])
  return HashMap.endMutation(map)
}

const emptyMap = HashMap.empty<string, unknown>()

/**
 * A record's annotations as a `HashMap` that is built when a Logger first reads it: the
 * fiber's annotations with the record's own (its fields) over them. Putting a record's
 * ~13 keys in a `HashMap` costs ~2.7 µs, more than building the record; LogFormat reads
 * the record's own object instead (`ownRecord`), and a key its template names that the
 * record lacks through `getHash` (the fiber's annotations alone), so with it no map is
 * ever built.
 *
 * It is a `HashMap` (Effect's prototype): every `HashMap` function reads the map through
 * `_root`/`_size`/`_edit`/`_editable` (getters here, which build it once) or iterates it.
 * Iterating (`for (const [k, v] of annotations)`, as Effect's loggers and the tracer's
 * span events read it) and `HashMap.size` answer from the two parts without building
 * the map when the fiber has no annotations of its own.
 */
class LazyAnnotations {
  built: HashMap.HashMap<string, unknown> | undefined = undefined
  constructor(readonly base: HashMap.HashMap<string, unknown>, readonly own: Record<string, unknown>) {}
  map(): HashMap.HashMap<string, unknown> {
    return this.built ??= merged(this.base, this.own)
  }
  get _root(): unknown {
    return (this.map() as unknown as Internal)._root
  }
  get _size(): number {
    if (this.built === undefined && HashMap.isEmpty(this.base)) {
      let size = 0
      for (const _ in this.own) size++
      return size
    }
    return (this.map() as unknown as Internal)._size
  }
  get _edit(): number {
    return (this.map() as unknown as Internal)._edit
  }
  get _editable(): boolean {
    return false
  }
  [Symbol.iterator](): Iterator<[string, unknown]> {
    return this.built !== undefined ? this.built[Symbol.iterator]() : new Entries(this.base, this.own)
  }
}

/**
 * The entries of a lazy map that was not built: the fiber's annotations the record does
 * not override, then the record's own. A plain iterator, not a generator: the tracer's
 * logger iterates every record written inside a span, and a generator's object and
 * results per entry were a few KB per call; a fiber with no annotations costs no
 * iterator of its map.
 */
class Entries implements IterableIterator<[string, unknown]> {
  inner: Iterator<[string, unknown]> | undefined
  readonly keys: ReadonlyArray<string>
  i = 0
  constructor(base: HashMap.HashMap<string, unknown>, readonly own: Record<string, unknown>) {
    this.inner = HashMap.isEmpty(base) ? undefined : base[Symbol.iterator]()
    this.keys = Object.keys(own)
  }
  next(): IteratorResult<[string, unknown]> {
    // one result literal: the caller's loop (inlined) need not allocate it
    let value = this.inner === undefined ? undefined : this.fromBase()
    if (value === undefined && this.i < this.keys.length) {
      const key = this.keys[this.i++]!
      value = [key, this.own[key]]
    }
    return { done: value === undefined, value } as IteratorResult<[string, unknown]>
  }
  /** The next entry of the fiber's annotations that the record does not override. */
  fromBase(): [string, unknown] | undefined {
    for (;;) {
      const result = this.inner!.next()
      if (result.done === true) break
      if (!Object.hasOwn(this.own, result.value[0])) return result.value
    }
    this.inner = undefined
    return undefined
  }
  [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this
  }
}

/** What Effect 3's `HashMap` keeps on each map (`internal/hashMap.ts`). */
interface Internal {
  readonly _root: unknown
  readonly _size: number
  readonly _edit: number
  readonly _editable: boolean
}

/**
 * Whether this Effect's `HashMap` is the one `LazyAnnotations` stands in for: its fields
 * where Effect 3 keeps them, and a lazy map that every function reads as the map it
 * stands for. Otherwise (another Effect) the records' maps are built when written.
 */
const lazyWorks = ((): boolean => {
  try {
    if (!["_root", "_size", "_edit", "_editable"].every((k) => Object.hasOwn(emptyMap, k))) return false
    Object.setPrototypeOf(LazyAnnotations.prototype, Object.getPrototypeOf(emptyMap))
    const base = HashMap.make(["a", 1], ["b", 2])
    const own = { b: 3, c: 4 }
    const probe = (map: HashMap.HashMap<string, unknown>) =>
      JSON.stringify([
        HashMap.size(map),
        Option.getOrUndefined(HashMap.get(map, "b")),
        HashMap.has(map, "a"),
        [...map].sort(([a], [b]) => a < b ? -1 : 1),
        [...HashMap.keys(HashMap.set(map, "d", 5))].sort(),
        HashMap.isHashMap(map)
      ])
    const expected = probe(merged(base, own))
    const lazy = () => new LazyAnnotations(base, own) as unknown as HashMap.HashMap<string, unknown>
    const onEmpty = new LazyAnnotations(emptyMap, own) as unknown as HashMap.HashMap<string, unknown>
    return probe(lazy()) === expected && Equal.equals(lazy(), merged(base, own)) &&
      HashMap.size(onEmpty) === 2 && [...onEmpty].length === 2 &&
      Option.getOrUndefined(HashMap.get(onEmpty, "c")) === 4
  } catch {
    return false
  }
})()

/**
 * The annotations a record hands to the loggers: the fiber's, with the record's own over them.
 *
 * @internal
 */
export const make = (
  base: HashMap.HashMap<string, unknown>,
  own: Record<string, unknown>
): HashMap.HashMap<string, unknown> =>
  lazyWorks ? new LazyAnnotations(base, own) as unknown as HashMap.HashMap<string, unknown> : merged(base, own)

/**
 * `HashMap.getHash` on a record's annotations without building the map: a key the record
 * does not have is looked up in the fiber's annotations alone (LogFormat reads the keys its
 * template names that a record lacks — a request's `status`, `elapsed`... — this way).
 *
 * @internal
 */
export const getHash = (
  annotations: HashMap.HashMap<string, unknown>,
  key: string,
  hash: number
): Option.Option<unknown> => {
  if (!(annotations instanceof LazyAnnotations) || annotations.built !== undefined) {
    return HashMap.getHash(annotations, key, hash)
  }
  if (Object.hasOwn(annotations.own, key)) return Option.some(annotations.own[key])
  return HashMap.isEmpty(annotations.base) ? Option.none() : HashMap.getHash(annotations.base, key, hash)
}
