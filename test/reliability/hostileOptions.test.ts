/**
 * Caller-side mistakes and hostile values that must end as a typed error naming what is
 * wrong, before any I/O, never as a defect: client options (`redact` as a string, plugins
 * that are not plugins, no options), endpoint Schemas that are not Schemas, call input
 * whose getters or Proxy traps throw, Map-like query and headers, a negative duration
 * string; messages stay within `Errors.maxMessageLength` whatever they quote; a baseUrl
 * with an `@` in its path is not "credentials".
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, Errors, ServiceClient, Spec, SpecLoader } from "@service-client/core"
import { Timeout } from "@service-client/plugins"
import { Cause, Effect, Either, Exit, Schema } from "effect"
import * as Fault from "./faultServer.js"
import { expectFailure, transports } from "./support.js"

const Api = Spec.make({ one: Endpoint.get("/items/{id}"), send: Endpoint.post("/items") })

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [])
})

/** An object whose getter `key` throws `message`. */
const throwingGetter = (key: string, message: string): Record<string, unknown> =>
  Object.defineProperty({}, key, {
    enumerable: true,
    get() {
      throw new Error(message)
    }
  })

/** A Proxy whose keys cannot be listed. */
const throwingKeys = (): object =>
  new Proxy({}, {
    ownKeys() {
      throw new Error("trap")
    }
  })

/** A server that counts what reaches it. */
const counting = Effect.gen(function*() {
  const seen: Array<string> = []
  const server = yield* Fault.start((request, c) => {
    seen.push(request.target)
    Fault.json(c, 500, {})
  })
  return { url: server.url, seen }
})

/** The SpecError a failed `make` holds (no defect). */
const specError = (exit: Exit.Exit<unknown, unknown>): Errors.SpecError => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const cause = (exit as Exit.Failure<unknown, unknown>).cause
  assert.deepStrictEqual([...Cause.defects(cause)].map(String), [])
  const error = Cause.squash(cause)
  assert.instanceOf(error, Errors.SpecError)
  return error as Errors.SpecError
}

describe.each(transports)("caller-side mistakes (%s)", (_, transport) => {
  it.scoped("client options that are not what they claim are a SpecError", () =>
    Effect.gen(function*() {
      const { url } = yield* counting
      const make = (options: unknown) => Effect.exit(ServiceClient.make(Api, options as any))
      const bad: ReadonlyArray<readonly [unknown, string]> = [
        [{ name: "svc", baseUrl: url, redact: { query: "mysecret" } }, "redact"],
        [{ name: "svc", baseUrl: url, redact: { headers: "x-mine" } }, "redact"],
        [{ name: "svc", baseUrl: url, redact: "mysecret" }, "redact"],
        [{ name: "svc", baseUrl: url, plugins: [Timeout.make] }, "plugins[0]"],
        [{ name: "svc", baseUrl: url, plugins: [null] }, "plugins[0]"],
        [{ name: "svc", baseUrl: url, plugins: [{}] }, "plugins[0]"],
        [{ name: "svc", baseUrl: url, plugins: Timeout.make() }, "plugins"],
        [{ name: "svc", baseUrl: url, plugins: "x" }, "plugins"],
        [null, "options"]
      ]
      for (const [options, key] of bad) {
        const error = specError(yield* make(options))
        assert.strictEqual(error.key, key, JSON.stringify(String(options)))
      }
      // an "@" in the path is not credentials
      const ok = yield* make({ name: "svc", baseUrl: `${url}/@scope/pkg` })
      assert.isTrue(Exit.isSuccess(ok))
    }).pipe(Effect.provide(transport)))

  it.scoped("a call input that throws while it is read is an InputError, nothing is sent", () =>
    Effect.gen(function*() {
      const { seen, url } = yield* counting
      const client = yield* ServiceClient.make(Api, { name: "svc", baseUrl: url, plugins: [Timeout.make()] })
      const throwing = throwingGetter("a", "getter\u001b[31m")
      const trap = throwingKeys()
      const revoked = Proxy.revocable({}, {})
      revoked.revoke()
      const inputs: ReadonlyArray<unknown> = [
        { id: 1, query: throwing },
        { id: 1, headers: throwing },
        { id: 1, query: trap },
        { id: 1, headers: trap },
        { id: 1, query: revoked.proxy },
        {
          get id(): number {
            throw new Error("id getter")
          }
        },
        trap,
        { id: 1, query: new Map([["a", "1"]]) },
        { id: 1, query: new URLSearchParams("a=1") },
        { id: 1, headers: new Map([["a", "1"]]) },
        { id: 1, timeout: "-5 seconds" }
      ]
      for (const input of inputs) {
        const error = expectFailure(yield* Effect.exit(client.one(input as any)), "InputError", {
          service: "svc",
          endpoint: "one"
        })
        assert.notMatch(error.message, /\u001b/)
      }
      const payload = expectFailure(
        yield* Effect.exit(client.send({ payload: throwing })),
        "InputError",
        { service: "svc", endpoint: "send" }
      )
      assert.include(payload.message, "payload")
      // a refused value that looks like a secret is not quoted as it is
      for (const input of [{ id: 1, timeout: "password=S3CRabc" }, { id: 1, "password=S3CRabc": 1 }]) {
        const error = expectFailure(yield* Effect.exit(client.one(input as any)), "InputError", {
          service: "svc",
          endpoint: "one"
        })
        assert.notInclude(error.message, "S3CRabc")
      }
      assert.deepStrictEqual(seen, [])
    }).pipe(Effect.provide(transport)))

  it.scoped("a message quoting a value of control characters stays within the limit", () =>
    Effect.gen(function*() {
      const { url } = yield* counting
      const name = "\u001b".repeat(1_000_000)
      const client = yield* ServiceClient.make(Api, { name, baseUrl: url })
      const exit = yield* Effect.exit(client.one({ id: 1, headers: { [name]: "x" } }))
      assert.isTrue(Exit.isFailure(exit))
      const error = Cause.squash((exit as Exit.Failure<unknown, unknown>).cause) as Error
      assert.isAtMost(error.message.length, Errors.maxMessageLength)
      assert.notMatch(error.message, /\u001b/)
      const plain = yield* ServiceClient.make(Api, { name: "x".repeat(10_000_000), baseUrl: url })
      const failed = yield* Effect.exit(plain.one({ id: 1 }))
      const message = (Cause.squash((failed as Exit.Failure<unknown, unknown>).cause) as Error).message
      assert.isAtMost(message.length, Errors.maxMessageLength)
    }).pipe(Effect.provide(transport)))
})

describe("spec records", () => {
  it("a record whose getters or Proxy traps throw is a SpecError, not a throw", () => {
    const getter = throwingGetter("one", "getter")
    const trap = throwingKeys()
    const nested = { one: trap }
    for (const data of [getter, trap, nested]) {
      const r = SpecLoader.fromRecordEither(data)
      assert.isTrue(Either.isLeft(r))
      assert.instanceOf((r as Either.Left<Errors.SpecError, unknown>).left, Errors.SpecError)
    }
  })
})

describe("endpoint definitions", () => {
  it("an option that should be a Schema and is not is a SpecError when the endpoint is made", () => {
    const bad: ReadonlyArray<readonly [() => unknown, string]> = [
      [() => Endpoint.get("/x", { success: 5 as any }), "success"],
      [() => Endpoint.post("/x", { payload: "nope" as any }), "payload"],
      [() => Endpoint.get("/x", { querySchema: 1 as any }), "querySchema"],
      [() => Endpoint.get("/x", { error: { 404: "no" } as any }), "error.404"],
      [() => Endpoint.make(null as any), "endpoint"],
      // the endpoint's own defaults, checked as a call's values are (each failed every call before)
      [() => Endpoint.get("/x", { headers: [["a", "b"]] as any }), "headers"],
      [() => Endpoint.get("/x", { headers: { "x-a": "b\r\nc" } }), "headers"],
      [() => Endpoint.get("/x", { query: { a: "\ud800" } }), "query.a"],
      [() => Endpoint.get("/items/{id}", { pathTokens: { id: ".." } } as any), "pathTokens.id"],
      [() => Endpoint.get("/items/{id}", { pathTokens: { other: "1" } } as any), "pathTokens.other"]
    ]
    for (const [make, key] of bad) {
      try {
        make()
        assert.fail(`expected a SpecError for ${key}`)
      } catch (e) {
        assert.instanceOf(e, Errors.SpecError)
        assert.strictEqual((e as Errors.SpecError).key, key)
      }
    }
    assert.doesNotThrow(() => Endpoint.get("/x", { success: Schema.Number, error: { 404: Schema.String } }))
  })
})
