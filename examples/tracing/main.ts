/**
 * Tracing, Retry, Metrics and Auth against a local server that fails twice before it
 * answers. Spans go to a small console tracer here; in an application, provide
 * `NodeSdk.layer(...)` from @effect/opentelemetry instead (any `Tracer` works).
 *
 *   npm run example examples/tracing/main.ts
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Auth, Metrics, Retry, Tracing } from "@service-client/plugins"
import { Console, Effect, Layer, Metric, Option, Redacted, Schema, Tracer } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: Schema.Struct({ id: Schema.Number, name: Schema.String }) })
})

/** A server that answers 503 twice, then 401 to an old token, then the user. */
const server = Effect.acquireRelease(
  Effect.async<Http.Server>((resume) => {
    let calls = 0
    const s = Http.createServer((req, res) => {
      calls++
      const { authorization, traceparent } = req.headers
      console.log(`  server: ${req.method} ${req.url} traceparent=${traceparent} authorization=${authorization}`)
      if (calls <= 2) {
        res.writeHead(503, { "retry-after": "0" }).end()
      } else if (req.headers.authorization !== "Bearer fresh") {
        res.writeHead(401).end()
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: 1, name: "Ada" }))
      }
    })
    s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
  }),
  (s) => Effect.async<void>((resume) => void s.close(() => resume(Effect.void)))
)

/** Prints each span as it ends, indented under its parent. */
const consoleTracer = (): Tracer.Tracer => {
  const depth = new Map<string, number>()
  return Tracer.make({
    span(name, parent, context, links, startTime, kind) {
      const level = Option.match(parent, { onNone: () => 0, onSome: (p) => (depth.get(p.spanId) ?? -1) + 1 })
      const attributes = new Map<string, unknown>()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: Math.random().toString(16).slice(2, 18).padEnd(16, "0"),
        traceId: Option.match(parent, {
          onNone: () => Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join(""),
          onSome: (p) => p.traceId
        }),
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end(endTime) {
          const ms = Number(endTime - startTime) / 1e6
          const attrs = JSON.stringify(Object.fromEntries(attributes))
          console.log(`${"  ".repeat(level)}span ${name} (${kind}, ${ms.toFixed(1)} ms) ${attrs}`)
        },
        attribute: (k, v) => void attributes.set(k, v),
        event() {},
        addLinks() {}
      }
      depth.set(span.spanId, level)
      return span
    },
    context: (f) => f()
  })
}

const program = Effect.gen(function*() {
  const s = yield* server
  const baseUrl = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  let issued = 0
  const auth = yield* Auth.make({ token: Effect.sync(() => Redacted.make(++issued === 1 ? "stale" : "fresh")) })
  const users = yield* ServiceClient.make(Api, {
    name: "users",
    baseUrl,
    // Tracing first: its span covers every attempt; Retry then Auth: each attempt is authorised
    plugins: [Tracing.make(), Metrics.make(), Retry.make({ baseDelay: "50 millis" }), auth]
  })
  const user = yield* users.getUser({ user_id: 1 }).pipe(Effect.withSpan("example"))
  yield* Console.log("user:", user, `(token fetched ${issued} times)`)
  const calls = yield* Metric.value(
    Metrics.metrics().calls.pipe(
      Metric.tagged("service", "users"),
      Metric.tagged("endpoint", "getUser"),
      Metric.tagged("status", "200")
    )
  )
  yield* Console.log("service_client.calls{status=200}:", calls.count)
})

// @effect/platform's HttpClient would add its own span under each attempt and replace
// traceparent with it (same trace): turned off here so the plugin's spans stand alone
const HttpClientUntraced = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, HttpClient.withTracerDisabledWhen(() => true))
).pipe(Layer.provide(NodeHttpClient.layerUndici))

program.pipe(
  Effect.scoped,
  Effect.withTracer(consoleTracer()),
  Effect.provide(Transport.layer.pipe(Layer.provide(HttpClientUntraced))),
  Effect.runPromise
).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
