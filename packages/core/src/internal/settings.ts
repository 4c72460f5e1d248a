/**
 * The settings the client's plugins own (`Setting`): each endpoint's decoded once when the
 * client is built, each call's before any I/O.
 *
 * @internal
 */
import { Either, ParseResult } from "effect"
import * as Endpoint from "../Endpoint.js"
import { InputError, SpecError } from "../Errors.js"
import type * as Plugin from "../Plugin.js"
import * as Redact from "../Redact.js"
import type * as Setting from "../Setting.js"
import * as Issue from "./issue.js"
import { hint } from "./knownSettings.js"
import { noSettings } from "./noSettings.js"

/** The keys of an endpoint the core itself reads. */
const coreKeys: ReadonlySet<string> = new Set([
  "method",
  "path",
  "tokens",
  "template",
  "payload",
  "success",
  "error",
  "querySchema",
  "headersSchema",
  "input",
  ...Endpoint.settingKeys
])

/** Where a key of an endpoint was written (a spec file's line), when known. */
export type Locate = (endpoint: string, path: ReadonlyArray<string | number>) => {
  readonly file?: string | undefined
  readonly line?: number | undefined
}

/**
 * The first issue of a setting's Schema failure, quoting no secret: the value is decoded
 * again with its secret fields redacted (all of it for a setting named like a secret).
 */
const firstIssue = (
  decode: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>,
  key: string,
  value: unknown,
  error: ParseResult.ParseError,
  redaction: Redact.Redaction
) => {
  const path = (ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.path ?? []) as ReadonlyArray<string | number>
  const shown = Issue.rerun(decode, value, error, redaction, Redact.isSecretField(redaction, key))
  if (shown === undefined) return { path, message: Issue.paths(error), cause: undefined }
  return { path, message: ParseResult.ArrayFormatter.formatErrorSync(shown)[0]?.message ?? "invalid", cause: shown }
}

const keyOf = (key: string, path: ReadonlyArray<string | number>) =>
  [key, ...path].map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("")

/** @internal */
export interface Compiled {
  /** The endpoint's decoded plugin settings. */
  readonly endpoint: Readonly<Record<string, unknown>>
  /** Decoders of the call-input keys the plugins own, by key. */
  readonly call: ReadonlyMap<string, (u: unknown) => Either.Either<unknown, ParseResult.ParseError>>
  /** The same keys and decoders as arrays: each call walks them by index (no iterator, no entry per key). */
  readonly callKeys: ReadonlyArray<string>
  readonly callDecoders: ReadonlyArray<(u: unknown) => Either.Either<unknown, ParseResult.ParseError>>
}

const decoderOf = (setting: Setting.Setting<any>) => setting.decode

/**
 * Checks the endpoint's keys the core does not read against the plugins' settings and
 * decodes them: a key no plugin owns, or a value its Schema refuses, is a `SpecError`
 * naming the endpoint, the key and (for a spec file) the file and line.
 *
 * @internal
 */
export const compile = (
  service: string,
  name: string,
  endpoint: Endpoint.Any,
  plugins: ReadonlyArray<Plugin.Plugin<any>>,
  locate: Locate | undefined,
  redaction: Redact.Redaction = Redact.defaults
): Either.Either<Compiled, SpecError> => {
  const byKey = new Map<string, Array<Setting.Setting<any>>>()
  const call = new Map<string, (u: unknown) => Either.Either<unknown, ParseResult.ParseError>>()
  for (const p of plugins) {
    for (const s of p.settings ?? []) {
      if (s.endpoint) {
        const list = byKey.get(s.key)
        if (list === undefined) byKey.set(s.key, [s])
        else list.push(s)
      }
      if (s.call && !call.has(s.key)) call.set(s.key, decoderOf(s))
    }
  }
  const fail = (key: string, path: ReadonlyArray<string | number>, reason: string) =>
    Either.left(
      new SpecError({ service, endpoint: name, key: keyOf(key, path), reason, ...locate?.(name, [key, ...path]) })
    )
  for (const key of call.keys()) {
    if (endpoint.tokens.includes(key) || (Endpoint.reservedInputKeys as ReadonlyArray<string>).includes(key)) {
      return fail("path", [], `the call-input key "${key}" of a plugin is also a path token or a reserved input key`)
    }
  }
  const settings: Record<string, unknown> = {}
  for (const key of Object.keys(endpoint)) {
    if (coreKeys.has(key)) continue
    const owners = byKey.get(key)
    if (owners === undefined) {
      const known = [...Endpoint.settingKeys, ...byKey.keys()].join(", ")
      const plugin = hint(key, "endpoint")
      return fail(
        key,
        [],
        plugin === undefined
          ? `unknown key: no plugin of this client owns it (expected one of path, method, ${known})`
          : `no plugin of this client reads it: ${plugin}`
      )
    }
    const value = (endpoint as unknown as Record<string, unknown>)[key]
    for (const owner of owners) {
      const decoded = decoderOf(owner)(value)
      if (Either.isLeft(decoded)) {
        const issue = firstIssue(decoderOf(owner), key, value, decoded.left, redaction)
        return fail(key, issue.path, issue.message)
      }
      if (!(key in settings)) settings[key] = decoded.right
    }
  }
  return Either.right({
    endpoint: Object.keys(settings).length === 0 ? noSettings : Object.freeze(settings),
    call,
    callKeys: [...call.keys()],
    callDecoders: [...call.values()]
  })
}

/**
 * Decodes the call-input keys the plugins own: an `InputError` naming the key otherwise.
 *
 * @internal
 */
export const decodeCall = (
  compiled: Compiled,
  input: Readonly<Record<string, unknown>>,
  service: string,
  endpoint: string,
  redaction: Redact.Redaction = Redact.defaults
): Either.Either<Readonly<Record<string, unknown>> | undefined, InputError> => {
  let out: Record<string, unknown> | undefined
  const keys = compiled.callKeys
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const value = input[key]
    if (value === undefined) continue
    const decode = compiled.callDecoders[i]!
    const decoded = decode(value)
    if (Either.isLeft(decoded)) {
      const issue = firstIssue(decode, key, value, decoded.left, redaction)
      return Either.left(
        new InputError({ service, endpoint, key: keyOf(key, issue.path), reason: issue.message, cause: issue.cause })
      )
    }
    ;(out ??= {})[key] = decoded.right
  }
  return Either.right(out)
}
