/**
 * One process of the shared circuit breaker test (bundled and run by circuit.test.ts). Reads
 * its job from argv[2] (JSON), builds a client whose CircuitBreaker keeps its circuit in Redis
 * (`RedisCircuit.make`, the circuit named after the client), then runs the commands it reads
 * from stdin, one JSON line each, and answers each with one JSON line on stdout:
 * - `{ "op": "call", "path": "/ok", "n": 3 }`: n calls at once; the status or the error of each
 * - `{ "op": "waitState", "state": "open", "within": 5000 }`: waits (reading this process's
 *   view only, no Redis command) until the circuit is in that state
 */
import { FetchHttpClient } from "@effect/platform"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { RedisCircuit, RedisStore } from "@service-client/redis"
import { Effect, Layer } from "effect"
import * as Readline from "node:readline"

interface Job {
  readonly id: string
  readonly name: string
  readonly prefix: string
  readonly baseUrl: string
  readonly openFor: number
}

type Command =
  | { readonly op: "call"; readonly path: "/ok" | "/fail" | "/slow"; readonly n: number }
  | { readonly op: "waitState"; readonly state: string; readonly within: number }

const job = JSON.parse(process.argv[2]!) as Job
const Api = Spec.make({
  ok: Endpoint.get("/ok"),
  fail: Endpoint.get("/fail"),
  slow: Endpoint.get("/slow")
})
const endpoints = { "/ok": "ok", "/fail": "fail", "/slow": "slow" } as const

const program = Effect.gen(function*() {
  const breaker = yield* RedisCircuit.make({ window: { calls: 4 }, minimumCalls: 4, openFor: job.openFor })
  const client = yield* ServiceClient.make(Api, { name: job.name, baseUrl: job.baseUrl, plugins: [breaker] })
  const lines = Readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  const answer = (value: unknown) => Effect.sync(() => void process.stdout.write(JSON.stringify(value) + "\n"))
  process.stdout.write(JSON.stringify({ ready: job.id }) + "\n")
  for (;;) {
    const line = yield* Effect.promise(() => lines.next())
    if (line.done === true) return
    const command = JSON.parse(line.value) as Command
    if (command.op === "call") {
      const one = client.call(endpoints[command.path], { headers: { "x-worker": job.id } }).pipe(
        Effect.map((r) => ({ status: r.status, circuit: r.attributes.circuit })),
        Effect.catchAll((e) =>
          Effect.succeed(
            e._tag === "CircuitOpen"
              ? { error: e._tag, state: e.state, retryIn: e.retryIn.toJSON() }
              : e._tag === "ResponseError"
              ? { status: e.status, circuit: e.attributes.circuit }
              : { error: e._tag }
          )
        )
      )
      yield* answer(yield* Effect.all(Array.from({ length: command.n }, () => one), { concurrency: "unbounded" }))
    } else {
      const start = Date.now()
      while (breaker.state(job.name) !== command.state && Date.now() - start < command.within) {
        yield* Effect.sleep("2 millis")
      }
      yield* answer({ state: breaker.state(job.name), waited: Date.now() - start })
    }
  }
}).pipe(
  Effect.scoped,
  Effect.provide(Transport.layer.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.provide(RedisStore.layer({ prefix: job.prefix, commandTimeout: "5 seconds" }))
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String(e) + "\n")
    process.exit(1)
  }
)
