/**
 * An embedded users REST server on 127.0.0.1 (random port), for the example.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

interface UserRow {
  id: number
  username: string
  email?: string
}

const send = (res: Http.ServerResponse, status: number, data?: unknown) => {
  if (data === undefined) return void res.writeHead(status).end()
  const body = JSON.stringify(data)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body)
}

export const start = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly server: Http.Server }>((resume) => {
    const users = new Map<number, UserRow>([
      [1, { id: 1, username: "ada", email: "ada@example.org" }],
      [2, { id: 2, username: "grace" }]
    ])
    let nextId = 3
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        const [, root, rawId] = url.pathname.split("/")
        if (root !== "users") return send(res, 404, { error: `no route ${url.pathname}` })
        let body: any = undefined
        try {
          body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : undefined
        } catch {
          return send(res, 400, { error: "invalid JSON" })
        }
        if (rawId === undefined) {
          if (req.method === "GET") {
            const limit = Number(url.searchParams.get("limit") ?? Infinity)
            return send(res, 200, [...users.values()].slice(0, limit))
          }
          if (req.method === "POST") {
            if (typeof body?.username !== "string") return send(res, 422, { error: "username is required" })
            const user = { ...body, id: nextId++ }
            users.set(user.id, user)
            return send(res, 201, user)
          }
          return send(res, 405, { error: "method not allowed" })
        }
        const id = Number(decodeURIComponent(rawId))
        const user = users.get(id)
        if (user === undefined) return send(res, 404, { error: `no user ${decodeURIComponent(rawId)}` })
        switch (req.method) {
          case "GET":
            return send(res, 200, user)
          case "PUT": {
            const updated = { ...user, ...body, id }
            users.set(id, updated)
            return send(res, 200, updated)
          }
          case "DELETE":
            users.delete(id)
            return send(res, 204)
          default:
            return send(res, 405, { error: "method not allowed" })
        }
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, server }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)
