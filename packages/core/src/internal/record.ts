/**
 * What counts as a record where a caller or a definition gives one.
 *
 * @internal
 */

/** An object that is not an array. @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * A record of names and values as written (`{ a: "1" }`): not an iterable such as a Map,
 * a Set, URLSearchParams or Headers, whose entries are not its keys.
 *
 * @internal
 */
export const isPlainRecord = (u: unknown): u is Record<string, unknown> => isRecord(u) && !(Symbol.iterator in u)
