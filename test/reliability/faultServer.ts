/**
 * A fault-injecting HTTP/1.1 server on 127.0.0.1 (random port), written on `node:net` so
 * that a test controls every byte: it can reset the connection before or during the
 * response, send fewer bytes than its Content-Length, never answer, stall a body, or stream
 * a huge body with backpressure (one reused chunk, nothing held in memory). It records
 * every request as received on the wire (raw request target, headers) and every
 * connection (bytes sent, who closed it). Started and closed by the test's scope.
 */
import { Effect, type Scope } from "effect"
import * as Net from "node:net"
import type { AddressInfo } from "node:net"

export interface Request {
  readonly method: string
  /** The request target exactly as sent (`/user/a%2Fb?x=1`). */
  readonly target: string
  /** Lower-cased names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  /** Header lines as sent. */
  readonly rawHeaders: ReadonlyArray<string>
  readonly body: Buffer
  readonly connection: Connection
}

export interface Connection {
  readonly id: number
  readonly socket: Net.Socket
  /** Body bytes written by the server's helpers. */
  bytesSent: number
  /** The socket has closed. */
  closed: boolean
  /** The client closed or reset the socket (not the server's own fault). */
  closedByClient: boolean
  /** The server closed or reset it on purpose. */
  closedByServer: boolean
}

export type Handler = (request: Request, connection: Connection) => void

export interface FaultServer {
  readonly url: string
  readonly port: number
  readonly host: string
  /** Every request, in order (empty with `record: false`). */
  readonly requests: ReadonlyArray<Request>
  /** Every connection, in order (only the open ones with `record: false`). */
  readonly connections: ReadonlyArray<Connection>
  /** How many requests arrived (also with `record: false`). */
  readonly requestCount: () => number
  /** How many connections are open now. */
  readonly openConnections: () => number
  /** Waits (wall clock, whatever the test's Clock) until `check` holds; dies after `ms`. */
  readonly waitUntil: (label: string, check: () => boolean, ms?: number) => Effect.Effect<void>
  /** Waits for the `n`-th request (1-based). */
  readonly request: (n: number) => Effect.Effect<Request>
  /** Waits until the connection of the `n`-th request has closed. */
  readonly closed: (n: number) => Effect.Effect<Connection>
}

const headEnd = Buffer.from("\r\n\r\n")

/** A response head. */
export const head = (status: number, headers: Readonly<Record<string, string | number>> = {}): string => {
  let out = `HTTP/1.1 ${status} ${status === 200 ? "OK" : "Status"}\r\n`
  for (const [name, value] of Object.entries(headers)) out += `${name}: ${value}\r\n`
  return out + "\r\n"
}

/** Writes a whole response with a Content-Length. */
export const respond = (
  connection: Connection,
  status: number,
  body: string | Buffer = "",
  headers: Readonly<Record<string, string | number>> = {}
) => {
  const bytes = typeof body === "string" ? Buffer.from(body) : body
  connection.socket.write(head(status, { "content-length": bytes.length, ...headers }))
  connection.bytesSent += bytes.length
  connection.socket.write(bytes)
}

export const json = (connection: Connection, status: number, data: unknown) =>
  respond(connection, status, JSON.stringify(data), { "content-type": "application/json" })

/** Resets the TCP connection (RST), as a crashed peer or a middlebox would. */
export const reset = (connection: Connection) => {
  connection.closedByServer = true
  connection.socket.resetAndDestroy()
}

/** Closes the connection cleanly (FIN) after what was written. */
export const hangUp = (connection: Connection) => {
  connection.closedByServer = true
  connection.socket.end()
}

/**
 * Streams `total` bytes of `fill` as the body, honouring backpressure: one chunk is reused,
 * so the server holds nothing. With `contentLength: false` the body is chunked.
 */
export const stream = (
  connection: Connection,
  total: number,
  options: { readonly contentLength?: boolean; readonly chunkSize?: number; readonly status?: number } = {}
) => {
  const chunkSize = options.chunkSize ?? 64 * 1024
  const chunk = Buffer.alloc(chunkSize, 0x61)
  const withLength = options.contentLength !== false
  const socket = connection.socket
  socket.write(
    head(options.status ?? 200, {
      "content-type": "application/octet-stream",
      ...(withLength ? { "content-length": total } : { "transfer-encoding": "chunked" })
    })
  )
  let left = total
  const pump = () => {
    while (left > 0 && !connection.closed) {
      const n = Math.min(chunkSize, left)
      const piece = n === chunkSize ? chunk : chunk.subarray(0, n)
      left -= n
      connection.bytesSent += n
      let ok: boolean
      if (withLength) {
        ok = socket.write(piece)
      } else {
        socket.cork()
        socket.write(`${n.toString(16)}\r\n`)
        socket.write(piece)
        ok = socket.write("\r\n")
        socket.uncork()
      }
      if (!ok) return void socket.once("drain", pump)
    }
    if (left === 0 && !withLength && !connection.closed) socket.write("0\r\n\r\n")
  }
  pump()
}

const parseHead = (text: string) => {
  const lines = text.split("\r\n")
  const [method = "", target = ""] = lines[0]!.split(" ")
  // no prototype: a header named `constructor` or `__proto__` is a plain key
  const headers: Record<string, string> = Object.create(null)
  const rawHeaders = lines.slice(1)
  for (const line of rawHeaders) {
    const colon = line.indexOf(":")
    const name = line.slice(0, colon).trim().toLowerCase()
    // only OWS (SP, HTAB) surrounds a field value; String.trim would also eat 0xA0 (obs-text, NBSP in latin1)
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "")
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value
  }
  return { method, target, headers, rawHeaders }
}

/** Reads requests off a socket, one after the other (keep-alive), and hands each to `onRequest`. */
const serve = (connection: Connection, onRequest: (request: Request) => void) => {
  let buffer: Buffer = Buffer.alloc(0)
  let pending: ReturnType<typeof parseHead> | undefined
  let bodyLength = 0
  let chunked = false
  const next = () => {
    for (;;) {
      if (pending === undefined) {
        const end = buffer.indexOf(headEnd)
        if (end < 0) return
        pending = parseHead(buffer.subarray(0, end).toString("latin1"))
        buffer = buffer.subarray(end + 4)
        chunked = (pending.headers["transfer-encoding"] ?? "").includes("chunked")
        bodyLength = Number(pending.headers["content-length"] ?? 0)
      }
      let body: Buffer
      if (chunked) {
        const end = chunkedEnd(buffer)
        if (end < 0) return
        body = decodeChunked(buffer.subarray(0, end))
        buffer = buffer.subarray(end)
      } else {
        if (buffer.length < bodyLength) return
        body = buffer.subarray(0, bodyLength)
        buffer = buffer.subarray(bodyLength)
      }
      const request: Request = { ...pending, body, connection }
      pending = undefined
      onRequest(request)
    }
  }
  connection.socket.on("data", (data: Buffer) => {
    buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data])
    next()
  })
}

/** Where a complete chunked body ends in `data` (after its last chunk and trailer), or -1. */
const chunkedEnd = (data: Buffer): number => {
  let offset = 0
  for (;;) {
    const eol = data.indexOf("\r\n", offset)
    if (eol < 0) return -1
    const size = parseInt(data.subarray(offset, eol).toString(), 16)
    if (!(size > 0)) {
      const end = data.indexOf("\r\n", eol + 2)
      return end < 0 ? -1 : end + 2
    }
    offset = eol + 2 + size + 2
    if (offset > data.length) return -1
  }
}

const decodeChunked = (data: Buffer): Buffer => {
  const parts: Array<Buffer> = []
  let offset = 0
  for (;;) {
    const eol = data.indexOf("\r\n", offset)
    const size = parseInt(data.subarray(offset, eol).toString(), 16)
    if (!(size > 0)) return Buffer.concat(parts)
    parts.push(data.subarray(eol + 2, eol + 2 + size))
    offset = eol + 2 + size + 2
  }
}

/** @see start */
export interface Options {
  /**
   * `false`: keep no history (no `requests`, only the open `connections`), so that a load
   * test measures the client's memory, not the server's records. Default `true`.
   */
  readonly record?: boolean | undefined
}

/**
 * Starts a server whose every request goes to `handler` (which may answer, fail or do
 * nothing). Closing the scope destroys every socket and closes the server.
 */
export const start = (handler: Handler, options: Options = {}): Effect.Effect<FaultServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: Net.Server; state: FaultServer }>((resume) => {
      const record = options.record !== false
      const requests: Array<Request> = []
      const connections: Array<Connection> = []
      let requestCount = 0
      let connectionCount = 0
      let open = 0
      const listeners = new Set<() => void>()
      const notify = () => {
        for (const listener of [...listeners]) listener()
      }
      // noDelay, as node:http's servers: a response written in two writes (head, then body)
      // otherwise waits for the client's delayed ACK (~40 ms) before its second write
      const server = Net.createServer({ noDelay: true }, (socket) => {
        open++
        const connection: Connection = {
          id: ++connectionCount,
          socket,
          bytesSent: 0,
          closed: false,
          closedByClient: false,
          closedByServer: false
        }
        connections.push(connection)
        socket.on("error", () => {})
        socket.on("end", () => {
          if (!connection.closedByServer) connection.closedByClient = true
        })
        socket.on("close", () => {
          open--
          if (!record) connections.splice(connections.indexOf(connection), 1)
          connection.closed = true
          if (!connection.closedByServer) connection.closedByClient = true
          notify()
        })
        serve(connection, (request) => {
          requestCount++
          if (record) requests.push(request)
          notify()
          try {
            handler(request, connection)
          } catch (e) {
            socket.destroy(e as Error)
          }
        })
      })
      const waitUntil = (label: string, check: () => boolean, ms = 5_000) =>
        Effect.async<void>((resume) => {
          if (check()) return resume(Effect.void)
          const listener = () => {
            if (!check()) return
            listeners.delete(listener)
            clearInterval(poll)
            clearTimeout(timer)
            resume(Effect.void)
          }
          // conditions on the client's side change without a server event: poll them too
          const poll = setInterval(listener, 5)
          const timer = setTimeout(() => {
            listeners.delete(listener)
            clearInterval(poll)
            resume(Effect.dieMessage(`fault server: ${label} did not happen within ${ms} ms`))
          }, ms)
          listeners.add(listener)
          return Effect.sync(() => {
            listeners.delete(listener)
            clearInterval(poll)
            clearTimeout(timer)
          })
        })
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port
        resume(Effect.succeed({
          server,
          state: {
            url: `http://127.0.0.1:${port}`,
            port,
            host: `127.0.0.1:${port}`,
            requests,
            connections,
            requestCount: () => requestCount,
            openConnections: () => open,
            waitUntil,
            request: (n) => Effect.map(waitUntil(`request #${n}`, () => requests.length >= n), () => requests[n - 1]!),
            closed: (n) =>
              Effect.flatMap(
                waitUntil(`request #${n}`, () => requests.length >= n),
                () => {
                  const connection = requests[n - 1]!.connection
                  return Effect.as(
                    waitUntil(`close of connection ${connection.id}`, () => connection.closed),
                    connection
                  )
                }
              )
          }
        }))
      })
    }),
    ({ server, state }) =>
      Effect.async<void>((resume) => {
        for (const c of state.connections) c.socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ state }) => state))

/** A URL on 127.0.0.1 where nothing listens (a port just released). */
export const refusedUrl: Effect.Effect<string> = Effect.async<string>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port
    server.close(() => resume(Effect.succeed(`http://127.0.0.1:${port}`)))
  })
})

/**
 * Records unhandled rejections and uncaught exceptions while installed (`install` in
 * `beforeAll`, `uninstall` in `afterAll`); tests assert the list stays empty.
 */
export const makeProcessWatch = () => {
  const events: Array<string> = []
  const onRejection = (reason: unknown) => void events.push(`unhandledRejection: ${String(reason)}`)
  const onException = (error: unknown) => void events.push(`uncaughtException: ${String(error)}`)
  return {
    events,
    install: () => {
      process.on("unhandledRejection", onRejection)
      process.on("uncaughtException", onException)
    },
    uninstall: () => {
      process.off("unhandledRejection", onRejection)
      process.off("uncaughtException", onException)
    },
    /** Lets pending callbacks and microtasks run, so a late rejection would show. */
    settle: Effect.promise(() => new Promise<void>((r) => setTimeout(r, 20)))
  }
}
