/**
 * Property: every error class of every package (core, plugins, mock, redis, cli) shows
 * itself safely, whatever its fields hold: its `message` (so `String(e)` and
 * `Cause.pretty`) is one escaped line of bounded length, and `JSON.stringify`,
 * `util.inspect` and `Cause.pretty` never show a secret held by its cause, its headers or
 * its body (only a cause's message, redacted headers, a body's size).
 */
import { assert, describe, it } from "@effect/vitest"
import { CallCommand } from "@service-client/cli"
import * as GenerateCommand from "@service-client/cli/GenerateCommand"
import { Errors, EventStream, Pagination, Render } from "@service-client/core"
import { Chaos, Mock, Property, Recording } from "@service-client/mock"
import { CircuitOpen } from "@service-client/plugins/CircuitBreaker"
import { LimiterUnavailable, TooManyRequestsPending, TooMuchTimePending } from "@service-client/plugins/LimiterError"
import { RedisStore } from "@service-client/redis"
import { Cause, Duration, Effect, Exit } from "effect"
import * as fc from "fast-check"
import * as Util from "node:util"

const secretChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const secret = fc.string({ unit: fc.constantFrom(...secretChars), minLength: 6, maxLength: 20 }).map((s) => `S3CR${s}`)

/** Text a server, a config or a caller may put in any field: controls, separators, lone surrogates, long runs. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom("\r", "\n", "\u0000", "\u001b[31m", "\u0085", "\u2028", "\ud800", "a", "é"),
    maxLength: 30
  }),
  fc.nat({ max: 9000 }).map((n) => "x".repeat(n) + "\n")
)

/** A cause holding a secret outside its message (an ioredis error keeps the command's arguments). */
const causeWith = (s: string) => Object.assign(new Error("the store failed"), { command: { args: [s] }, password: s })

type Make = (text: string, s: string) => Error

const classes: ReadonlyArray<readonly [string, Make]> = [
  ["SpecError", (t) => new Errors.SpecError({ reason: t, service: t, endpoint: t, key: t, file: t, line: 3 })],
  ["InputError", (t, s) => new Errors.InputError({ service: t, endpoint: t, reason: t, key: t, cause: causeWith(s) })],
  ["RequestError", (t, s) =>
    new Errors.RequestError({
      service: t,
      endpoint: t,
      method: "GET",
      url: t,
      reason: "Transport",
      cause: causeWith(s)
    })],
  [
    "TimeoutError",
    (t) => new Errors.TimeoutError({ service: t, endpoint: t, method: "GET", url: t, timeout: Duration.seconds(1) })
  ],
  ["ResponseError", (t, s) =>
    new Errors.ResponseError({
      service: t,
      endpoint: t,
      method: "GET",
      url: t,
      status: 500,
      headers: { "set-cookie": `sid=${s}`, "x-note": t },
      body: new TextEncoder().encode(JSON.stringify({ access_token: s, note: t })),
      error: undefined,
      attributes: { note: t }
    })],
  ["ParseError", (t, s) =>
    new Errors.ParseError({
      service: t,
      endpoint: t,
      method: "GET",
      url: t,
      status: 200,
      reason: t,
      excerpt: t,
      cause: causeWith(s)
    })],
  ["ClientClosed", (t) => new Errors.ClientClosed({ service: t, endpoint: t })],
  ["NoMock", (t) => new Errors.NoMock({ service: t, endpoint: t, reason: t })],
  [
    "PluginError",
    (t, s) => new Errors.PluginError({ service: t, endpoint: t, plugin: t, reason: t, cause: causeWith(s) })
  ],
  [
    "EventStreamError",
    (t) => new EventStream.EventStreamError({ service: t, endpoint: t, reason: "Parse", description: t, excerpt: t })
  ],
  ["PaginationError", (t) => new Pagination.PaginationError({ service: t, endpoint: t, page: 2, reason: t })],
  [
    "TooManyRequestsPending",
    (t) => new TooManyRequestsPending({ service: t, endpoint: t, limiter: "pool", pending: 3 })
  ],
  ["TooMuchTimePending", (t) =>
    new TooMuchTimePending({
      service: t,
      endpoint: t,
      limiter: "rateLimit",
      pending: 3,
      waited: Duration.millis(5),
      expected: Duration.millis(7)
    })],
  [
    "LimiterUnavailable",
    (t, s) => new LimiterUnavailable({ service: t, endpoint: t, limiter: "pool", reason: t, cause: causeWith(s) })
  ],
  [
    "CircuitOpen",
    (t) => new CircuitOpen({ service: t, endpoint: t, circuit: t, state: "open", retryIn: Duration.seconds(2) })
  ],
  ["RecordingError", (t, s) => new Recording.RecordingError({ file: t, reason: t, cause: causeWith(s) })],
  ["ChaosFailure", (t) => new Chaos.ChaosFailure({ service: t, endpoint: t })],
  ["MockFailure", (t, s) => new Mock.Failure({ cause: causeWith(s), description: t })],
  ["MockOptionsError", (t) => new Mock.MockOptionsError({ key: t, reason: t })],
  ["PropertyFailure", (t, s) =>
    new Property.PropertyFailure({
      endpoint: t,
      counterexample: { note: t },
      seed: 1,
      runs: 1,
      shrinks: 0,
      cause: Cause.fail(
        new Errors.ParseError({
          service: t,
          endpoint: t,
          method: "GET",
          url: t,
          status: 200,
          reason: t,
          excerpt: t,
          cause: causeWith(s)
        })
      )
    })],
  ["PropertyOptionsError", (t) => new Property.PropertyOptionsError({ endpoint: t, reason: t })],
  ["StoreFailure", (t, s) => new RedisStore.StoreFailure({ reason: t, cause: causeWith(s) })],
  ["StaleFile", (t) => new GenerateCommand.StaleFile({ file: t, document: t, missing: false })]
]

// eslint-disable-next-line no-control-regex
const rawControl = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

describe("every error class shows itself safely", () => {
  it("the list covers the command line's module too", () => {
    assert.isDefined(CallCommand)
  })

  for (const [name, make] of classes) {
    it.effect(`${name}: one bounded line; no secret in JSON, inspect or Cause.pretty`, () =>
      Effect.sync(() =>
        fc.assert(
          fc.property(hostile, secret, (text, s) => {
            const error = make(text, s)
            const message = error.message
            assert.notMatch(message, rawControl)
            assert.isFalse(Render.needsEscape(message))
            assert.isAtMost(message.length, Errors.maxMessageLength + 40)
            const exit = Exit.fail(error)
            const cause = Cause.fail(error)
            const json = JSON.stringify(error)
            assert.notMatch(json, rawControl)
            assert.strictEqual(JSON.parse(json).message, message)
            for (
              const shown of [
                message,
                String(error),
                json,
                JSON.stringify(exit),
                Util.inspect(error, { depth: 20 }),
                Util.inspect(exit, { depth: 20 }),
                Cause.pretty(cause),
                Cause.pretty(cause, { renderErrorCause: true })
              ]
            ) {
              assert.notInclude(shown, s, `${name}: a secret shows in ${shown.slice(0, 300)}`)
              assert.notInclude(shown, "\u001b[31m", `${name}: a raw escape sequence shows`)
            }
          }),
          { numRuns: 12 }
        )
      ))
  }
})
