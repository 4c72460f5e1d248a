/**
 * `multipart/form-data` bodies (RFC 7578), built from a `FormData` or a record of parts
 * and streamed: a Blob or Stream part is read as the body is sent, never buffered whole.
 *
 * @internal
 */
import { Chunk, Predicate, Stream } from "effect"

const encoder = new TextEncoder()

/** Escapes a field name or file name the way browsers do (WHATWG multipart/form-data). */
const quote = (s: string): string => s.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22")

/** A random boundary, unlikely to occur in any part (`crypto.getRandomValues`). */
export const boundary = (): string => {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  let hex = ""
  for (const b of bytes) hex += b.toString(16).padStart(2, "0")
  return `----effect-service-client-${hex}`
}

type Part =
  | { readonly name: string; readonly text: string }
  | {
    readonly name: string
    readonly filename: string
    readonly type: string
    readonly bytes: Uint8Array | Blob | Stream.Stream<Uint8Array, unknown>
  }

const isStream = (u: unknown): u is Stream.Stream<Uint8Array, unknown> => Predicate.hasProperty(u, Stream.StreamTypeId)
const isBlob = (u: unknown): u is Blob => typeof Blob === "function" && u instanceof Blob

const partOf = (name: string, value: unknown): Part => {
  if (typeof value === "string") return { name, text: value }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`the field "${quote(name)}" is ${value}`)
    return { name, text: String(value) }
  }
  if (value instanceof Uint8Array) return { name, filename: name, type: "application/octet-stream", bytes: value }
  if (isBlob(value)) {
    const filename = typeof (value as { readonly name?: unknown }).name === "string" ? (value as File).name : name
    return { name, filename, type: value.type === "" ? "application/octet-stream" : value.type, bytes: value }
  }
  if (isStream(value)) return { name, filename: name, type: "application/octet-stream", bytes: value }
  throw new Error(
    `the field "${quote(name)}" is ${
      value === null ? "null" : typeof value
    }: a part is a string, a number, a boolean, bytes, a Blob/File or a Stream of bytes`
  )
}

/** The parts of a payload: a `FormData`, or a record (an array value repeats the field). */
const partsOf = (payload: unknown): Array<Part> => {
  const parts: Array<Part> = []
  if (typeof FormData === "function" && payload instanceof FormData) {
    for (const [name, value] of payload.entries()) parts.push(partOf(name, value))
    return parts
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new Error("a multipart payload must be a FormData or a record of parts")
  }
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) parts.push(partOf(name, item))
  }
  return parts
}

const head = (b: string, part: Part): string =>
  "text" in part
    ? `--${b}\r\nContent-Disposition: form-data; name="${quote(part.name)}"\r\n\r\n`
    : `--${b}\r\nContent-Disposition: form-data; name="${quote(part.name)}"; filename="${
      quote(part.filename)
    }"\r\nContent-Type: ${part.type.replace(/[\r\n]/g, "")}\r\n\r\n`

/**
 * The body of `payload` with boundary `b`: bytes when every part is in memory, a Stream
 * otherwise.
 *
 * @internal
 */
export const body = (payload: unknown, b: string): Uint8Array | Stream.Stream<Uint8Array, unknown> => {
  const parts = partsOf(payload)
  const pieces: Array<Uint8Array | Blob | Stream.Stream<Uint8Array, unknown>> = []
  let text = ""
  for (const part of parts) {
    text += head(b, part)
    if ("text" in part) text += part.text + "\r\n"
    else if (part.bytes instanceof Uint8Array) {
      pieces.push(encoder.encode(text), part.bytes)
      text = "\r\n"
    } else {
      pieces.push(encoder.encode(text), part.bytes)
      text = "\r\n"
    }
  }
  pieces.push(encoder.encode(`${text}--${b}--\r\n`))
  if (pieces.every((p) => p instanceof Uint8Array)) {
    const chunks = pieces as Array<Uint8Array>
    let size = 0
    for (const c of chunks) size += c.length
    const out = new Uint8Array(size)
    let offset = 0
    for (const c of chunks) {
      out.set(c, offset)
      offset += c.length
    }
    return out
  }
  return Stream.flatMap(
    Stream.fromIterable(pieces),
    (piece) =>
      piece instanceof Uint8Array
        ? Stream.succeed(piece)
        : isBlob(piece)
        ? Stream.fromReadableStream(() => piece.stream() as ReadableStream<Uint8Array>, (e) => e)
        : piece
  ).pipe(Stream.mapChunks((c) => Chunk.filter(c, (bytes) => bytes.length > 0)))
}
