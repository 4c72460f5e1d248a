/**
 * Request bodies without a Content-Type: every live transport sends the header lines
 * @effect/platform's `HttpBody` gives them on `Transport.layer` (`text/plain` for text,
 * `application/octet-stream` for bytes and streams), and a Content-Type set by the caller
 * (any case) wins everywhere. And a far deadline ("30 days", past `setTimeout`'s 2^31-1
 * ms) neither floods the event loop with 1 ms timers nor prints a TimeoutOverflowWarning.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, Serializer, ServiceClient, Spec } from "@service-client/core"
import { Timeout } from "@service-client/plugins"
import type { Layer } from "effect"
import { Effect, Stream } from "effect"
import { liveTransports } from "../reliability/support.js"
import { Fault, fetchOwnHeaders } from "./support.js"

const Api = Spec.make({
  up: Endpoint.post("/up", { streamRequest: true }),
  upGzip: Endpoint.post("/up-gzip", { streamRequest: true, compressRequest: "gzip" }),
  json: Endpoint.post("/json"),
  get: Endpoint.get("/get"),
  head: Endpoint.head("/head")
})

const bytes = (text: string) => new TextEncoder().encode(text)

/** Sets `Content-Type` under a mixed-case name after serialization, as a plugin may. */
const mixedCase = Plugin.make("MixedCaseContentType", {
  beforeRequest: (session) =>
    Effect.sync(() => {
      if (session.endpoint === "up") session.headers["Content-Type"] = "application/x-mixed"
    })
})

/** A serializer that names no media type: the body goes out as a bare string. */
const bare = Serializer.make({ name: "bare", contentType: undefined, serialize: (payload) => String(payload) })

type Client = Effect.Effect.Success<ReturnType<typeof makeClient>>
const makeClient = (baseUrl: string, plugins: ReadonlyArray<Plugin.Plugin> = []) =>
  ServiceClient.make(Api, { name: "wire", baseUrl, plugins })

interface Case {
  readonly label: string
  /** The Content-Type on the wire (`undefined`: none), as `Transport.layer` sends it. */
  readonly contentType: string | undefined
  readonly call: (clients: { readonly plain: Client; readonly mixed: Client; readonly bare: Client }) => Effect.Effect<
    unknown,
    unknown
  >
  /** The body as received. */
  readonly body: string
}

const cases: ReadonlyArray<Case> = [
  { label: "a string", contentType: "text/plain", body: "hello", call: (c) => c.plain.up({ payload: "hello" }) },
  { label: "an empty string", contentType: "text/plain", body: "", call: (c) => c.plain.up({ payload: "" }) },
  {
    label: "a Uint8Array",
    contentType: "application/octet-stream",
    body: "hello",
    call: (c) => c.plain.up({ payload: bytes("hello") })
  },
  {
    label: "an empty Uint8Array",
    contentType: "application/octet-stream",
    body: "",
    call: (c) => c.plain.up({ payload: new Uint8Array(0) })
  },
  {
    label: "a Stream",
    contentType: "application/octet-stream",
    body: "hello",
    call: (c) => c.plain.up({ payload: Stream.make(bytes("he"), bytes("llo")) })
  },
  {
    label: "an empty Stream",
    contentType: "application/octet-stream",
    body: "",
    call: (c) => c.plain.up({ payload: Stream.empty })
  },
  { label: "no payload", contentType: undefined, body: "", call: (c) => c.plain.up({}) },
  {
    label: "a string, the caller's content-type",
    contentType: "application/x-mine",
    body: "hello",
    call: (c) => c.plain.up({ payload: "hello", headers: { "content-type": "application/x-mine" } })
  },
  {
    label: "a Uint8Array, the caller's Content-Type (call headers, any case)",
    contentType: "application/x-mine",
    body: "hello",
    call: (c) => c.plain.up({ payload: bytes("hello"), headers: { "Content-Type": "application/x-mine" } })
  },
  {
    label: "a Stream, the caller's CONTENT-TYPE",
    contentType: "application/x-mine",
    body: "hello",
    call: (c) => c.plain.up({ payload: Stream.make(bytes("hello")), headers: { "CONTENT-TYPE": "application/x-mine" } })
  },
  {
    label: "a string, Content-Type set by a plugin under a mixed-case name",
    contentType: "application/x-mixed",
    body: "hello",
    call: (c) => c.mixed.up({ payload: "hello" })
  },
  {
    label: "a Stream, Content-Type set by a plugin under a mixed-case name",
    contentType: "application/x-mixed",
    body: "hello",
    call: (c) => c.mixed.up({ payload: Stream.make(bytes("hello")) })
  },
  {
    label: "a gzip-compressed string (bytes once compressed)",
    contentType: "application/octet-stream",
    body: "(gzip)",
    call: (c) => c.plain.upGzip({ payload: "hello" })
  },
  {
    label: "a gzip-compressed Stream",
    contentType: "application/octet-stream",
    body: "(gzip)",
    call: (c) => c.plain.upGzip({ payload: Stream.make(bytes("hello")) })
  },
  {
    label: "JSON",
    contentType: "application/json",
    body: "{\"a\":1}",
    call: (c) => c.plain.json({ payload: { a: 1 } })
  },
  { label: "no JSON payload", contentType: undefined, body: "", call: (c) => c.plain.json({}) },
  {
    label: "a serializer that names no media type",
    contentType: "text/plain",
    body: "hi",
    call: (c) => c.bare.json({ payload: "hi" })
  },
  { label: "GET", contentType: undefined, body: "", call: (c) => c.plain.get({}) },
  {
    label: "GET, the caller's content-type",
    contentType: "text/x-mine",
    body: "",
    call: (c) => c.plain.get({ headers: { "content-type": "text/x-mine" } })
  },
  { label: "HEAD", contentType: undefined, body: "", call: (c) => c.plain.head({}) }
]

interface Seen {
  readonly contentType: string | undefined
  /** Header names as sent (lower-cased, sorted), without what a fetch client adds on its own. */
  readonly names: ReadonlyArray<string>
  readonly body: string
}

/** Runs every case over `Live` against a server of its own; what arrived, by case. */
const runCases = (Live: Layer.Layer<any>) =>
  Effect.gen(function*() {
    const s = yield* Fault.start((request, c) =>
      Fault.respond(c, 200, request.method === "HEAD" ? "" : "{}", { "content-type": "application/json" })
    )
    const clients = {
      plain: yield* makeClient(s.url),
      mixed: yield* makeClient(s.url, [mixedCase]),
      bare: yield* Effect.provide(makeClient(s.url), Serializer.layer(bare))
    }
    const seen: Array<Seen> = []
    for (const c of cases) {
      const n = s.requests.length
      yield* Effect.orDieWith(c.call(clients), (e) => new Error(`${c.label}: ${String(e)}`))
      const request = yield* s.request(n + 1)
      seen.push({
        contentType: request.headers["content-type"],
        names: Object.keys(request.headers).filter((name) => !fetchOwnHeaders.has(name)).sort(),
        body: request.target.startsWith("/up-gzip") ? "(gzip)" : request.body.toString()
      })
    }
    return seen
  }).pipe(Effect.provide(Live))

describe("wire parity: Content-Type of request bodies", () => {
  for (const [name, Live] of liveTransports) {
    it.scoped(`${name}: the platform's Content-Type when none is set, the caller's otherwise`, () =>
      Effect.gen(function*() {
        const seen = yield* runCases(Live)
        cases.forEach((c, i) => {
          assert.strictEqual(seen[i]!.contentType, c.contentType, c.label)
          assert.strictEqual(seen[i]!.body, c.body, c.label)
          // one Content-Type line, whatever the case of the name it was set under
          assert.strictEqual(seen[i]!.names.filter((n) => n === "content-type").length, c.contentType ? 1 : 0)
        })
      }))
  }

  it.scoped("every transport sends the same header names and Content-Type for each case", () =>
    Effect.gen(function*() {
      const all: Array<readonly [string, ReadonlyArray<Seen>]> = []
      for (const [name, Live] of liveTransports) all.push([name, yield* Effect.scoped(runCases(Live))])
      const [[firstName, first]] = all as [readonly [string, ReadonlyArray<Seen>]]
      for (const [name, seen] of all.slice(1)) {
        cases.forEach((c, i) => {
          assert.deepStrictEqual(seen[i], first[i], `${c.label}: ${name} vs ${firstName}`)
        })
      }
    }))
})

// Bug: NodeTransport armed `setTimeout(fire, at - now)` past 2^31-1 ms; Node clamps such a
// delay to 1 ms (TimeoutOverflowWarning) and `fire`, finding the deadline not reached,
// armed it again: ~850 timers and ~160 ms of CPU for a call answered after one second.
describe("a deadline past setTimeout's range (\"30 days\")", () => {
  const warnings: Array<string> = []
  const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`)
  beforeAll(() => void process.on("warning", onWarning))
  afterAll(() => void process.off("warning", onWarning))

  const original = globalThis.setTimeout
  const answerLater: Fault.Handler = (_, c) => void original(() => Fault.json(c, 200, { ok: true }), 300)

  for (const [name, Live] of liveTransports) {
    it.scopedLive(`${name}: the call answered after 300 ms succeeds, no warning, no timer storm`, () =>
      Effect.gen(function*() {
        const s = yield* Fault.start(answerLater)
        const client = yield* ServiceClient.make(Api, {
          name: "wire",
          baseUrl: s.url,
          plugins: [Timeout.make()]
        })
        warnings.length = 0
        let calls = 0
        const counting = ((...args: Parameters<typeof setTimeout>) => {
          calls++
          return original(...args)
        }) as typeof setTimeout
        yield* Effect.acquireRelease(
          Effect.sync(() => void (globalThis.setTimeout = counting)),
          () => Effect.sync(() => void (globalThis.setTimeout = original))
        )
        const started = Date.now()
        const result = yield* client.json({ payload: { a: 1 }, timeout: "30 days" })
        globalThis.setTimeout = original
        assert.deepStrictEqual(result, { ok: true })
        assert.isAtLeast(Date.now() - started, 250)
        // warnings are emitted on a later tick
        yield* Effect.promise(() => new Promise<void>((r) => original(r, 50)))
        assert.strictEqual(warnings.length, 0, `${warnings.length} process warnings, the first: ${warnings[0]}`)
        assert.isBelow(calls, 50, `${calls} setTimeout calls during one call`)
      }).pipe(Effect.provide(Live)))
  }
})
