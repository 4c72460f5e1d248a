/**
 * Large public OpenAPI documents kept in the repository (packages/core/test/fixtures/openapi,
 * gzipped; sources and licences in its README): each imports whole, and a few of their
 * operations make a round trip to a real server on 127.0.0.1 over both live transports.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ServiceClient, type Spec, type SpecError, SpecLoader, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"
import * as Server from "./support/server.js"

const fixtures = fileURLToPath(new URL("../packages/core/test/fixtures/openapi/", import.meta.url))
const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "oapi-docs-"))
const unpack = (name: string) => {
  const file = Path.join(tmp, name)
  if (!Fs.existsSync(file)) Fs.writeFileSync(file, Zlib.gunzipSync(Fs.readFileSync(Path.join(fixtures, `${name}.gz`))))
  return file
}
const loaded = new Map<string, Effect.Effect<Spec.Untyped, SpecError>>()
/** Each document is imported once for the whole file (the import itself is measured in bench/openapi.ts). */
const load = (file: string) => {
  let spec = loaded.get(file)
  if (spec === undefined) {
    loaded.set(
      file,
      spec = Effect.runSync(Effect.cached(SpecLoader.openapi(file).pipe(Effect.provide(NodeContext.layer))))
    )
  }
  return spec
}

const transports = [
  ["Transport.layer", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))],
  ["NodeTransport", NodeTransport.layer]
] as const

describe("large public documents", () => {
  it.effect("GitHub's REST API (1,223 operations) imports whole", () =>
    Effect.gen(function*() {
      const spec = yield* load(unpack("api.github.com.json"))
      assert.strictEqual(Object.keys(spec.endpoints).length, 1223)
      assert.strictEqual(spec.baseUrl, "https://api.github.com")
      const create = spec.endpoints.issuesCreateLabel!
      assert.strictEqual(create.method, "POST")
      assert.strictEqual(create.path, "/repos/{owner}/{repo}/labels")
      assert.ok(create.payload && create.success && create.error)
    }))

  it.effect("Kubernetes (845 operations) and Stripe (452 operations) import whole", () =>
    Effect.gen(function*() {
      const k8s = yield* load(unpack("kubernetes.io.json"))
      assert.strictEqual(Object.keys(k8s.endpoints).length, 845)
      assert.strictEqual(k8s.baseUrl, undefined, "its server (//kubernetes.local) is not an absolute URL")
      assert.strictEqual(k8s.endpoints.listCoreV1NamespacedPod!.path, "/api/v1/namespaces/{namespace}/pods")
      const stripe = yield* load(unpack("stripe.com.json"))
      assert.strictEqual(Object.keys(stripe.endpoints).length, 452)
      assert.strictEqual(stripe.baseUrl, "https://api.stripe.com/")
      assert.ok(stripe.endpoints.GetCustomersCustomer === undefined && stripe.endpoints.getCustomersCustomer)
      // Stripe gives 213 GET operations a form body: left out (a GET sends none), the other 238 are payloads
      const stripeModel = yield* SpecLoader.openapiModel(unpack("stripe.com.json")).pipe(
        Effect.provide(NodeContext.layer)
      )
      assert.strictEqual(stripeModel.operations.filter((op) => op.ignoredBody !== undefined).length, 213)
      const endpoints = Object.values(stripe.endpoints)
      assert.strictEqual(endpoints.filter((e) => e.method === "GET" && e.payload !== undefined).length, 0)
      assert.strictEqual(endpoints.filter((e) => e.payload !== undefined).length, 238)
    }))

  const label = {
    id: 1,
    node_id: "L1",
    url: "http://x/labels/bug",
    name: "bug",
    description: null,
    color: "f00",
    default: false
  }
  const handler: Server.Handler = (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1")
    if (url.pathname === "/repos/octo/hello/labels" && req.method === "GET") return Server.json(res, 200, [label])
    if (url.pathname === "/repos/octo/hello/labels" && req.method === "POST") {
      return Server.json(res, 201, { ...label, id: 2, ...JSON.parse(req.body.toString()) })
    }
    if (url.pathname.startsWith("/repos/octo/hello/labels/")) {
      return Server.json(res, 404, { message: "Not Found", documentation_url: "https://docs" })
    }
    if (url.pathname === "/api/v1/namespaces/default/pods") {
      return Server.json(res, 200, { kind: "PodList", items: [{ metadata: { name: "web-1", namespace: "default" } }] })
    }
    return Server.json(res, 500, { message: "unexpected" })
  }

  for (const [name, transport] of transports) {
    it.scoped(`a round trip of GitHub and Kubernetes operations to a local server (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* Server.start(handler)
        const github = yield* ServiceClient.make(yield* load(unpack("api.github.com.json")), {
          name: "github",
          baseUrl: server.url
        })
        const labels = yield* github.issuesListLabelsForRepo({ owner: "octo", repo: "hello", query: { per_page: 10 } })
        assert.deepStrictEqual(labels, [label])
        const created = yield* github.issuesCreateLabel({
          owner: "octo",
          repo: "hello",
          payload: { name: "docs", color: "0f0" }
        })
        assert.deepStrictEqual(created, { ...label, id: 2, name: "docs", color: "0f0" })
        const missing = yield* Effect.flip(github.issuesGetLabel({ owner: "octo", repo: "hello", name: "nope" }))
        assert.strictEqual(missing._tag, "ResponseError")
        assert.deepStrictEqual(missing._tag === "ResponseError" && missing.error, {
          message: "Not Found",
          documentation_url: "https://docs"
        })
        const bad = yield* Effect.flip(
          github.issuesCreateLabel({ owner: "octo", repo: "hello", payload: { color: "x" } })
        )
        assert.strictEqual(bad._tag, "InputError", "the payload lacks the required name: refused before any I/O")
        const k8s = yield* ServiceClient.make(yield* load(unpack("kubernetes.io.json")), {
          name: "k8s",
          baseUrl: server.url
        })
        const pods = yield* k8s.listCoreV1NamespacedPod({ namespace: "default", query: { limit: 5, watch: false } })
        assert.deepStrictEqual(pods, {
          kind: "PodList",
          items: [{ metadata: { name: "web-1", namespace: "default" } }]
        })
        const urls = server.received.map((r) => `${r.method} ${r.url}`)
        assert.deepStrictEqual(urls, [
          "GET /repos/octo/hello/labels?per_page=10",
          "POST /repos/octo/hello/labels",
          "GET /repos/octo/hello/labels/nope",
          "GET /api/v1/namespaces/default/pods?limit=5&watch=false"
        ])
        assert.deepStrictEqual(JSON.parse(server.received[1]!.body.toString()), { name: "docs", color: "0f0" })
      }).pipe(Effect.provide(transport)))
  }
})
