// The bench's loopback server (plain node:http, its own process): GET answers a ~200-byte
// JSON body; POST drains the ~1 KB JSON payload and answers the same body.
import * as Http from "node:http"

const body = Buffer.from(JSON.stringify({
  id: 12345,
  username: "benchmark-user",
  email: "benchmark-user@example.com",
  roles: ["reader", "writer", "admin"],
  active: true,
  created: "2026-11-28T17:00:00.000Z",
  tags: { team: "perf", region: "local", tier: "gold" },
  score: 98.6
}))
const headers = { "content-type": "application/json", "content-length": body.length }

const server = Http.createServer((req, res) => {
  if (req.method === "GET") {
    res.writeHead(200, headers)
    return res.end(body)
  }
  req.on("data", () => {})
  req.on("end", () => {
    res.writeHead(200, headers)
    res.end(body)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port, bodyBytes: body.length }) + "\n")
})
process.on("SIGTERM", () => server.close(() => process.exit(0)))
process.stdin.on("end", () => process.exit(0))
process.stdin.resume()
