/**
 * Query strings: built per call from the merged query record.
 *
 * @internal
 */

/** A query value: `null`/`undefined` removes the key, an array repeats it. @internal */
export type QueryValue =
  | string
  | number
  | boolean
  | bigint
  | null
  | undefined
  | ReadonlyArray<string | number | boolean | bigint>

/**
 * Encodes a query record as `a=1&b=x&b=y`; `undefined` for an unencodable value.
 *
 * @internal
 */
export const encodeQuery = (
  query: Readonly<Record<string, QueryValue>>
): string | { readonly key: string; readonly reason: string } => {
  let out = ""
  for (const key in query) {
    const value = query[key]
    if (value === null || value === undefined) continue
    let k: string
    try {
      k = encodeComponent(key)
    } catch {
      return { key, reason: "the query key is not well-formed Unicode" }
    }
    if (Array.isArray(value)) {
      for (const item of value) {
        const v = encodeValue(item)
        if (v === undefined) return { key, reason: `a query value must be a string, number or boolean` }
        out += (out.length === 0 ? "" : "&") + k + "=" + v
      }
    } else {
      const v = encodeValue(value)
      if (v === undefined) return { key, reason: `a query value must be a string, number, boolean or an array of them` }
      out += (out.length === 0 ? "" : "&") + k + "=" + v
    }
  }
  return out
}

/**
 * `encodeURIComponent`, and `'` as `%27`: the WHATWG URL parser encodes `'` in the query
 * of an http(s) URL, so a fetch-based client would send `%27` and undici `'`.
 */
const encodeComponent = (value: string): string => {
  const e = encodeURIComponent(value)
  return e.includes("'") ? e.replace(/'/g, "%27") : e
}

const encodeValue = (value: unknown): string | undefined => {
  switch (typeof value) {
    case "string":
      try {
        return encodeComponent(value)
      } catch {
        return undefined
      }
    case "number":
      // String(1e21) is "1e+21", and a "+" in a query reads back as a space
      return Number.isFinite(value) ? String(value).replace("+", "%2B") : undefined
    case "boolean":
    case "bigint":
      return String(value)
    default:
      return undefined
  }
}
