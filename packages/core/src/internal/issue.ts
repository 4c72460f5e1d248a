/**
 * Schema failures told without the secrets they may quote: a failing value is checked
 * again with its secret fields (`Redact.fields`) replaced by `<REDACTED>`, and that run's
 * issue is the one told.
 *
 * @internal
 */
import { Either, ParseResult } from "effect"
import * as Redact from "../Redact.js"

/** @internal */
export const format = (e: ParseResult.ParseError): string => ParseResult.TreeFormatter.formatErrorSync(e)

/**
 * Runs `run` (the Schema's encoder or decoder) again on a copy of `given` whose secret
 * fields are redacted (all of it when `whole`: a value that is a secret itself): the issue
 * to tell. `undefined` when the copy passes (only the paths of `issue` may be told);
 * `issue` itself when `given` has no secret field.
 *
 * @internal
 */
export const rerun = (
  run: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>,
  given: unknown,
  issue: ParseResult.ParseError,
  redaction: Redact.Redaction,
  whole = false
): ParseResult.ParseError | undefined => {
  const copy = whole
    ? (given === undefined || given === null ? given : Redact.REDACTED)
    : Redact.fields(given, redaction)
  if (copy === given) return issue
  const again = run(copy)
  return Either.isLeft(again) ? again.left : undefined
}

/** The paths of a failure, for when its values cannot be told. @internal */
export const paths = (issue: ParseResult.ParseError): string => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(issue).map((i) => i.path.map(String).join(".") || "(root)")
  return `a value failed the schema at ${[...new Set(all)].join(", ")} (value redacted)`
}

/**
 * The issue of a Schema failure on `given` that quotes no secret ({@link rerun}), told
 * as a message.
 *
 * @internal
 */
export const redacted = (
  run: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>,
  given: unknown,
  issue: ParseResult.ParseError,
  redaction: Redact.Redaction,
  whole = false
): { readonly message: string; readonly issue: ParseResult.ParseError | undefined } => {
  const shown = rerun(run, given, issue, redaction, whole)
  return shown === undefined ? { message: paths(issue), issue: undefined } : { message: format(shown), issue: shown }
}
