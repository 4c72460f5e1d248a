/**
 * Response body decoding (`Content-Encoding`) for NodeTransport, on node:zlib streams:
 * created only for a response that declares an encoding, so a plain body costs nothing.
 *
 * @internal
 */
import type { Transform } from "node:stream"
import * as Zlib from "node:zlib"

/** The codings NodeTransport decodes, as it announces them in `Accept-Encoding`. @internal */
export const acceptEncoding = "gzip, deflate, br"

// output as soon as input allows (a streamed body is not held back); a body cut short is
// an error, not a silently shorter body (as with `DecompressionStream`)
const zlibOptions: Zlib.ZlibOptions = { flush: Zlib.constants.Z_SYNC_FLUSH }
const brotliOptions: Zlib.BrotliOptions = { flush: Zlib.constants.BROTLI_OPERATION_FLUSH }

/** The codings of a `Content-Encoding` value, in the order they were applied (`identity` left out). @internal */
export const codings = (header: string): Array<string> => {
  const out: Array<string> = []
  for (const part of header.split(",")) {
    const coding = part.trim().toLowerCase()
    if (coding.length > 0 && coding !== "identity") out.push(coding)
  }
  return out
}

/** Whether NodeTransport decodes this coding. @internal */
export const isKnown = (coding: string): boolean =>
  coding === "gzip" || coding === "x-gzip" || coding === "deflate" || coding === "br"

/**
 * A decoder for the codings (all known), the last applied decoded first. `deflate` is
 * zlib-wrapped by the standard, but some servers send raw deflate: the first byte decides.
 *
 * @internal
 */
export const make = (applied: ReadonlyArray<string>, firstByte: number): Array<Transform> =>
  [...applied].reverse().map((coding, i) => {
    if (coding === "br") return Zlib.createBrotliDecompress(brotliOptions)
    if (coding === "deflate") {
      // a zlib header's low nibble is 8 (deflate); only the first decoder sees the wire's bytes
      return i === 0 && (firstByte & 0x0f) !== 0x08
        ? Zlib.createInflateRaw(zlibOptions)
        : Zlib.createInflate(zlibOptions)
    }
    return Zlib.createGunzip(zlibOptions)
  })

/** A `Content-Encoding` value for a message: quoted, escaped, bounded. @internal */
export const show = (header: string): string => JSON.stringify(header.length > 40 ? `${header.slice(0, 40)}…` : header)
