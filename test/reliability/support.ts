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
