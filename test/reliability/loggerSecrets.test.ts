/**
 * Property: InnerLogger and OuterLogger never print a redacted header's value or a hidden
 * body, whatever the input. Over the live transport, with secrets in request headers
 * (call input, endpoint, Headers plugin; names in any case; default and extra redacted
 * names, the extra list in any case), in response headers (`set-cookie`, extra names), in
 * request payloads and in response bodies of every kind (JSON, invalid JSON, a body failing
 * the success Schema, a 503, a reset mid-body). Every record is captured (message and
 * annotations, and the lines `LogFormat` and `Logger.stringLogger` make of it) and searched
 * for every secret.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Auth, Headers, InnerLogger, LogFormat, OuterLogger } from "@service-client/plugins"
import { Effect, HashMap, Logger, LogLevel, Schema } from "effect"
import * as fc from "fast-check"
import * as Fault from "./faultServer.js"
import { Live } from "./support.js"

/** Secrets: a marker no other text contains, then characters that need no escaping in JSON, URLs or headers. */
const secretChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!*+"
const secret = fc
  .string({ unit: fc.constantFrom(...secretChars), minLength: 4, maxLength: 30 })
  .map((s) => `S3CRET${s}`)

/** A header name in a random case. */
const anyCase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) =>
    [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join("")
  )

const defaultName = fc.constantFrom(...InnerLogger.defaultRedactedHeaders).chain(anyCase)
const extraName = fc.stringMatching(/^x-[a-z0-9]{1,10}$/).chain(anyCase)

type ResponseKind = "json" | "invalidJson" | "schemaFailure" | "503" | "resetMidBody"

const sample = fc.record({
  redactDefaults: fc.boolean(),
  /** Extra names to redact: as given to `redactHeaders` and as sent, each in its own random case. */
  extra: fc.array(extraName.chain((name) => fc.tuple(anyCase(name), anyCase(name))), { maxLength: 3 }),
  /** Where each request header goes. */
  inputDefaults: fc.array(fc.tuple(defaultName, secret), { maxLength: 3 }),
  endpointDefault: fc.option(fc.tuple(defaultName, secret), { nil: undefined }),
  pluginDefault: fc.option(fc.tuple(defaultName, secret), { nil: undefined }),
  extraSecrets: fc.array(secret, { minLength: 3, maxLength: 3 }),
  hiddenRequestBody: fc.boolean(),
  hiddenResponseBody: fc.boolean(),
  /** The Auth plugin's token, on its default header or on another name (never in `redactHeaders`). */
  authToken: secret,
  authHeader: fc.option(extraName, { nil: undefined }),
  payloadSecret: secret,
  responseSecret: secret,
  cookieSecret: secret,
  response: fc.constantFrom<ResponseKind>("json", "invalidJson", "schemaFailure", "503", "resetMidBody"),
  maxBodyLength: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 200 }))
})

type Sample = typeof sample extends fc.Arbitrary<infer A> ? A : never

const Success = Schema.Struct({ id: Schema.Number })

/** Renders a captured record every way it could be printed. */
const capture = (out: Array<string>) =>
  Logger.make((options) => {
    const annotations: Record<string, unknown> = {}
    for (const [key, value] of HashMap.toEntries(options.annotations)) annotations[key] = value
    out.push(
      JSON.stringify({ message: options.message, annotations }),
      String(LogFormat.make().log(options)),
      String(Logger.stringLogger.log(options)),
      String(Logger.logfmtLogger.log(options))
    )
  })

const run = (s: Sample, records: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const secrets: Array<string> = []
    const wire: Array<string> = []
    const redactedNames = new Set<string>()
    // what is secret: redacted headers (defaults only when their redaction is on), hidden bodies
    const headers: Record<string, string> = {}
    if (s.redactDefaults) {
      for (const [name, value] of s.inputDefaults) {
        headers[name] = value
        secrets.push(value)
        redactedNames.add(name.toLowerCase())
      }
    }
    const extraSent = s.extra.map(([_, sent], i) => [sent, s.extraSecrets[i]!] as const)
    for (const [name, value] of extraSent) {
      headers[name] = value
      secrets.push(value)
      redactedNames.add(name.toLowerCase())
    }
    const endpointHeaders: Record<string, string> = {}
    if (s.redactDefaults && s.endpointDefault !== undefined) {
      endpointHeaders[s.endpointDefault[0]] = s.endpointDefault[1]
      secrets.push(s.endpointDefault[1])
    }
    const pluginHeaders: Record<string, string> = {}
    if (s.redactDefaults && s.pluginDefault !== undefined) {
      pluginHeaders[s.pluginDefault[0]] = s.pluginDefault[1]
      secrets.push(s.pluginDefault[1])
    }
    const payload = { note: s.hiddenRequestBody ? s.payloadSecret : "plain payload" }
    if (s.hiddenRequestBody) secrets.push(s.payloadSecret)
    const bodyValue = s.hiddenResponseBody ? s.responseSecret : "plain response"
    if (s.hiddenResponseBody) secrets.push(s.responseSecret)
    if (s.redactDefaults) secrets.push(s.cookieSecret)
    // Auth's token stays Redacted everywhere but on the wire, whatever its header's name
    secrets.push(s.authToken)

    const server = yield* Fault.start((request, c) => {
      wire.push(request.rawHeaders.join("\n"), request.body.toString())
      const responseHeaders: Record<string, string> = { "content-type": "application/json" }
      if (s.redactDefaults) responseHeaders["Set-Cookie"] = s.cookieSecret
      for (const [name, value] of extraSent) responseHeaders[name] = value
      switch (s.response) {
        case "json":
          return Fault.respond(c, 200, JSON.stringify({ id: 1, secret: bodyValue }), responseHeaders)
        case "invalidJson":
          return Fault.respond(c, 200, `{"id":1,"secret":"${bodyValue}"`, responseHeaders)
        case "schemaFailure":
          return Fault.respond(c, 200, JSON.stringify({ id: bodyValue }), responseHeaders)
        case "503":
          return Fault.respond(c, 503, JSON.stringify({ secret: bodyValue }), responseHeaders)
        case "resetMidBody": {
          const body = JSON.stringify({ id: 1, secret: bodyValue })
          c.socket.write(Fault.head(200, { ...responseHeaders, "content-length": body.length + 100 }))
          c.socket.write(body)
          return void setTimeout(() => Fault.reset(c), 20)
        }
      }
    })
    const logger = {
      level: "Info" as const,
      maxBodyLength: s.maxBodyLength,
      redactDefaultHeaders: s.redactDefaults,
      redactHeaders: s.extra.map(([given]) => given)
    }
    const Api = Spec.make({
      send: Endpoint.post("/send", {
        success: Success,
        headers: endpointHeaders,
        logger: { hiddenRequestBody: s.hiddenRequestBody, hiddenResponseBody: s.hiddenResponseBody }
      })
    })
    const client = yield* ServiceClient.make(Api, {
      name: "secrets",
      baseUrl: server.url,
      plugins: [
        Headers.make({ headers: pluginHeaders }),
        OuterLogger.make(logger),
        InnerLogger.make(logger),
        Auth.make({ token: Effect.succeed(s.authToken), header: s.authHeader })
      ]
    })
    const exit = yield* Effect.exit(client.send({ headers, payload }))
    assert.strictEqual(exit._tag, s.response === "json" ? "Success" : "Failure")

    // the secrets were in play: each went over the wire (the response ones the server wrote)
    assert.strictEqual(server.requests.length, 1)
    const sentText = wire.join("\n")
    const effective: Record<string, string> = {}
    for (const source of [pluginHeaders, endpointHeaders, headers]) {
      for (const [name, value] of Object.entries(source)) effective[name.toLowerCase()] = value
    }
    // Auth sets its header over the defaults, and leaves a header set by the call alone
    const authName = (s.authHeader ?? "authorization").toLowerCase()
    if (!Object.keys(headers).some((name) => name.toLowerCase() === authName)) {
      effective[authName] = `Bearer ${s.authToken}`
    }
    for (const value of Object.values(effective)) assert.include(sentText, value)
    assert.include(sentText, payload.note)
    // request and response (or exception) from both loggers
    assert.isAtLeast(records.length / 4, 4, records.join("\n"))
    for (const record of records) {
      for (const value of secrets) {
        if (record.includes(value)) assert.fail(`a secret was logged: ${value} in ${record}`)
      }
    }
    // the redacted headers show as <REDACTED> (the redaction, not an accident, kept them out)
    if (redactedNames.size > 0) assert.include(records.join("\n"), "<REDACTED>")
    if (s.hiddenRequestBody || (s.hiddenResponseBody && s.response !== "resetMidBody")) {
      assert.include(records.join("\n"), "<HIDDEN>")
    }
  }).pipe(
    Effect.scoped,
    Effect.provide(Live),
    Effect.provide(Logger.minimumLogLevel(LogLevel.All))
  )

describe("loggers and secrets", () => {
  it.effect.prop(
    "no redacted header value and no hidden body is ever logged",
    [sample],
    ([s]) => {
      const records: Array<string> = []
      return run(s, records).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture(records))))
    },
    { fastCheck: { numRuns: 60 } }
  )
})
