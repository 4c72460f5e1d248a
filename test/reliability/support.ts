/**
 * Shared pieces of the reliability tests: the live transport, and checks on a call's Exit
 * (a typed failure naming service and endpoint, never a defect).
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Cause, Exit, Layer, Option } from "effect"
import * as fc from "fast-check"
import * as Util from "node:util"

/** The live transport: core's `Transport.layer` over undici. */
export const Live = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Both live transports: the portable one over @effect/platform, and NodeTransport on undici. */
export const transports: ReadonlyArray<readonly [string, Layer.Layer<Transport.Transport>]> = [
  ["Transport.layer", Live],
  ["NodeTransport", NodeTransport.layer]
]

/** Every live transport: `Transport.layer` over undici and over fetch, and NodeTransport. */
export const liveTransports: ReadonlyArray<readonly [string, Layer.Layer<Transport.Transport>]> = [
  ["Transport.layer (undici)", Live],
  ["Transport.layer (fetch)", Transport.layer.pipe(Layer.provide(FetchHttpClient.layer))],
  ["NodeTransport", NodeTransport.layer]
]

/** Asserts the cause holds no defect (no `Die`), whatever else it holds. */
export const assertNoDefect = (cause: Cause.Cause<unknown>) => {
  const defects = [...Cause.defects(cause)]
  assert.deepStrictEqual(defects.map(String), [], "the call died instead of failing with a typed error")
}

/**
 * Asserts the exit is a typed failure with `tag`, naming `service` and `endpoint`, and no
 * defect; returns the error.
 */
export const expectFailure = <A, E>(
  exit: Exit.Exit<A, E>,
  tag: string,
  where: { readonly service: string; readonly endpoint: string }
): any => {
  if (Exit.isSuccess(exit)) return assert.fail(`expected ${tag}, the call succeeded`)
  assertNoDefect(exit.cause)
  const error = Cause.failureOption(exit.cause)
  if (Option.isNone(error)) return assert.fail(`expected ${tag}, got ${Cause.pretty(exit.cause)}`)
  const e = error.value as any
  assert.strictEqual(e._tag, tag, `expected ${tag}, got ${e._tag}: ${e.message}`)
  assert.strictEqual(e.service, where.service)
  assert.strictEqual(e.endpoint, where.endpoint)
  assert.include(e.message, `${where.service}.${where.endpoint}`)
  return e
}

/** Asserts the exit is an interruption only: no failure, no defect. */
export const expectInterrupted = <A, E>(exit: Exit.Exit<A, E>) => {
  assert.isTrue(Exit.isFailure(exit), "expected the call to be interrupted")
  if (Exit.isFailure(exit)) {
    assertNoDefect(exit.cause)
    assert.isTrue(Cause.isInterruptedOnly(exit.cause), Cause.pretty(exit.cause))
  }
}

const secretChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
/** A secret: a marker (`S3CR`) and 6-20 letters or digits, easy to look for in any text. */
export const secret = fc.string({ unit: fc.constantFrom(...secretChars), minLength: 6, maxLength: 20 }).map((s) =>
  `S3CR${s}`
)

/** Every way an error is printed: message, String, JSON and inspect of it and its Exit, Cause.pretty. */
export const renderings = (exit: Exit.Exit<unknown, unknown>): Array<string> => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  assertNoDefect(exit.cause)
  const error = Option.getOrThrow(Cause.failureOption(exit.cause)) as Error
  return [
    error.message,
    String(error),
    JSON.stringify(error),
    JSON.stringify(exit),
    Util.inspect(error, { depth: 20 }),
    Util.inspect(exit, { depth: 20 }),
    Cause.pretty(exit.cause),
    Cause.pretty(exit.cause, { renderErrorCause: true })
  ]
}

/** Asserts no secret shows in any of the texts. */
export const assertHidden = (texts: ReadonlyArray<string>, secrets: ReadonlyArray<string>) => {
  for (const text of texts) {
    for (const s of secrets) assert.notInclude(text, s, `a secret shows in: ${text.slice(0, 500)}`)
  }
}
