/**
 * Property tests over generated answers: run a program against many answers generated
 * from an endpoint's success Schema (effect's `Arbitrary` with fast-check), each one
 * answering the endpoint's calls through the mock transport. A failing program is
 * reported with the smallest answer fast-check could shrink it to, and the seed that
 * replays the run.
 *
 * ```ts
 * yield* Property.forAll(UserApi, "listUsers", (users) => averageAge, { runs: 200, seed: 42 })
 * ```
 *
 * @since 0.1.0
 */
import type { Endpoint, Spec } from "@service-client/core"
import { safeDisplay } from "@service-client/core/Errors"
import { Cause, Data, Effect, Either, Exit, FastCheck, Runtime } from "effect"
import { arbitraryOf, encode, overTheWire } from "./internal/schemaCheck.js"
import * as Mock from "./Mock.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many answers to try. Default 100. */
  readonly runs?: number | undefined
  /** fast-check's seed: the same seed tries the same answers. Random by default (reported on failure). */
  readonly seed?: number | undefined
  /** Only calls of the client with this name (any by default). */
  readonly service?: string | undefined
}

/**
 * The program failed for a generated answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class PropertyFailure extends Data.TaggedError("PropertyFailure")<{
  readonly endpoint: string
  /** The answer (its wire form) the program failed on, shrunk. */
  readonly counterexample: unknown
  /** The seed that replays the run (`Options.seed`). */
  readonly seed: number
  /** Runs made before the first failure. */
  readonly runs: number
  readonly shrinks: number
  /** How the program failed on the counterexample. */
  readonly cause: Cause.Cause<unknown>
}> {
  override get message() {
    const answer = JSON.stringify(this.counterexample) ?? String(this.counterexample)
    return `${this.endpoint}: the program failed after ${this.runs} run(s) (seed ${this.seed}, ${this.shrinks} shrink(s)) for the answer ${
      answer.length > 500 ? `${answer.slice(0, 500)}…` : answer
    }: ${Cause.pretty(this.cause).split("\n")[0]}`
  }
}
safeDisplay(PropertyFailure)

/**
 * An endpoint without a success Schema has nothing to generate from.
 *
 * @since 0.1.0
 * @category errors
 */
export class PropertyOptionsError extends Data.TaggedError("PropertyOptionsError")<{
  readonly endpoint: string
  readonly reason: string
}> {
  override get message() {
    return `${this.endpoint}: ${this.reason}`
  }
}
safeDisplay(PropertyOptionsError)

type EndpointsOf<S> = S extends Spec.Spec<infer E> ? E : never

/**
 * Runs `program` once per generated answer of `endpoint` (its calls answered with that
 * answer, in wire form; the program gets it as the client decodes it), and fails with
 * `PropertyFailure` when the program fails or dies for one. Runs one after another over
 * the mock transport's registry.
 *
 * @since 0.1.0
 * @category combinators
 */
export const forAll = <S extends Spec.Any, K extends keyof EndpointsOf<S> & string, A, E, R>(
  spec: S,
  endpoint: K,
  program: (answer: Endpoint.Success<EndpointsOf<S>[K]>) => Effect.Effect<A, E, R>,
  options: Options = {}
): Effect.Effect<void, PropertyFailure | PropertyOptionsError, Mock.Registry | R> =>
  Effect.gen(function*() {
    const definition = spec.endpoints[endpoint] as Endpoint.Any | undefined
    const schema = definition?.success
    if (schema === undefined) {
      return yield* new PropertyOptionsError({
        endpoint,
        reason: "the endpoint has no success Schema to generate from"
      })
    }
    const runs = options.runs ?? 100
    if (!(Number.isInteger(runs) && runs > 0)) {
      return yield* new PropertyOptionsError({ endpoint, reason: `runs must be a whole number > 0, got ${runs}` })
    }
    const runtime = yield* Effect.runtime<Mock.Registry | R>()
    const failures: Array<{ readonly value: unknown; readonly wire: unknown; readonly cause: Cause.Cause<unknown> }> =
      []
    const property = FastCheck.asyncProperty(arbitraryOf(schema), async (value) => {
      const wire = encode(schema, value)
      if (Either.isLeft(wire)) throw new Error(wire.left)
      const run = Effect.scoped(
        Effect.zipRight(
          Effect.orDie(Mock.use(() => Mock.json(wire.right), { endpoint, service: options.service, limit: 0 })),
          program(overTheWire(schema, wire.right) as Endpoint.Success<EndpointsOf<S>[K]>)
        )
      ) as Effect.Effect<A, E, Mock.Registry | R>
      const exit = await Runtime.runPromiseExit(runtime)(run)
      if (Exit.isSuccess(exit)) return true
      failures.push({ value, wire: wire.right, cause: exit.cause })
      return false
    })
    const details = yield* Effect.promise(() =>
      FastCheck.check(property, options.seed === undefined ? { numRuns: runs } : { numRuns: runs, seed: options.seed })
    )
    if (!details.failed) return
    const shrunk = details.counterexample?.[0]
    const found = [...failures].reverse().find((f) => Object.is(f.value, shrunk)) ?? failures[failures.length - 1]
    return yield* new PropertyFailure({
      endpoint,
      counterexample: found?.wire ?? shrunk,
      seed: details.seed,
      runs: details.numRuns,
      shrinks: details.numShrinks,
      cause: found?.cause ?? Cause.die(details.errorInstance)
    })
  })
