/**
 * The Tracing plugin with OpenTelemetry: @effect/opentelemetry's `NodeSdk.layer` turns the
 * plugin's Effect spans into OTel spans, here kept by an `InMemorySpanExporter` and
 * printed as a tree at the end. In an application, put an OTLP exporter (or any OTel
 * span processor) in its place: nothing else changes.
 *
 * The local server answers 429 + `Retry-After: 1` to the first request: the adaptive
 * RateLimit holds the other calls until then, Retry sends the first one again.
 *
 *   npm run example examples/opentelemetry/main.ts
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { NodeHttpClient } from "@effect/platform-node"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { RateLimit, Retry, Tracing } from "@service-client/plugins"
import { Console, Effect, Layer, Schema } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: Schema.Struct({ id: Schema.Number }) })
})

const server = Effect.acquireRelease(
  Effect.async<Http.Server>((resume) => {
    let calls = 0
    const s = Http.createServer((req, res) => {
      if (++calls === 1) return void res.writeHead(429, { "retry-after": "1" }).end()
      const id = Number(req.url!.split("/").pop())
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id }))
    })
    s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
  }),
  (s) => Effect.async<void>((resume) => void s.close(() => resume(Effect.void)))
)

const exporter = new InMemorySpanExporter()

const program = Effect.gen(function*() {
  const s = yield* server
  const users = yield* ServiceClient.make(Api, {
    name: "users",
    baseUrl: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    plugins: [
      Tracing.make(),
      Retry.make(),
      RateLimit.make({ limit: 2, period: "100 millis", adaptive: true })
    ]
  })
  const found = yield* Effect.forEach([1, 2, 3], (user_id) => users.getUser({ user_id }), { concurrency: "unbounded" })
  yield* Console.log("users:", found.map((u) => u.id).join(", "))
}).pipe(Effect.withSpan("example"))

/** The finished spans as a tree, children under their parent, in start order. */
const printTree = (spans: ReadonlyArray<ReadableSpan>) => {
  const children = new Map<string | undefined, Array<ReadableSpan>>()
  const ids = new Set(spans.map((s) => s.spanContext().spanId))
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId
    const key = parent !== undefined && ids.has(parent) ? parent : undefined
    children.set(key, [...(children.get(key) ?? []), span])
  }
  const ms = (s: ReadableSpan) => (s.duration[0] * 1e3 + s.duration[1] / 1e6).toFixed(1)
  const walk = (parent: string | undefined, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) =>
      a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]
    )
    for (const span of list) {
      const status = span.attributes["http.response.status_code"] ?? ""
      console.log(`${"  ".repeat(depth)}${span.name} ${ms(span)} ms ${status}`)
      walk(span.spanContext().spanId, depth + 1)
    }
  }
  walk(undefined, 0)
}

const Otel = NodeSdk.layer(() => ({
  resource: { serviceName: "opentelemetry-example" },
  spanProcessor: new SimpleSpanProcessor(exporter)
}))

program.pipe(
  Effect.scoped,
  // read the exporter before the layer closes: shutting the provider down empties it
  Effect.zipRight(Effect.sync(() => printTree(exporter.getFinishedSpans()))),
  // @effect/platform's HttpClient adds its own `http.client GET` span under each attempt
  Effect.provide(Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))),
  Effect.provide(Otel),
  Effect.runPromise
).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
