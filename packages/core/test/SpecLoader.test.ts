import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type * as Endpoint from "../src/Endpoint.js"
import type { SpecError } from "../src/Errors.js"
import * as ServiceClient from "../src/ServiceClient.js"
import * as SpecLoader from "../src/SpecLoader.js"
import * as Transport from "../src/Transport.js"

const dir = fileURLToPath(new URL("./fixtures/specs/", import.meta.url))
const at = (file: string) => Path.join(dir, file)

const load = (file: string) =>
  (file.endsWith(".json") ? SpecLoader.json(at(file)) : SpecLoader.yaml(at(file))).pipe(
    Effect.provide(NodeFileSystem.layer)
  )

// a client over a transport never reached: its building is what is tested
const unreachable = Layer.succeed(Transport.Transport, Transport.make(() => Effect.die("no call is made")))

/** A key no core setting has is a plugin's: checked when a client is built. */
const failMake = (file: string) =>
  Effect.gen(function*() {
    const spec = yield* load(file)
    const error = yield* Effect.flip(
      ServiceClient.make(spec, { name: "users", baseUrl: "http://127.0.0.1:1" }).pipe(
        Effect.scoped,
        Effect.provide(unreachable)
      )
    )
    assert.strictEqual(error._tag, "SpecError")
    return error as SpecError
  })

const fail = (file: string) =>
  Effect.gen(function*() {
    const error: SpecError = yield* Effect.flip(load(file))
    assert.strictEqual(error._tag, "SpecError")
    return error
  })

describe("SpecLoader", () => {
  it.effect("loads a JSON spec with one endpoint; mock files become absolute", () =>
    Effect.gen(function*() {
      const spec = yield* load("users.json")
      assert.deepStrictEqual(Object.keys(spec.endpoints), ["getUser"])
      const getUser = spec.endpoints.getUser!
      assert.strictEqual(getUser.method, "GET")
      assert.strictEqual(getUser.path, "/user/{user_id}")
      assert.deepStrictEqual(getUser.tokens, ["user_id"])
      assert.deepStrictEqual(getUser.headers, { accept: "application/json" })
      assert.deepStrictEqual(getUser.mock, { type: "file", file: at("mocks/user.json") })
      assert.strictEqual(spec.file, at("users.json"))
    }))

  it.effect("loads a YAML spec with one endpoint", () =>
    Effect.gen(function*() {
      const spec = yield* load("users.yaml")
      const getUser = spec.endpoints.getUser!
      assert.strictEqual(getUser.method, "GET")
      assert.strictEqual((getUser as unknown as Record<string, unknown>).timeout, "5 seconds")
      assert.deepStrictEqual(getUser.query, { verbose: true })
      assert.strictEqual(spec.file, at("users.yaml"))
    }))

  it.effect("a spec that extends another inherits, overrides and adds endpoints", () =>
    Effect.gen(function*() {
      const spec = yield* load("child.yaml")
      assert.deepStrictEqual(Object.keys(spec.endpoints).sort(), ["createUser", "getUser", "listUsers"])
      assert.strictEqual(spec.endpoints.getUser!.path, "/v2/user/{user_id}")
      assert.deepStrictEqual(spec.endpoints.getUser!.headers, { "x-from": "child" })
      assert.strictEqual(spec.endpoints.listUsers!.path, "/users")
      assert.strictEqual(spec.endpoints.createUser!.method, "POST")
      assert.deepStrictEqual(spec.endpoints.createUser!.mock, { type: "file", file: at("mocks/user.json") })
      assert.strictEqual(spec.file, at("child.yaml"))
    }))

  it.effect("a chain of extends across directories", () =>
    Effect.gen(function*() {
      const spec = yield* load("chain/top.yaml")
      const e: Record<string, Endpoint.Untyped> = spec.endpoints
      assert.deepStrictEqual(Object.keys(e).sort(), ["getUser", "listUsers", "middle", "top"])
      assert.strictEqual(e.listUsers!.path, "/v3/users")
      assert.strictEqual(e.getUser!.path, "/user/{user_id}")
      assert.strictEqual(e.top!.method, "DELETE")
      assert.deepStrictEqual(e.middle!.mock, { type: "file", file: at("mocks/user.json") })
    }))

  it.effect("YAML anchors and merge keys share settings between endpoints", () =>
    Effect.gen(function*() {
      const spec = yield* load("merge.yaml")
      assert.strictEqual(spec.endpoints.listUsers!.path, "/users")
      assert.deepStrictEqual(spec.endpoints.listUsers!.headers, { accept: "application/json" })
      assert.strictEqual((spec.endpoints.listUsers as unknown as Record<string, unknown>).timeout, 1000)
    }))

  it.effect("SpecLoader.fromFile picks the format by extension", () =>
    Effect.gen(function*() {
      const json = yield* SpecLoader.fromFile(at("users.json"))
      const yaml = yield* SpecLoader.fromFile(at("users.yaml"))
      assert.strictEqual(json.endpoints.getUser!.path, yaml.endpoints.getUser!.path)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("an extends cycle is a SpecError", () =>
    Effect.gen(function*() {
      const error = yield* fail("cycle/a.yaml")
      assert.strictEqual(error.file, at("cycle/b.yaml"))
      assert.strictEqual(error.key, "extends")
      assert.strictEqual(error.line, 1)
      assert.include(error.message, "extends cycle: a.yaml → b.yaml → a.yaml")
      const self = yield* fail("cycle/self.yaml")
      assert.include(self.message, "extends cycle: self.yaml → self.yaml")
    }))

  it.effect("an unknown key names the file, line, endpoint and key", () =>
    Effect.gen(function*() {
      const error = yield* failMake("bad/unknown-key.yaml")
      assert.strictEqual(error.file, at("bad/unknown-key.yaml"))
      assert.strictEqual(error.endpoint, "listUsers")
      assert.strictEqual(error.key, "methd")
      assert.strictEqual(error.line, 5)
      assert.include(
        error.message,
        `${at("bad/unknown-key.yaml")}:5, users, endpoint "listUsers", key "methd": unknown key`
      )
    }))

  it.effect("a missing path points at the endpoint", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/missing-path.yaml")
      assert.strictEqual(error.endpoint, "listUsers")
      assert.strictEqual(error.key, "path")
      assert.strictEqual(error.line, 4)
      assert.include(error.message, "the path is missing")
    }))

  it.effect("a bad method", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/bad-method.yaml")
      assert.deepStrictEqual([error.endpoint, error.key, error.line], ["getUser", "method", 3])
      assert.include(error.message, `unknown method "FETCH"`)
    }))

  it.effect("a malformed path template", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/bad-template.yaml")
      assert.deepStrictEqual([error.endpoint, error.key, error.line], ["getUser", "path", 2])
      assert.include(error.message, `unclosed "{"`)
    }))

  it.effect("a mock of unknown type points at mock.type", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/bad-mock.yaml")
      assert.deepStrictEqual([error.endpoint, error.key, error.line], ["getUser", "mock.type", 5])
      assert.include(error.message, `unknown mock type "xml"`)
    }))

  it.effect("a bad header value points at the header", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/header.yaml")
      assert.deepStrictEqual([error.endpoint, error.key, error.line], ["getUser", "headers.x-bad", 5])
    }))

  it.effect("a file that is not YAML names the line", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/not-yaml.yaml")
      assert.strictEqual(error.file, at("bad/not-yaml.yaml"))
      assert.strictEqual(error.line, 3)
      assert.include(error.message, "not valid YAML")
    }))

  it.effect("a duplicate endpoint names the line", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/duplicate.yaml")
      assert.strictEqual(error.line, 3)
      assert.include(error.message, "unique")
    }))

  it.effect("a file that is not JSON names the line", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/not-json.json")
      assert.strictEqual(error.file, at("bad/not-json.json"))
      assert.include(error.message, "not valid JSON")
      assert.isDefined(error.line)
      assert.isAtLeast(error.line!, 3)
      assert.isAtMost(error.line!, 4)
    }))

  it.effect("JSON errors name the line of the key too", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/unknown-key.json")
      assert.deepStrictEqual([error.endpoint, error.key, error.line], ["listUsers", "mock.type", 5])
      assert.include(error.message, `"soon"`)
    }))

  it.effect("a built-in plugin's setting on a client without that plugin names the plugin to add", () =>
    Effect.gen(function*() {
      const error = yield* failMake("users.yaml")
      assert.deepStrictEqual([error.file, error.line, error.endpoint, error.key], [
        at("users.yaml"),
        5,
        "getUser",
        "timeout"
      ])
      assert.include(error.message, "`timeout` is read by the Timeout plugin; add Timeout.make() to plugins")
    }))

  it.effect("a file that is a list, not a mapping", () =>
    Effect.gen(function*() {
      const error = yield* fail("bad/list.yaml")
      assert.include(error.message, "a spec file must be a mapping")
      assert.include(error.message, "got a list")
    }))

  it.effect("a missing file", () =>
    Effect.gen(function*() {
      const error = yield* fail("nowhere.yaml")
      assert.strictEqual(error.file, at("nowhere.yaml"))
      assert.include(error.message, "cannot read the file")
    }))

  it.effect("an error in an extended file names that file", () =>
    Effect.gen(function*() {
      const error = yield* failMake("bad/extends-bad-parent.yaml")
      assert.strictEqual(error.file, at("bad/unknown-key.yaml"))
      assert.deepStrictEqual([error.endpoint, error.key, error.line], ["listUsers", "methd", 5])
      const missing = yield* fail("bad/extends-missing.yaml")
      assert.strictEqual(missing.file, at("bad/nowhere.yaml"))
      assert.include(missing.message, "cannot read the file")
    }))
})
