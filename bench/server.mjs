// The bench's loopback server (plain node:http, its own process, and node:https with the
// bench's own certificate when BENCH_TLS_CERT / BENCH_TLS_KEY name PEM files):
//   GET /_cpu          this process's CPU time so far (µs), for the server's CPU share
//   GET /body/10k      a ~10 KB JSON body; /body/100k a ~100 KB one
//   GET /body/10m      10 MB of bytes, written in 64 KB chunks with backpressure
//   other GET, DELETE  a ~200-byte JSON body
//   POST, PUT, PATCH   drains the request body, answers the ~200-byte JSON body
// Prints {"port", "tlsPort"} on stdout once listening.
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"

const small = Buffer.from(JSON.stringify({
  id: 12345,
  username: "benchmark-user",
  email: "benchmark-user@example.com",
  roles: ["reader", "writer", "admin"],
  active: true,
  created: "2026-11-28T17:00:00.000Z",
  tags: { team: "perf", region: "local", tier: "gold" },
  score: 98.6
}))
const jsonOf = (bytes) => {
  const rows = []
  let size = 2
  for (let i = 0; size < bytes; i++) {
    const row = { id: i, name: `row ${i}`, email: `row${i}@example.com`, score: (i * 7) % 100, active: i % 2 === 0 }
    size += JSON.stringify(row).length + 1
    rows.push(row)
  }
  return Buffer.from(JSON.stringify(rows))
}
const bodies = { "/body/10k": jsonOf(10_000), "/body/100k": jsonOf(100_000) }
const chunk = Buffer.alloc(64 * 1024, 120)
const bigSize = 10 * 1024 * 1024

const json = (body) => ({ "content-type": "application/json", "content-length": body.length })
const smallHeaders = json(small)

const handler = (req, res) => {
  const method = req.method
  if (method === "GET" || method === "DELETE" || method === "HEAD") {
    // routed by the path alone: the full stacks add a query (`?source=bench`), which must
    // not turn a body request into the small default answer
    const q = req.url.indexOf("?")
    const url = q === -1 ? req.url : req.url.slice(0, q)
    if (url.startsWith("/body/")) {
      const body = bodies[url]
      if (body !== undefined) {
        res.writeHead(200, json(body))
        return res.end(body)
      }
      if (url === "/body/10m") {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bigSize })
        let left = bigSize
        const write = () => {
          while (left > 0) {
            const n = Math.min(left, chunk.length)
            left -= n
            if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return res.once("drain", write)
          }
          res.end()
        }
        return write()
      }
    }
    if (url === "/_cpu") {
      const cpu = Buffer.from(JSON.stringify(process.cpuUsage()))
      res.writeHead(200, json(cpu))
      return res.end(cpu)
    }
    res.writeHead(200, smallHeaders)
    return res.end(small)
  }
  req.on("data", () => {})
  req.on("end", () => {
    res.writeHead(200, smallHeaders)
    res.end(small)
  })
}

const servers = []
const listen = (server) =>
  new Promise((resolve) => {
    server.keepAliveTimeout = 60_000
    servers.push(server)
    server.listen(0, "127.0.0.1", () => resolve(server.address().port))
  })

const port = await listen(Http.createServer(handler))
let tlsPort
if (process.env.BENCH_TLS_CERT && process.env.BENCH_TLS_KEY) {
  tlsPort = await listen(Https.createServer({
    cert: Fs.readFileSync(process.env.BENCH_TLS_CERT),
    key: Fs.readFileSync(process.env.BENCH_TLS_KEY)
  }, handler))
}
process.stdout.write(JSON.stringify({ port, tlsPort, bodyBytes: small.length }) + "\n")
const close = () => {
  for (const s of servers) s.closeAllConnections?.()
  process.exit(0)
}
process.on("SIGTERM", close)
process.stdin.on("end", close)
process.stdin.resume()
