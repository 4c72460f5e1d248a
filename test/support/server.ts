/**
 * A real HTTP server on 127.0.0.1 (random port) for tests, started and closed by the
 * test's scope. The handler sees every request with its body read.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
}

export type Handler = (
  request: Received,
  response: Http.ServerResponse,
  raw: Http.IncomingMessage
) => void | Promise<void>

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly received: Array<Received>
  /** sockets closed by the peer before the response finished */
  readonly aborted: Array<string>
  readonly server: Http.Server
}

export const json = (
  response: Http.ServerResponse,
  status: number,
  data: unknown,
  headers: Http.OutgoingHttpHeaders = {}
) => {
  const body = JSON.stringify(data)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers
  })
  response.end(body)
}

export const start = (handler: Handler) =>
  Effect.acquireRelease(
    Effect.async<TestServer>((resume) => {
      const received: Array<Received> = []
      const aborted: Array<string> = []
      const server = Http.createServer((req, res) => {
        if (req.headers["x-no-read"] !== undefined) {
          const r: Received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.alloc(0) }
          received.push(r)
          res.on("close", () => {
            if (!res.writableFinished) aborted.push(req.url!)
          })
          void handler(r, res, req)
          return
        }
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const r: Received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) }
          received.push(r)
          res.on("close", () => {
            if (!res.writableFinished) aborted.push(req.url!)
          })
          Promise.resolve(handler(r, res, req)).catch((e) => {
            res.statusCode = 500
            res.end(String(e))
          })
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, port, received, aborted, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )
