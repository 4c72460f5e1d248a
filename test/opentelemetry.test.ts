import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { assert, describe, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Retry, Tracing } from "@service-client/plugins"
import { Effect, Fiber, Layer, Schema, TestClock } from "effect"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", {
    success: Schema.Struct({ id: Schema.Number }),
    mock: { type: "json", data: { id: 7 } }
  })
})

describe("Tracing with @effect/opentelemetry", () => {
  it.scoped("spans reach an OTel exporter: caller > call > attempts, traceparent of the attempt span", () => {
    const exporter = new InMemorySpanExporter()
    const Otel = NodeSdk.layer(() => ({
      resource: { serviceName: "test" },
      spanProcessor: new SimpleSpanProcessor(exporter)
    }))
    return Effect.gen(function*() {
      yield* Mock.patch({ status: 503, headers: { "retry-after": "1" } }, { endpoint: "getUser", limit: 1 })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://users.test:8080",
        plugins: [Tracing.make(), Retry.make()]
      })
      const fiber = yield* Effect.fork(client.getUser({ user_id: 7 }).pipe(Effect.withSpan("caller")))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { id: 7 })

      const spans = exporter.getFinishedSpans()
      const byName = (name: string) => spans.filter((s) => s.name === name)
      const [caller] = byName("caller")
      const [call] = byName("users.getUser")
      const attempts = byName("users.getUser attempt")
      assert.isDefined(caller)
      assert.isDefined(call)
      assert.strictEqual(attempts.length, 2)
      // one trace; call under caller, attempts under call
      assert.strictEqual(new Set(spans.map((s) => s.spanContext().traceId)).size, 1)
      assert.strictEqual(call!.parentSpanContext?.spanId, caller!.spanContext().spanId)
      for (const a of attempts) assert.strictEqual(a.parentSpanContext?.spanId, call!.spanContext().spanId)
      assert.strictEqual(call!.kind, 2 /* SpanKind.CLIENT */)
      assert.deepStrictEqual(
        {
          method: call!.attributes["http.request.method"],
          template: call!.attributes["url.template"],
          status: call!.attributes["http.response.status_code"],
          host: call!.attributes["server.address"],
          port: call!.attributes["server.port"],
          attempts: call!.attributes["service_client.attempts"]
        },
        { method: "GET", template: "/user/{user_id}", status: 200, host: "users.test", port: 8080, attempts: 2 }
      )
      assert.deepStrictEqual(attempts.map((a) => a.attributes["http.response.status_code"]), [503, 200])
      assert.strictEqual(attempts[1]!.attributes["http.request.resend_count"], 1)
      // the resource set through NodeSdk
      assert.strictEqual(call!.resource.attributes["service.name"], "test")
      // each request carried the traceparent of its attempt span
      const sent = (yield* Mock.calls).map((r) => r.headers.traceparent)
      assert.deepStrictEqual(
        sent,
        attempts.map((a) => `00-${a.spanContext().traceId}-${a.spanContext().spanId}-01`)
      )
    }).pipe(Effect.provide(Layer.merge(NodeMockTransport.layer, Otel)))
  })
})
