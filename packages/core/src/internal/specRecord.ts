/**
 * Plain data (a spec file's or the seed's dictionary shape) → an untyped spec: each
 * endpoint description checked key by key (public as `SpecLoader.fromRecord`,
 * `SpecLoader.fromRecordEither` and `SpecLoader.endpointFromRecord`).
 *
 * @internal
 */
import { Duration, Effect, Either } from "effect"
import * as Endpoint from "../Endpoint.js"
import { SpecError } from "../Errors.js"
import * as Spec from "../Spec.js"
import { checkHeader } from "./headers.js"
import * as Thrown from "./thrown.js"

type Check<A> = Either.Either<A, { readonly key: string; readonly reason: string }>
const bad = (key: string, reason: string): Check<never> => Either.left({ key, reason })
const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array)
const describe = (u: unknown) => (u === null ? "null" : Array.isArray(u) ? "an array" : `a ${typeof u}`)

const record = <A>(key: string, u: unknown, item: (key: string, v: unknown) => Check<A>): Check<Record<string, A>> => {
  if (!isRecord(u)) return bad(key, `expected a mapping, got ${describe(u)}`)
  const out: Record<string, A> = {}
  for (const [k, v] of Object.entries(u)) {
    const r = item(`${key}.${k}`, v)
    if (Either.isLeft(r)) return Either.left(r.left)
    out[k] = r.right
  }
  return Either.right(out)
}

const boolean = (key: string, u: unknown): Check<boolean> =>
  typeof u === "boolean" ? Either.right(u) : bad(key, `expected true or false, got ${describe(u)}`)

const duration = (key: string, u: unknown): Check<Duration.DurationInput | null> => {
  if (u === null) return Either.right(null)
  if (typeof u === "number" && u >= 0 && Number.isFinite(u)) return Either.right(u)
  if (typeof u === "string") {
    const d = Duration.decodeUnknown(u)
    if (d._tag === "Some") return Either.right(d.value)
  }
  return bad(key, `expected milliseconds, a duration like "5 seconds", or null; got ${JSON.stringify(u)}`)
}

const scalar = (key: string, u: unknown): Check<string | number | boolean> =>
  typeof u === "string" || typeof u === "boolean" || (typeof u === "number" && Number.isFinite(u))
    ? Either.right(u)
    : bad(key, `expected a string, number or boolean, got ${describe(u)}`)

const queryValue = (key: string, u: unknown): Check<Endpoint.QueryValue> => {
  if (u === null) return Either.right(null)
  if (!Array.isArray(u)) return scalar(key, u)
  const out: Array<string | number | boolean> = []
  for (const [i, item] of u.entries()) {
    const r = scalar(`${key}[${i}]`, item)
    if (Either.isLeft(r)) return Either.left(r.left)
    out.push(r.right)
  }
  return Either.right(out)
}

const mockKeys = ["type", "data", "file", "seed", "status", "headers", "delay", "check"]

const mock = (key: string, u: unknown): Check<Endpoint.MockDescription> => {
  if (!isRecord(u)) return bad(key, `expected a mapping, got ${describe(u)}`)
  for (const k of Object.keys(u)) {
    if (!mockKeys.includes(k)) return bad(`${key}.${k}`, `unknown key (expected one of ${mockKeys.join(", ")})`)
  }
  if (
    u.status !== undefined &&
    !(Number.isInteger(u.status) && (u.status as number) >= 100 && (u.status as number) <= 599)
  ) {
    return bad(`${key}.status`, `expected an HTTP status (100-599), got ${JSON.stringify(u.status)}`)
  }
  if (u.headers !== undefined) {
    const h = record(`${key}.headers`, u.headers, string)
    if (Either.isLeft(h)) return Either.left(h.left)
  }
  if (u.delay !== undefined) {
    const d = duration(`${key}.delay`, u.delay)
    if (Either.isLeft(d)) return Either.left(d.left)
  }
  if (u.check !== undefined) {
    const c = boolean(`${key}.check`, u.check)
    if (Either.isLeft(c)) return Either.left(c.left)
  }
  switch (u.type) {
    case "json":
      if (!("data" in u)) return bad(`${key}.data`, "a json mock needs data")
      break
    case "raw":
      if (typeof u.data !== "string" && !(u.data instanceof Uint8Array)) {
        return bad(`${key}.data`, `a raw mock needs data as a string or bytes, got ${describe(u.data)}`)
      }
      break
    case "file":
      if (typeof u.file !== "string" || u.file.length === 0) return bad(`${key}.file`, "a file mock needs a file path")
      break
    case "arbitrary":
      if (u.seed !== undefined && !Number.isSafeInteger(u.seed)) {
        return bad(`${key}.seed`, `expected a whole number, got ${JSON.stringify(u.seed)}`)
      }
      break
    default:
      return bad(`${key}.type`, `unknown mock type ${JSON.stringify(u.type)} (expected json, raw, file or arbitrary)`)
  }
  return Either.right(u as unknown as Endpoint.MockDescription)
}

const string = (key: string, u: unknown): Check<string> =>
  typeof u === "string" ? Either.right(u) : bad(key, `expected a string, got ${describe(u)}`)

const settings: { readonly [K in Endpoint.CoreSettingKey]-?: (key: string, u: unknown) => Check<unknown> } = {
  headers: (key, u) =>
    record(key, u, (k, v) => {
      const name = k.slice(key.length + 1)
      const reason = checkHeader(name, v)
      return reason === undefined ? Either.right(v as string) : bad(k, reason)
    }),
  query: (key, u) => record(key, u, queryValue),
  pathTokens: (key, u) =>
    record(key, u, (k, v) =>
      (typeof v === "string" && v.length > 0) || (typeof v === "number" && Number.isFinite(v))
        ? Either.right(v)
        : bad(k, `expected a non-empty string or a number, got ${describe(v)}`)),
  streamRequest: boolean,
  streamResponse: boolean,
  events: (key, u) =>
    u === "sse" || u === "ndjson" ? Either.right(u) : bad(key, `expected "sse" or "ndjson", got ${describe(u)}`),
  maxEventBytes: (key, u) =>
    Number.isInteger(u) && (u as number) > 0 ? Either.right(u) : bad(key, "expected a positive whole number"),
  mock,
  maxResponseBytes: (key, u) =>
    Number.isInteger(u) && (u as number) > 0 ? Either.right(u) : bad(key, "expected a positive whole number of bytes"),
  compressRequest: (key, u) =>
    u === "gzip" || u === "deflate" ? Either.right(u) : bad(key, `expected "gzip" or "deflate", got ${describe(u)}`),
  redirect: (key, u) =>
    u === "follow" || u === "manual" || u === "error"
      ? Either.right(u)
      : bad(key, `expected "follow", "manual" or "error", got ${describe(u)}`),
  description: string
}

const endpointKeys = ["path", "method", ...Endpoint.settingKeys]

// keys plain data may not set: the Schemas and the endpoint's own fields are code, and
// the rest would reach an object's prototype
const codeOnlyKeys: ReadonlySet<string> = new Set([
  "payload",
  "success",
  "error",
  "querySchema",
  "headersSchema",
  "input",
  "tokens",
  "template",
  "__proto__",
  "constructor",
  "prototype"
])

/** One endpoint description (a mapping, or a path string for a GET). */
export const endpointFromRecord = (
  data: unknown
): Either.Either<Endpoint.Untyped, { readonly key: string | undefined; readonly reason: string }> => {
  const desc = typeof data === "string" ? { path: data } : data
  if (!isRecord(desc)) return Either.left({ key: undefined, reason: `expected a mapping, got ${describe(data)}` })
  const options: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(desc)) {
    if (!endpointKeys.includes(key)) {
      if (codeOnlyKeys.has(key)) {
        return Either.left({ key, reason: `unknown key (expected one of ${endpointKeys.join(", ")})` })
      }
      // another key is a plugin's setting: decoded by that plugin's Schema when a client is
      // built, and an error there if none of the client's plugins owns it
      if (value !== undefined) options[key] = value
      continue
    }
    if (key === "path" || key === "method" || value === undefined) continue
    const r = settings[key as Endpoint.CoreSettingKey](key, value)
    if (Either.isLeft(r)) return Either.left(r.left)
    options[key] = r.right
  }
  if (desc.path === undefined) return Either.left({ key: "path", reason: "the path is missing" })
  if (typeof desc.path !== "string") {
    return Either.left({ key: "path", reason: `expected a string, got ${describe(desc.path)}` })
  }
  const method = desc.method === undefined ? "GET" : typeof desc.method === "string" ? desc.method.toUpperCase() : ""
  if (!(Endpoint.methods as ReadonlyArray<string>).includes(method)) {
    return Either.left({
      key: "method",
      reason: `unknown method ${JSON.stringify(desc.method)} (expected one of ${Endpoint.methods.join(", ")})`
    })
  }
  try {
    return Either.right(
      Endpoint.make({ ...options, method: method as Endpoint.Method, path: desc.path }) as unknown as Endpoint.Untyped
    )
  } catch (e) {
    if (e instanceof SpecError) return Either.left({ key: e.key, reason: e.reason })
    throw e
  }
}

/** A plain-data spec: a mapping of endpoint names to descriptions. */
export const fromRecordEither = (
  data: unknown,
  options: { readonly file?: string | undefined } = {}
): Either.Either<Spec.Untyped, SpecError> => {
  try {
    return readRecord(data, options.file)
  } catch (e) {
    // a getter or a Proxy trap of the data that throws while it is read
    if (e instanceof SpecError) return Either.left(e)
    return Either.left(new SpecError({ file: options.file, reason: `the spec could not be read: ${Thrown.shown(e)}` }))
  }
}

const readRecord = (data: unknown, file: string | undefined): Either.Either<Spec.Untyped, SpecError> => {
  if (!isRecord(data)) {
    return Either.left(new SpecError({ file, reason: `a spec must be a mapping, got ${describe(data)}` }))
  }
  const endpoints: Record<string, Endpoint.Untyped> = {}
  for (const [name, desc] of Object.entries(data)) {
    const nameError = Spec.checkName(name, file)
    if (nameError) return Either.left(nameError)
    const r = endpointFromRecord(desc)
    if (Either.isLeft(r)) {
      return Either.left(new SpecError({ file, endpoint: name, key: r.left.key, reason: r.left.reason }))
    }
    endpoints[name] = r.right
  }
  return Either.right(Spec.unsafeMake(endpoints, file))
}

/** `fromRecordEither` as an Effect. */
export const fromRecord = (
  data: unknown,
  options: { readonly file?: string | undefined } = {}
): Effect.Effect<Spec.Untyped, SpecError> => Effect.suspend(() => fromRecordEither(data, options))
