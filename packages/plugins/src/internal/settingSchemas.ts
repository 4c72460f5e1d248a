/**
 * Schemas of the built-in plugins' endpoint and call settings (`Setting`): durations as a
 * spec file writes them, and "`true`, `false` or a mapping". Their messages read like the
 * rest of a `SpecError` and quote the value bounded (`Render`).
 *
 * @internal
 */
import * as Render from "@service-client/core/Render"
import { Duration, type Effect, Option, ParseResult, Schema } from "effect"
import type * as AST from "effect/SchemaAST"
import type { ParseOptions } from "effect/SchemaAST"
import { isNegative } from "./options.js"

const shown = (u: unknown): string =>
  typeof u === "string" ? `"${Render.text(u, 100)}"` : Render.value(u, { maxLength: 100 })

const isDuration = (u: unknown): u is Duration.DurationInput => {
  if (typeof u === "number") return u >= 0
  if (typeof u === "bigint") return u >= 0n
  if (isNegative(u)) return false
  const d = Duration.decodeUnknown(u)
  return Option.isSome(d) && Duration.greaterThanOrEqualTo(d.value, Duration.zero)
}

/** A duration: milliseconds, a string like `"5 seconds"`, a `Duration`... (not negative). @internal */
export const duration: Schema.Schema<Duration.DurationInput> = Schema.declare(isDuration, {
  message: (issue) => `expected milliseconds or a duration like "5 seconds", got ${shown(issue.actual)}`
})

/** A duration or `null` (none). @internal */
export const durationOrNull: Schema.Schema<Duration.DurationInput | null> = Schema.declare(
  (u): u is Duration.DurationInput | null => u === null || isDuration(u),
  { message: (issue) => `expected milliseconds, a duration like "5 seconds", or null; got ${shown(issue.actual)}` }
)

/**
 * `true`, `false` or a mapping decoded by `fields` (one message for anything else, rather
 * than one per member of a union).
 *
 * @internal
 */
export const booleanOr = <A, I>(
  fields: Schema.Schema<A, I, never>
): Schema.Schema<boolean | A, boolean | I, never> => {
  const either = <X>(
    code: (u: unknown, options?: ParseOptions) => Effect.Effect<X, ParseResult.ParseIssue>
  ) =>
  (input: unknown, options: ParseOptions, ast: AST.AST): Effect.Effect<boolean | X, ParseResult.ParseIssue> =>
    typeof input === "boolean"
      ? ParseResult.succeed(input)
      : typeof input === "object" && input !== null && !Array.isArray(input)
      ? code(input, options)
      : ParseResult.fail(new ParseResult.Type(ast, input, `expected true, false or a mapping, got ${shown(input)}`))
  return Schema.declare([fields], {
    decode: (f) => either(ParseResult.decodeUnknown(f)),
    encode: (f) => either(ParseResult.encodeUnknown(f))
  })
}
