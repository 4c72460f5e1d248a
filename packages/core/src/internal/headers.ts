/**
 * Header checks: names are RFC 9110 tokens, values carry no CR, LF or NUL.
 *
 * @internal
 */

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// eslint-disable-next-line no-control-regex
const badValue = /[\r\n\u0000]/

/**
 * Returns the reason a header is invalid, or `undefined`.
 *
 * @internal
 */
export const checkHeader = (name: string, value: unknown): string | undefined => {
  if (!token.test(name)) return `"${name}" is not a valid header name`
  if (typeof value !== "string") return `the value of header "${name}" must be a string, got ${typeof value}`
  if (badValue.test(value)) return `the value of header "${name}" contains CR, LF or NUL`
  return undefined
}

/**
 * Lower-cases the names of a header record, dropping `undefined` values (a `null` stays:
 * it removes a default further down).
 *
 * @internal
 */
export const lowerCaseNames = (
  headers: Readonly<Record<string, string | null | undefined>>,
  into: Record<string, string | null> = {}
): Record<string, string | null> => {
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) into[name.toLowerCase()] = value
  }
  return into
}
