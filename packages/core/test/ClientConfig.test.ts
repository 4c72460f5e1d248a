import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Schema, Scope } from "effect"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as ClientConfig from "../src/ClientConfig.js"
import type { SpecError } from "../src/Errors.js"
import * as Plugin from "../src/Plugin.js"
import * as PluginRegistry from "../src/PluginRegistry.js"
import type { Session } from "../src/Session.js"
import * as Transport from "../src/Transport.js"

const dir = fileURLToPath(new URL("./fixtures/", import.meta.url))
const at = (file: string) => Path.join(dir, file)

interface Sent {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | null>
  readonly body: unknown
  readonly attributes: Record<string, unknown>
}

/** A transport that records each request and answers 200 with `body`. */
const recording = (body: string, contentType = "application/json") => {
  const sent: Array<Sent> = []
  const layer = Layer.succeed(
    Transport.Transport,
    Transport.make((session: Session) =>
      Effect.sync(() => {
        sent.push({
          method: session.method,
          url: session.url,
          headers: { ...session.headers },
          body: session.body,
          attributes: session.attributes
        })
        return { headers: { "content-type": contentType }, body }
      })
    )
  )
  return { sent, layer }
}

/** Sets a default header. */
const Stamp = PluginRegistry.fromSchema(
  Schema.Struct({ header: Schema.String, value: Schema.String }),
  ({ header, value }) =>
    Plugin.make("Stamp", {
      prepareRequest: (session) =>
        Effect.sync(() => {
          if (!(header in session.headers)) session.headers[header] = value
        })
    })
)

/** A stateful plugin: records its options on each session and its close in `log`. */
const gate = (log: Array<string>) =>
  PluginRegistry.fromSchema(
    Schema.Struct({ limit: Schema.Int, timeout: Schema.optional(PluginRegistry.DurationOption) }),
    ({ limit, timeout }) =>
      Effect.gen(function*() {
        log.push(`open ${limit}`)
        yield* Effect.addFinalizer(() => Effect.sync(() => log.push("close")))
        return Plugin.make("Gate", {
          prepareSession: (session) =>
            Effect.sync(() => {
              session.attributes.gate = { limit, timeout: timeout === undefined ? null : Duration.toMillis(timeout) }
            })
        })
      })
  )

const Registry = PluginRegistry.layer({ Stamp })

const flipConfig = <C extends ClientConfig.Input>(config: C) =>
  ClientConfig.makeClient(config).pipe(
    Effect.flip,
    Effect.scoped,
    Effect.provide(recording("{}").layer),
    Effect.provide(Registry),
    Effect.provide(NodeFileSystem.layer)
  ) as Effect.Effect<SpecError>

describe("ClientConfig.makeClient", () => {
  it.scoped("builds a client from plain data with registered plugins", () => {
    const { layer, sent } = recording(`{"pong":true}`)
    const log: Array<string> = []
    return Effect.gen(function*() {
      const scope = yield* Scope.make()
      const client = yield* ClientConfig.makeClient({
        name: "inline",
        baseUrl: "http://127.0.0.1:1/api",
        spec: { ping: { path: "/ping/{id}", method: "post", headers: { "x-endpoint": "yes" } } },
        plugins: [
          { type: "Stamp", header: "x-stamp", value: "from-config" },
          { type: "Gate", limit: 3, timeout: "5 seconds" }
        ]
      }).pipe(Scope.extend(scope))
      assert.deepStrictEqual(log, ["open 3"])
      const data = yield* client.ping({ id: 7, payload: { a: 1 } })
      assert.deepStrictEqual(data, { pong: true })
      assert.strictEqual(sent[0]!.method, "POST")
      assert.strictEqual(sent[0]!.url, "http://127.0.0.1:1/api/ping/7")
      assert.strictEqual(sent[0]!.headers["x-stamp"], "from-config")
      assert.strictEqual(sent[0]!.headers["x-endpoint"], "yes")
      assert.strictEqual(sent[0]!.body, `{"a":1}`)
      assert.deepStrictEqual(sent[0]!.attributes.gate, { limit: 3, timeout: 5000 })
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(log, ["open 3", "close"])
    }).pipe(
      Effect.provide(layer),
      Effect.provide(PluginRegistry.layer({ Gate: gate(log) })),
      Effect.provide(Registry)
    )
  })

  it.scoped("picks the serializer and the parser by name", () => {
    const { layer, sent } = recording("plain text", "text/plain")
    return Effect.gen(function*() {
      const client = yield* ClientConfig.makeClient({
        name: "form",
        baseUrl: "http://127.0.0.1:1",
        spec: { send: { path: "/form", method: "POST" } },
        serializer: "formUrlEncoded",
        parser: "text"
      })
      const data = yield* client.send({ payload: { a: "1 2", b: ["x", "y"] } })
      assert.strictEqual(data, "plain text")
      assert.strictEqual(sent[0]!.body, "a=1+2&b=x&b=y")
      assert.strictEqual(sent[0]!.headers["content-type"], "application/x-www-form-urlencoded")
    }).pipe(Effect.provide(layer))
  })

  it.effect("an unknown key", () =>
    Effect.gen(function*() {
      const error = yield* flipConfig({ name: "x", baseUrl: "http://127.0.0.1:1", spec: {}, nmae: "x" } as never)
      assert.strictEqual(error.key, "nmae")
      assert.include(error.message, "is unexpected")
    }))

  it.effect("an unknown serializer names the key and the choices", () =>
    Effect.gen(function*() {
      const error = yield* flipConfig({ name: "x", baseUrl: "http://127.0.0.1:1", spec: {}, serializer: "xml" })
      assert.strictEqual(error.key, "serializer")
      assert.include(error.message, `expected one of json, formUrlEncoded, text, bytes, multipart, got "xml"`)
    }))

  it.effect("spec and specFile together, or neither", () =>
    Effect.gen(function*() {
      const both = yield* flipConfig(
        { name: "x", baseUrl: "http://127.0.0.1:1", spec: {}, specFile: "a.yaml" } as never
      )
      assert.include(both.message, "give exactly one of spec and specFile")
      const neither = yield* flipConfig({ name: "x", baseUrl: "http://127.0.0.1:1" } as never)
      assert.include(neither.message, "give exactly one of spec and specFile")
    }))

  it.effect("an unknown plugin type lists the registered ones", () =>
    Effect.gen(function*() {
      const error = yield* flipConfig({
        name: "x",
        baseUrl: "http://127.0.0.1:1",
        spec: {},
        plugins: [{ type: "Stamp", header: "a", value: "b" }, { type: "Pool", limit: 10 }]
      })
      assert.strictEqual(error.key, "plugins[1].type")
      assert.strictEqual(error.service, "x")
      assert.include(error.message, `unknown plugin type "Pool" (registered: Stamp)`)
    }))

  it.effect("a bad plugin option names the plugin and the option", () =>
    Effect.gen(function*() {
      const error = yield* flipConfig({
        name: "x",
        baseUrl: "http://127.0.0.1:1",
        spec: {},
        plugins: [{ type: "Stamp", header: "a", value: 1 }]
      })
      assert.strictEqual(error.key, "plugins[0].value")
      assert.include(error.message, "Expected string, actual 1")
      const unknown = yield* flipConfig({
        name: "x",
        baseUrl: "http://127.0.0.1:1",
        spec: {},
        plugins: [{ type: "Stamp", header: "a", value: "b", extra: true }]
      })
      assert.strictEqual(unknown.key, "plugins[0].extra")
    }))

  it.effect("a bad inline spec names the endpoint and the key", () =>
    Effect.gen(function*() {
      const error = yield* flipConfig({
        name: "x",
        baseUrl: "http://127.0.0.1:1",
        spec: { getUser: { path: "/user/{user_id" } }
      })
      assert.deepStrictEqual([error.service, error.endpoint, error.key], ["x", "getUser", "path"])
    }))

  it.effect("a bad baseUrl or maxResponseBytes", () =>
    Effect.gen(function*() {
      const url = yield* flipConfig({ name: "x", baseUrl: "ftp://host", spec: {} })
      assert.strictEqual(url.key, "baseUrl")
      const max = yield* flipConfig({ name: "x", baseUrl: "http://127.0.0.1:1", spec: {}, maxResponseBytes: -1 })
      assert.strictEqual(max.key, "maxResponseBytes")
    }))

  it("type-level: a FileSystem is needed only for a specFile", () => {
    const inline = ClientConfig.makeClient({ name: "x", baseUrl: "http://127.0.0.1:1", spec: {} })
    const noFs: Effect.Effect<unknown, unknown, Transport.Transport | Scope.Scope> = inline
    const fromFile = ClientConfig.makeClient({ name: "x", baseUrl: "http://127.0.0.1:1", specFile: "a.yaml" })
    // @ts-expect-error the spec file is read through FileSystem
    const needsFs: Effect.Effect<unknown, unknown, Transport.Transport | Scope.Scope> = fromFile
    assert.isDefined([noFs, needsFs])
  })

  it("DurationOption takes milliseconds or duration strings", () => {
    const decode = Schema.decodeUnknownSync(PluginRegistry.DurationOption)
    assert.strictEqual(Duration.toMillis(decode(250)), 250)
    assert.strictEqual(Duration.toMillis(decode("5 seconds")), 5000)
    assert.throws(() => decode("soon"), /expected milliseconds or a duration/)
    assert.throws(() => decode(-1))
  })
})

describe("ClientConfig.fromFile", () => {
  const load = (file: string) => ClientConfig.fromFile(at(file))
  const flipFile = (file: string) =>
    Effect.flatMap(load(file), (config) => ClientConfig.makeClient(config)).pipe(
      Effect.flip,
      Effect.scoped,
      Effect.provide(recording("{}").layer),
      Effect.provide(Registry),
      Effect.provide(NodeFileSystem.layer)
    ) as Effect.Effect<SpecError>

  it.scoped("loads a YAML config whose specFile is relative to it", () => {
    const { layer, sent } = recording(`{"id":1}`)
    return Effect.gen(function*() {
      const config = yield* load("configs/users.yaml")
      assert.strictEqual(config.specFile, at("specs/child.yaml"))
      const client = yield* ClientConfig.makeClient({ ...config, baseUrl: "http://127.0.0.1:2" })
      assert.deepStrictEqual(Object.keys(client.spec.endpoints).sort(), ["createUser", "getUser", "listUsers"])
      assert.deepStrictEqual(yield* client.getUser({ user_id: 1 }), { id: 1 })
      assert.strictEqual(sent[0]!.url, "http://127.0.0.1:2/v2/user/1")
      assert.strictEqual(sent[0]!.headers["x-stamp"], "from-config")
      assert.strictEqual(sent[0]!.headers["x-from"], "child")
    }).pipe(Effect.provide(layer), Effect.provide(Registry), Effect.provide(NodeFileSystem.layer))
  })

  it.scoped("loads a JSON config with an inline spec", () => {
    const { layer, sent } = recording("")
    return Effect.gen(function*() {
      const client = yield* ClientConfig.makeClient(yield* load("configs/inline.json"))
      assert.strictEqual(yield* client.ping(), undefined)
      assert.strictEqual(sent[0]!.method, "POST")
    }).pipe(Effect.provide(layer), Effect.provide(NodeFileSystem.layer))
  })

  it.effect("mock files of an inline spec are relative to the config file", () =>
    Effect.gen(function*() {
      const config = yield* load("configs/inline-mock.yaml")
      const resolved = yield* ClientConfig.resolve(config)
      assert.deepStrictEqual(resolved.spec.endpoints.getUser!.mock, { type: "file", file: at("specs/mocks/user.json") })
      assert.strictEqual(resolved.spec.file, at("configs/inline-mock.yaml"))
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("a bad plugin option in a file names the file and the line", () =>
    Effect.gen(function*() {
      const error = yield* flipFile("configs/bad-plugin.yaml")
      assert.strictEqual(error._tag, "SpecError")
      assert.include(error.message, `${at("configs/bad-plugin.yaml")}:10, users, key "plugins[1].value"`)
    }))

  it.effect("an unknown plugin type in a file names the line", () =>
    Effect.gen(function*() {
      const error = yield* flipFile("configs/unknown-plugin.yaml")
      assert.include(error.message, `${at("configs/unknown-plugin.yaml")}:8, users, key "plugins[1].type"`)
    }))

  it.effect("an unknown key in a file fails when loading, with the line", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load("configs/unknown-key.yaml").pipe(Effect.provide(NodeFileSystem.layer)))
      assert.deepStrictEqual([error.file, error.line, error.key], [at("configs/unknown-key.yaml"), 4, "serialiser"])
    }))

  it.effect("a bad inline spec in a file names the line", () =>
    Effect.gen(function*() {
      const error = yield* flipFile("configs/bad-inline-spec.yaml")
      assert.deepStrictEqual([error.line, error.endpoint, error.key], [7, "getUser", "mock.type"])
    }))

  it.effect("a bad spec file is named by the spec error", () =>
    Effect.gen(function*() {
      const error = yield* flipFile("configs/bad-spec-file.yaml")
      assert.deepStrictEqual([error.file, error.line, error.key], [at("specs/bad/bad-method.yaml"), 3, "method"])
      assert.strictEqual(error.service, "users")
    }))

  it.effect("a missing config file", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load("configs/nowhere.yaml").pipe(Effect.provide(NodeFileSystem.layer)))
      assert.include(error.message, "cannot read the file")
    }))
})

describe("PluginRegistry", () => {
  it.effect("layers provided one after the other accumulate", () =>
    Effect.gen(function*() {
      const registry = yield* PluginRegistry.PluginRegistry
      assert.deepStrictEqual([...registry.factories.keys()].sort(), ["Gate", "Stamp"])
    }).pipe(Effect.provide(PluginRegistry.layer({ Gate: gate([]) })), Effect.provide(Registry)))

  it.effect("a factory that throws fails with a SpecError", () =>
    Effect.gen(function*() {
      const Throws = PluginRegistry.fromSchema(Schema.Struct({}), () => {
        throw new Error("boom")
      })
      const error = yield* Effect.flip(Effect.scoped(Throws({})))
      assert.strictEqual(error._tag, "SpecError")
      assert.strictEqual(error.reason, "boom")
    }))
})
