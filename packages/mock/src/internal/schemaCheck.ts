/**
 * Checks an answer against the endpoint's Schemas, and generates answers from them.
 * Shared by the mock transport (every mock answer), the recorder (every recorded answer)
 * and verify (every live answer).
 *
 * @internal
 */
import type { Endpoint } from "@service-client/core"
import * as Errors from "@service-client/core/Errors"
import * as Redact from "@service-client/core/Redact"
import { Arbitrary, Either, FastCheck, ParseResult, Schema } from "effect"

type Decode = (u: unknown) => Either.Either<unknown, ParseResult.ParseError>

const decoders = new WeakMap<Schema.Schema.Any, Decode>()

const decoderOf = (schema: Schema.Schema.Any): Decode => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown, never>)
    decoders.set(schema, decode)
  }
  return decode
}

/** The Schema the body of an answer with this status must match, if the endpoint declares one. */
export const schemaFor = (definition: Endpoint.Any, status: number): Schema.Schema.Any | undefined => {
  if (status >= 200 && status < 300) return definition.success
  const error = definition.error
  if (error === undefined) return undefined
  if (Schema.isSchema(error)) return error
  return Object.prototype.hasOwnProperty.call(error, status)
    ? (error as Record<number, Schema.Schema.Any>)[status]
    : undefined
}

/**
 * What is wrong with `data` (the parsed body, `undefined` for none) as the body of an
 * answer with this status, or `undefined` when the service could send it. A non-2xx
 * answer without a body is not checked (the core decodes no error body then).
 */
export const issueOf = (
  definition: Endpoint.Any,
  status: number,
  data: unknown,
  redaction: Redact.Redaction = Redact.defaults
): string | undefined => {
  const schema = schemaFor(definition, status)
  if (schema === undefined) return undefined
  if (data === undefined && !(status >= 200 && status < 300)) return undefined
  const decoded = decoderOf(schema)(data)
  if (Either.isRight(decoded)) return undefined
  const kind = status >= 200 && status < 300 ? "success" : `error (${status})`
  return `the body does not match the ${kind} Schema: ${told(decoderOf(schema), data, decoded.left, redaction)}`
}

/** A Schema failure on `data` in one line, told without the secret fields it may quote (`Errors.schemaIssue`). */
export const told = (
  decode: Decode,
  data: unknown,
  issue: ParseResult.ParseError,
  redaction: Redact.Redaction = Redact.defaults
): string => oneLine(Errors.schemaIssue(decode, data, issue, redaction))

const oneLine = (text: string) => {
  const flat = text.replace(/\s*\n\s*/g, " ")
  return flat.length > 600 ? `${flat.slice(0, 600)}…` : flat
}

const decoder = new TextDecoder()

/**
 * The body as data for a Schema check: JSON parsed when the content type is JSON or
 * absent; `undefined` for an empty body; `NotJson` when it cannot be told (another content
 * type, or a body that is no JSON: the core's parser reports that itself).
 */
export const NotJson: unique symbol = Symbol.for("@service-client/mock/NotJson") as never

export const parseBody = (bytes: Uint8Array, contentType: string | undefined): unknown => {
  if (bytes.length === 0) return undefined
  if (contentType !== undefined && !contentType.toLowerCase().includes("json")) return NotJson
  try {
    return JSON.parse(decoder.decode(bytes))
  } catch {
    return NotJson
  }
}

const arbitraries = new WeakMap<Schema.Schema.Any, FastCheck.Arbitrary<unknown>>()

/**
 * fast-check's Arbitrary of a Schema's type side (cached), keeping only the values a
 * service could send as JSON: their wire form survives `JSON.stringify` and decodes
 * again (no `NaN`, `Infinity`, `-0`, `undefined` in arrays...).
 */
export const arbitraryOf = (schema: Schema.Schema.Any): FastCheck.Arbitrary<unknown> => {
  let arbitrary = arbitraries.get(schema)
  if (arbitrary === undefined) {
    const s = schema as Schema.Schema<unknown, unknown, never>
    const encodeValue = Schema.encodeUnknownEither(s)
    const decode = decoderOf(schema)
    arbitrary = Arbitrary.make(s).filter((value) => {
      const wire = encodeValue(value)
      if (Either.isLeft(wire)) return false
      const text = JSON.stringify(wire.right)
      return text !== undefined && Either.isRight(decode(JSON.parse(text)))
    })
    arbitraries.set(schema, arbitrary)
  }
  return arbitrary
}

/**
 * The wire form of a value generated from the endpoint's success Schema with this seed:
 * always the same for the same seed. Fails with a reason when the endpoint has no success
 * Schema or the Schema cannot be generated or encoded.
 */
export const generate = (definition: Endpoint.Any, seed: number): Either.Either<unknown, string> => {
  const schema = definition.success
  if (schema === undefined) return Either.left("the endpoint has no success Schema to generate an answer from")
  let value: unknown
  try {
    value = FastCheck.sample(arbitraryOf(schema), { seed, numRuns: 1 })[0]
  } catch (e) {
    return Either.left(`cannot generate from the success Schema: ${e instanceof Error ? e.message : String(e)}`)
  }
  return encode(schema, value)
}

/** A wire form as the client decodes it after a trip through JSON. */
export const overTheWire = (schema: Schema.Schema.Any, wire: unknown): unknown => {
  const text = JSON.stringify(wire)
  const decoded = decoderOf(schema)(text === undefined ? undefined : JSON.parse(text))
  return Either.isRight(decoded) ? decoded.right : undefined
}

/** A value of a Schema's type side in its wire form. */
export const encode = (schema: Schema.Schema.Any, value: unknown): Either.Either<unknown, string> =>
  Either.mapLeft(
    Schema.encodeUnknownEither(schema as Schema.Schema<unknown, unknown, never>)(value),
    (e) => `cannot encode the generated value: ${oneLine(ParseResult.TreeFormatter.formatErrorSync(e))}`
  )
