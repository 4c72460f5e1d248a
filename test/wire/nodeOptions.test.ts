/**
 * NodeTransport's options on real servers made by the test: HTTPS with a CA made here
 * (openssl), HTTP/2 (node:http2), a unix socket, a forward proxy (explicit and from
 * HTTP_PROXY), and the same options from a Config.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import type { Layer } from "effect"
import { Config, ConfigProvider, Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Http2 from "node:http2"
import * as Https from "node:https"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { expectFailure } from "../reliability/support.js"

const Api = Spec.make({ get: Endpoint.get("/info") })

/** A self-signed certificate for 127.0.0.1 (its own CA), made with the openssl CLI. */
const certificate = (() => {
  let made: { readonly key: Buffer; readonly cert: Buffer } | undefined
  return () => {
    if (made !== undefined) return made
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "wire-tls-"))
    execFileSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      Path.join(dir, "key.pem"),
      "-out",
      Path.join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=wire-test",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:wire.test"
    ], { stdio: "ignore" })
    made = { key: Fs.readFileSync(Path.join(dir, "key.pem")), cert: Fs.readFileSync(Path.join(dir, "cert.pem")) }
    Fs.rmSync(dir, { recursive: true })
    return made
  }
})()

const info = (
  req: Http.IncomingMessage | Http2.Http2ServerRequest,
  res: Http.ServerResponse | Http2.Http2ServerResponse
) => {
  const body = JSON.stringify({
    version: req.httpVersion,
    url: req.url,
    host: req.headers.host ?? req.headers[":authority"]
  })
  res.writeHead(200, { "content-type": "application/json" })
  res.end(body)
}

const listen = <S extends Net.Server>(server: S, at: number | string = 0) =>
  Effect.acquireRelease(
    Effect.async<S>((resume) => {
      if (typeof at === "string") server.listen(at, () => resume(Effect.succeed(server)))
      else server.listen(at, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (s) =>
      Effect.async<void>((resume) => {
        ;(s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
        s.close(() => resume(Effect.void))
      })
  )
const port = (server: Net.Server) => (server.address() as Net.AddressInfo).port

describe("NodeTransport options", () => {
  it.scopedLive("TLS: a CA given in tls.ca is trusted; without it the call fails; insecureSkipTlsVerify says what it does", () =>
    Effect.gen(function*() {
      const { cert, key } = certificate()
      const server = yield* listen(Https.createServer({ key, cert }, info))
      const baseUrl = `https://127.0.0.1:${port(server)}`
      const call = (layer: Layer.Layer<any>) =>
        Effect.scoped(
          Effect.flatMap(ServiceClient.make(Api, { name: "wire", baseUrl }), (c) => Effect.exit(c.get())).pipe(
            Effect.provide(layer)
          )
        )
      const trusted = yield* call(NodeTransport.layer({ tls: { ca: cert } }))
      assert.strictEqual(trusted._tag, "Success")
      expectFailure(yield* call(NodeTransport.layer), "RequestError", { service: "wire", endpoint: "get" })
      assert.strictEqual((yield* call(NodeTransport.layer({ insecureSkipTlsVerify: true })))._tag, "Success")
      // servername: the certificate names wire.test too
      assert.strictEqual(
        (yield* call(NodeTransport.layer({ tls: { ca: cert, servername: "wire.test" } })))._tag,
        "Success"
      )
    }))

  it.scopedLive("HTTP/2 with allowH2 (node:http2 over TLS)", () =>
    Effect.gen(function*() {
      const { cert, key } = certificate()
      const server = yield* listen(Http2.createSecureServer({ key, cert, allowHTTP1: false }, info))
      const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: `https://127.0.0.1:${port(server)}` })
      const data = yield* client.get() as Effect.Effect<any, any>
      assert.strictEqual(data.version, "2.0")
      assert.strictEqual(data.url, "/info")
    }).pipe(Effect.provide(NodeTransport.layer({ allowH2: true, tls: { ca: certificate().cert } }))))

  it.scopedLive("a unix socket", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "wire-sock-"))
      const socketPath = Path.join(dir, "s.sock")
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      yield* listen(Http.createServer(info), socketPath)
      const data = yield* Effect.scoped(
        Effect.flatMap(ServiceClient.make(Api, { name: "wire", baseUrl: "http://wire.test" }), (c) => c.get())
      ).pipe(Effect.provide(NodeTransport.layer({ socketPath }))) as Effect.Effect<any, any>
      assert.deepStrictEqual(data, { version: "1.1", url: "/info", host: "wire.test" })
    }))

  it.scopedLive("a forward proxy: explicit, and from HTTP_PROXY when asked (also through Config)", () =>
    Effect.gen(function*() {
      const target = yield* listen(Http.createServer(info))
      const tunnels: Array<string> = []
      const proxy = Http.createServer((_, res) => {
        res.statusCode = 502
        res.end()
      })
      proxy.on("connect", (req: Http.IncomingMessage, socket: Net.Socket, head: Buffer) => {
        tunnels.push(req.url!)
        const [host, p] = req.url!.split(":")
        const upstream = Net.connect(Number(p), host!, () => {
          socket.write("HTTP/1.1 200 Connection Established\r\n\r\n")
          upstream.write(head)
          upstream.pipe(socket)
          socket.pipe(upstream)
        })
        upstream.on("error", () => socket.destroy())
        socket.on("error", () => upstream.destroy())
      })
      yield* listen(proxy)
      const proxyUrl = `http://127.0.0.1:${port(proxy)}`
      const baseUrl = `http://127.0.0.1:${port(target)}`
      const get = (layer: Layer.Layer<any, any>) =>
        Effect.scoped(Effect.flatMap(ServiceClient.make(Api, { name: "wire", baseUrl }), (c) => c.get())).pipe(
          Effect.provide(layer)
        ) as Effect.Effect<any, any>
      assert.strictEqual((yield* get(NodeTransport.layer({ proxy: proxyUrl }))).url, "/info")
      assert.deepStrictEqual(tunnels, [`127.0.0.1:${port(target)}`])
      const saved = {
        HTTP_PROXY: process.env.HTTP_PROXY,
        NO_PROXY: process.env.NO_PROXY,
        no_proxy: process.env.no_proxy
      }
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v)
        })
      )
      process.env.HTTP_PROXY = proxyUrl
      delete process.env.NO_PROXY
      delete process.env.no_proxy
      // not asked: the environment is ignored
      yield* get(NodeTransport.layer)
      assert.strictEqual(tunnels.length, 1)
      yield* get(NodeTransport.layer({ proxyFromEnv: true }))
      assert.strictEqual(tunnels.length, 2)
      const fromConfig = NodeTransport.layerConfig({ proxyFromEnv: Config.boolean("USE_PROXY") })
      yield* get(fromConfig).pipe(Effect.withConfigProvider(ConfigProvider.fromJson({ USE_PROXY: true })))
      assert.strictEqual(tunnels.length, 3)
      // NO_PROXY wins
      process.env.NO_PROXY = "127.0.0.1"
      yield* get(NodeTransport.layer({ proxyFromEnv: true }))
      assert.strictEqual(tunnels.length, 3)
    }))
})
