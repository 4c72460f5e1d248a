/**
 * The package's version, sent in the default `User-Agent` (a test checks it against
 * package.json).
 *
 * @internal
 */
export const version = "0.2.0"
