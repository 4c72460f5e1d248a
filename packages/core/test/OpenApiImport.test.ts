import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { SpecError } from "../src/Errors.js"
import * as OpenApiSpec from "../src/OpenApiSpec.js"
import * as ServiceClient from "../src/ServiceClient.js"
import * as SpecLoader from "../src/SpecLoader.js"
import * as FakeTransport from "./fakeTransport.js"

const fixtures = fileURLToPath(new URL("./fixtures/openapi/", import.meta.url))
const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "oapi-import-"))
const write = (name: string, text: string) => {
  const file = Path.join(tmp, name)
  Fs.mkdirSync(Path.dirname(file), { recursive: true })
  Fs.writeFileSync(file, text)
  return file
}
const load = (file: string) => SpecLoader.openapi(file).pipe(Effect.provide(NodeContext.layer))
const loadSpec = (file: string) => SpecLoader.fromFile(file).pipe(Effect.provide(NodeContext.layer))
const fail = (effect: Effect.Effect<unknown, SpecError>) => Effect.flip(effect)

const features = `
openapi: 3.1.0
info: { title: Features, version: "1" }
servers:
  - url: "https://{region}.example.test/v1"
    variables: { region: { default: eu } }
paths:
  /users/{user-id}:
    parameters:
      - { name: user-id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: users/get-one
      parameters:
        - { name: fields, in: query, style: form, explode: false, schema: { type: array, items: { type: string } } }
        - { name: tags, in: query, schema: { type: array, items: { type: string } } }
        - { name: ids, in: query, style: pipeDelimited, schema: { type: array, items: { type: integer } } }
        - { name: filter, in: query, style: deepObject, schema: { type: object, properties: { gt: { type: integer } } } }
        - { name: X-Trace, in: header, schema: { type: array, items: { type: string } } }
      responses:
        "200":
          description: ok
          content: { application/json: { schema: { $ref: "#/components/schemas/User" } } }
        "404":
          description: missing
          content: { application/json: { schema: { $ref: "#/components/schemas/NotFound" } } }
        4XX:
          description: client
          content: { application/json: { schema: { type: object, properties: { code: { const: client } }, required: [code] } } }
        default:
          description: other
          content: { application/json: { schema: { $ref: "./common.yaml#/Problem" } } }
  /pets:
    post:
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } }
      responses:
        "201": { description: made, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } }
components:
  schemas:
    User:
      type: object
      required: [id, name]
      properties:
        id: { type: integer, minimum: 1 }
        name: { type: [string, "null"] }
        role: { enum: [admin, member] }
        manager: { $ref: "#/components/schemas/User" }
    NotFound:
      type: object
      properties: { message: { type: string } }
    Base:
      type: object
      required: [name]
      properties: { name: { type: string, maxLength: 5 } }
    Cat:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties: { kind: { type: string }, lives: { type: integer } }
    Dog:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties: { kind: { type: string }, barks: { type: boolean } }
    Pet:
      oneOf: [{ $ref: "#/components/schemas/Cat" }, { $ref: "#/components/schemas/Dog" }]
      discriminator:
        propertyName: kind
        mapping: { cat: "#/components/schemas/Cat", dog: "#/components/schemas/Dog" }
`
const common = `
Problem:
  type: object
  required: [title]
  properties: { title: { type: string } }
`

describe("SpecLoader.openapi", () => {
  it.effect("imports petstore 3.0: names, methods, paths, servers, bodies and query arrays", () =>
    Effect.gen(function*() {
      const spec = yield* load(Path.join(fixtures, "petstore-3.0.yaml"))
      assert.strictEqual(Object.keys(spec.endpoints).length, 20)
      assert.strictEqual(spec.baseUrl, "http://petstore.swagger.io/v2")
      const get = spec.endpoints.getPetById!
      assert.strictEqual(get.method, "GET")
      assert.strictEqual(get.path, "/pet/{petId}")
      assert.strictEqual(get.description, "Find pet by ID")
      const pet = { id: 7, name: "rex", photoUrls: [], status: "available" }
      const fake = FakeTransport.make((s) => s.url.includes("/pet/7") ? { body: JSON.stringify(pet) } : { body: "[]" })
      const result = yield* Effect.gen(function*() {
        const client = yield* ServiceClient.make(spec, { name: "petstore" })
        const got = yield* client.getPetById({ petId: 7 })
        yield* client.findPetsByStatus({ query: { status: ["available", "sold"] } })
        yield* client.addPet({ payload: { name: "rex", photoUrls: ["a"] } })
        const bad = yield* Effect.flip(client.addPet({ payload: { name: 1 } }))
        return { got, bad }
      }).pipe(Effect.scoped, Effect.provide(fake.layer))
      assert.deepStrictEqual(result.got, pet)
      assert.strictEqual(result.bad._tag, "InputError")
      assert.strictEqual(fake.sent[0]!.url, "http://petstore.swagger.io/v2/pet/7")
      assert.strictEqual(
        fake.sent[1]!.url,
        "http://petstore.swagger.io/v2/pet/findByStatus?status=available&status=sold"
      )
      assert.strictEqual(fake.sent.length, 3) // the bad payload never left
    }))

  it.effect("imports petstore 3.1 to the same endpoints", () =>
    Effect.gen(function*() {
      const v30 = yield* load(Path.join(fixtures, "petstore-3.0.yaml"))
      const v31 = yield* load(Path.join(fixtures, "petstore-3.1.yaml"))
      assert.deepStrictEqual(Object.keys(v31.endpoints).sort(), Object.keys(v30.endpoints).sort())
    }))

  it.effect("3.1 features: styles, headers, renamed tokens, refs to other files, unions, per-status errors", () =>
    Effect.gen(function*() {
      write("common.yaml", common)
      const spec = yield* load(write("features.yaml", features))
      assert.strictEqual(spec.baseUrl, "https://eu.example.test/v1")
      const getOne = spec.endpoints.usersGetOne!
      assert.strictEqual(getOne.path, "/users/{user_id}")
      assert.ok(spec.endpoints.postPets, "a fallback name from the method and path")
      const fake = FakeTransport.make((s) =>
        s.url.includes("/users/1?")
          ? { body: JSON.stringify({ id: 1, name: null, role: "admin", manager: { id: 2, name: "b" } }) }
          : s.url.includes("/users/2")
          ? { status: 404, body: JSON.stringify({ message: "gone" }) }
          : s.url.includes("/users/3")
          ? { status: 409, body: JSON.stringify({ code: "client" }) }
          : s.url.includes("/users/4")
          ? { status: 503, body: JSON.stringify({ title: "down" }) }
          : { status: 201, body: JSON.stringify({ name: "tom", kind: "cat", lives: 9 }) }
      )
      const out = yield* Effect.gen(function*() {
        const client = yield* ServiceClient.make(spec, { name: "features", baseUrl: "http://127.0.0.1:1" })
        const user = yield* client.usersGetOne({
          user_id: 1,
          // a loaded spec is untyped: its query and headers Schemas take what the plain record types refuse
          query: { fields: ["a", "b"], tags: ["x", "y"], ids: [1, 2], filter: { gt: 3 } as never, extra: "kept" },
          headers: { "X-Trace": ["t1", "t2"] as never }
        })
        const e404 = yield* Effect.flip(client.usersGetOne({ user_id: 2 }))
        const e409 = yield* Effect.flip(client.usersGetOne({ user_id: 3 }))
        const e503 = yield* Effect.flip(client.usersGetOne({ user_id: 4 }))
        const badQuery = yield* Effect.flip(client.usersGetOne({ user_id: 1, query: { ids: ["x"] } }))
        const pet = yield* client.postPets({ payload: { name: "tom", kind: "cat", lives: 9 } })
        const badPet = yield* Effect.flip(client.postPets({ payload: { name: "toolong", kind: "cat" } }))
        return { user, e404, e409, e503, badQuery, pet, badPet }
      }).pipe(Effect.scoped, Effect.provide(fake.layer))
      assert.deepStrictEqual(out.user, { id: 1, name: null, role: "admin", manager: { id: 2, name: "b" } })
      assert.strictEqual(
        fake.sent[0]!.url,
        "http://127.0.0.1:1/users/1?fields=a%2Cb&tags=x&tags=y&ids=1%7C2&filter%5Bgt%5D=3&extra=kept"
      )
      assert.strictEqual(fake.sent[0]!.headers["x-trace"], "t1,t2")
      assert.deepStrictEqual(out.e404._tag === "ResponseError" && out.e404.error, { message: "gone" })
      assert.deepStrictEqual(out.e409._tag === "ResponseError" && out.e409.error, { code: "client" })
      assert.deepStrictEqual(out.e503._tag === "ResponseError" && out.e503.error, { title: "down" })
      assert.strictEqual(out.badQuery._tag, "InputError")
      assert.deepStrictEqual(out.pet, { name: "tom", kind: "cat", lives: 9 })
      assert.strictEqual(out.badPet._tag, "InputError")
    }))

  it.effect("a document's servers are only a default: a client's baseUrl wins, none at all is a SpecError", () =>
    Effect.gen(function*() {
      const spec = yield* load(write("noserver.json", JSON.stringify({ openapi: "3.0.3", info: {}, paths: {} })))
      assert.strictEqual(spec.baseUrl, undefined)
      const e = yield* Effect.flip(
        ServiceClient.make(spec, { name: "x" }).pipe(Effect.scoped, Effect.provide(FakeTransport.make().layer))
      )
      assert.strictEqual(e._tag, "SpecError")
      assert.include(e.message, "baseUrl")
    }))

  const unsupported: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["not", { type: "object", properties: { a: { not: { type: "string" } } } }, "/properties/a/not", "\"not\""],
    [
      "patternProperties",
      { type: "object", patternProperties: { "^x": {} } },
      "/patternProperties",
      "patternProperties"
    ],
    ["a URL reference", { $ref: "https://example.test/schema.json" }, "/$ref", "no network"],
    ["a dangling reference", { $ref: "#/components/schemas/Nope" }, "/$ref", "points at nothing"],
    ["a bad pattern", { type: "string", pattern: "(" }, "/pattern", "regular expression"],
    ["a negative maxLength", { type: "string", maxLength: -1 }, "/maxLength", "whole number"]
  ]
  for (const [what, schema, suffix, reason] of unsupported) {
    it.effect(`${what} is a SpecError naming the JSON pointer and the line`, () =>
      Effect.gen(function*() {
        const doc = {
          openapi: "3.0.3",
          info: { title: "t", version: "1" },
          paths: {
            "/a": {
              get: {
                operationId: "getA",
                responses: { "200": { description: "ok", content: { "application/json": { schema } } } }
              }
            }
          }
        }
        const file = write(`bad-${what.replace(/\W/g, "")}.json`, JSON.stringify(doc, null, 2))
        const e = yield* fail(load(file))
        assert.strictEqual(e._tag, "SpecError")
        assert.strictEqual(e.file, file)
        assert.strictEqual(e.key, `#/paths/~1a/get/responses/200/content/application~1json/schema${suffix}`)
        assert.strictEqual(e.endpoint, "getA")
        assert.isNumber(e.line)
        assert.include(e.message, reason)
      }))
  }

  it.effect("cookie parameters, Swagger 2.0 and duplicate names are SpecErrors", () =>
    Effect.gen(function*() {
      const cookie = yield* fail(load(write(
        "cookie.yaml",
        `
openapi: 3.0.0
info: { title: t, version: "1" }
paths:
  /a:
    get:
      operationId: getA
      parameters: [{ name: session, in: cookie, schema: { type: string } }]
      responses: { "204": { description: none } }
`
      )))
      assert.strictEqual(cookie.key, "#/paths/~1a/get/parameters/0/in")
      assert.strictEqual(cookie.endpoint, "getA")
      assert.strictEqual(cookie.line, 8) // the document starts with an empty line
      const swagger = yield* fail(load(write("swagger.json", JSON.stringify({ swagger: "2.0", paths: {} }))))
      assert.include(swagger.reason, "Swagger 2.0")
      const twice = yield* fail(load(write(
        "twice.yaml",
        `
openapi: 3.0.0
info: { title: t, version: "1" }
paths:
  /a: { get: { operationId: get-a, responses: {} } }
  /b: { get: { operationId: getA, responses: {} } }
`
      )))
      assert.include(twice.reason, "already taken by GET /a")
    }))

  it("hostile documents: errors escape control characters and stay bounded", () => {
    const huge = { a: "x".repeat(100_000) }
    const api = OpenApiSpec.parse({
      openapi: "3.0.3",
      paths: {
        "/a\u001b[31m\n": {
          get: {
            responses: { "200": { description: "", content: { "application/json": { schema: { enum: [huge] } } } } }
          }
        }
      }
    })
    assert.ok(Either.isLeft(api))
    if (Either.isLeft(api)) {
      const message = api.left.message
      assert.notMatch(message, /[\u0000-\u001f]/)
      assert.isBelow(message.length, 1_500)
      assert.include(message, "\\u001b")
    }
    const notJson = OpenApiSpec.parse({ openapi: "3.0.3", paths: { "/x": { get: { responses: { "2\u0000": {} } } } } })
    assert.ok(Either.isLeft(notJson) && !/[\u0000]/.test(notJson.left.message))
  })

  it("OpenApiSpec.parse reads a document in memory; another file's $ref needs the loader", () => {
    const api = OpenApiSpec.parse({
      openapi: "3.0.3",
      info: { title: "Mem", version: "2" },
      paths: { "/x": { get: { operationId: "call", responses: {} } } }
    })
    assert.ok(Either.isRight(api))
    if (Either.isRight(api)) {
      assert.strictEqual(api.right.title, "Mem")
      assert.strictEqual(api.right.operations[0]!.name, "call_", "a reserved name gets a trailing _")
    }
    const external = OpenApiSpec.parse({
      openapi: "3.0.3",
      paths: {
        "/x": {
          get: {
            responses: {
              "200": { description: "", content: { "application/json": { schema: { $ref: "o.yaml#/A" } } } }
            }
          }
        }
      }
    })
    assert.ok(Either.isLeft(external) && external.left.reason.includes("SpecLoader.openapi"))
  })
})

describe("overlays", () => {
  const v1 = `
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { "200": { description: ok, content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } } }
  /items:
    get: { operationId: listItems, responses: {} }
`
  it.effect("a spec file extending a document sets per-endpoint policy that survives a new version", () =>
    Effect.gen(function*() {
      const doc = write("overlay/api.openapi.yaml", v1)
      const overlay = write(
        "overlay/policy.yaml",
        `
extends: api.openapi.yaml
getItem:
  timeout: 2 seconds
  retry: { maxAttempts: 3 }
  logger: { hiddenResponseBody: true }
  mock: { type: json, data: { id: 1 } }
health: /health
`
      )
      const spec = yield* loadSpec(overlay)
      const getItem = spec.endpoints.getItem!
      // the plugins' settings are kept as written, for the client's plugins to decode
      const settings = getItem as unknown as Record<string, unknown>
      assert.strictEqual(settings.timeout, "2 seconds")
      assert.deepStrictEqual(settings.retry, { maxAttempts: 3 })
      assert.deepStrictEqual(settings.logger, { hiddenResponseBody: true })
      assert.strictEqual(getItem.path, "/items/{id}")
      assert.ok(getItem.success, "the document's Schemas stay")
      assert.strictEqual(Schema.decodeUnknownSync(getItem.success!)({ id: 1 }).id, 1)
      assert.strictEqual(spec.endpoints.health!.path, "/health")
      assert.ok(spec.endpoints.listItems)
      // version 2 of the document adds an operation: the overlay still applies
      Fs.writeFileSync(doc, v1 + "  /other:\n    get: { operationId: other, responses: {} }\n")
      const again = yield* loadSpec(overlay)
      assert.strictEqual((again.endpoints.getItem as unknown as Record<string, unknown>).timeout, "2 seconds")
      assert.ok(again.endpoints.other)
    }))

  it.effect("an overlay entry for an operation that no longer exists is a SpecError with its line", () =>
    Effect.gen(function*() {
      write("stale/api.openapi.yaml", v1)
      const overlay = write(
        "stale/policy.yaml",
        `extends: api.openapi.yaml
getItem: { timeout: 1000 }
getItems: { timeout: 1000 }
`
      )
      const e = yield* fail(loadSpec(overlay))
      assert.strictEqual(e.endpoint, "getItems")
      assert.strictEqual(e.file, overlay)
      assert.strictEqual(e.line, 3)
      assert.include(e.reason, "no operation named \"getItems\"")
      const bad = write(
        "stale/bad.yaml",
        `extends: api.openapi.yaml
getItem: { redirect: soon }
`
      )
      const e2 = yield* fail(loadSpec(bad))
      assert.strictEqual(e2.key, "redirect")
      assert.strictEqual(e2.endpoint, "getItem")
    }))
})
