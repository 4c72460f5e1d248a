// RedisCircuit in one process: two breakers (as two replicas would) over the Redis at
// 127.0.0.1:6379 with a time window, and the fallback to a local circuit when Redis is
// unreachable. Live: the shared circuit runs on Redis's clock. Every run has its own prefix.
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { RedisCircuit, RedisStore } from "@service-client/redis"
import { Effect, Layer, Logger } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

const Api = Spec.make({ work: Endpoint.get("/work") })

/** A loopback server answering `status()`; counts the requests. */
const server = (status: () => number) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; received: () => number; server: Http.Server }>((resume) => {
      let received = 0
      const s = Http.createServer((_, res) => {
        received++
        res.writeHead(status(), { "content-type": "application/json" }).end("{}")
      })
      s.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
          received: () => received,
          server: s
        })))
    }),
    ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

const transport = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))
const prefix = () => `rc-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`

describe("RedisCircuit", () => {
  it.live("two breakers share a time window: failures of one open the circuit of the other", () =>
    Effect.gen(function*() {
      let status = 503
      const s = yield* server(() => status)
      const options: RedisCircuit.Options = {
        window: { duration: "10 seconds", buckets: 5 },
        minimumCalls: 4,
        openFor: "300 millis"
      }
      const [one, two] = [yield* RedisCircuit.make(options), yield* RedisCircuit.make(options)]
      const a = yield* ServiceClient.make(Api, { name: "svc", baseUrl: s.url, plugins: [one] })
      const b = yield* ServiceClient.make(Api, { name: "svc", baseUrl: s.url, plugins: [two] })
      for (const client of [a, b, a, b]) {
        const failed = yield* Effect.flip(client.work())
        assert.strictEqual(failed._tag === "ResponseError" && failed.status, 503)
      }
      // b's last failure opened it (awaited); a's view follows Redis's message, then refuses without I/O
      assert.strictEqual(two.state("svc"), "open")
      assert.strictEqual((yield* Effect.flip(b.work()))._tag, "CircuitOpen")
      for (let i = 0; i < 500 && one.state("svc") !== "open"; i++) yield* Effect.sleep("2 millis")
      assert.strictEqual((yield* Effect.flip(a.work()))._tag, "CircuitOpen")
      assert.strictEqual(s.received(), 4)
      // after openFor a probe passes; its success closes the circuit for both
      status = 200
      yield* Effect.sleep("350 millis")
      assert.strictEqual((yield* b.call("work")).attributes.circuit, "closed")
      for (let i = 0; i < 500 && one.state("svc") !== "closed"; i++) yield* Effect.sleep("2 millis")
      assert.strictEqual((yield* a.call("work")).status, 200)
      assert.strictEqual(s.received(), 6)
    }).pipe(Effect.scoped, Effect.provide(transport), Effect.provide(RedisStore.layer({ prefix: prefix() }))))

  it.live("Redis unreachable: the circuit decides in this process (warned once) and still opens", () =>
    Effect.gen(function*() {
      const s = yield* server(() => 500)
      const warnings: Array<string> = []
      const breaker = yield* RedisCircuit.make({ window: { calls: 2 }, minimumCalls: 2, openFor: "1 minute" })
      const client = yield* ServiceClient.make(Api, { name: "svc", baseUrl: s.url, plugins: [breaker] })
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const call = client.work().pipe(Effect.flip, Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      assert.strictEqual((yield* call)._tag, "ResponseError")
      assert.strictEqual((yield* call)._tag, "ResponseError")
      const refused = yield* call
      assert.strictEqual(refused._tag, "CircuitOpen")
      assert.strictEqual(s.received(), 2)
      const unavailable = warnings.filter((w) => w.includes("Redis unavailable"))
      assert.strictEqual(unavailable.length, 1, warnings.join("\n"))
      assert.include(unavailable[0]!, `circuit "svc"`)
    }).pipe(
      Effect.scoped,
      Effect.provide(transport),
      // nothing listens on port 1
      Effect.provide(
        RedisStore.layer({
          url: "redis://127.0.0.1:1",
          prefix: prefix(),
          commandTimeout: "200 millis",
          connectTimeout: "200 millis"
        })
      )
    ))
})
