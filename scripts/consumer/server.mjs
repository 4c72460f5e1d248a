// A users server on 127.0.0.1 (random port) for the consumer check's programs.
import { createServer } from "node:http"

export const start = () =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        const match = /^\/users\/(\d+)$/.exec(req.url ?? "")
        res.setHeader("content-type", "application/json")
        if (req.method === "GET" && match) {
          res.end(JSON.stringify({ id: Number(match[1]), username: `user-${match[1]}` }))
        } else if (req.method === "POST" && req.url === "/users") {
          res.statusCode = 201
          res.end(JSON.stringify({ id: 99, username: JSON.parse(body).username }))
        } else {
          res.statusCode = 404
          res.end(JSON.stringify({ error: "not found" }))
        }
      })
    })
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }))
  })
