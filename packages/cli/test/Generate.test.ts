import type { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ServiceClient, type Session, SpecLoader, Transport } from "@service-client/core"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Cli from "../src/Cli.js"
import * as GenerateCommand from "../src/GenerateCommand.js"
import * as Clashes from "./generated/clashes.js"
import * as Features from "./generated/features.js"
import * as Petstore from "./generated/petstore.js"

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const petstoreDoc = here("../../core/test/fixtures/openapi/petstore-3.0.yaml")
const featuresDoc = here("./fixtures/features.yaml")
const clashesDoc = here("./fixtures/clashes.yaml")
const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "oapi-cli-"))
// Cli.layer: NodeContext plus the transport the call/record/verify commands need
const run = <A, E>(effect: Effect.Effect<A, E, NodeContext.NodeContext | Transport.Transport>) =>
  effect.pipe(Effect.provide(Cli.layer))

/** A transport answering from a function, keeping what was sent (no network). */
const recording = (answer: (url: string) => { status?: number; body: string }) => {
  const sent: Array<
    { method: string; url: string; headers: Record<string, string | null>; body: Session.RequestBody }
  > = []
  const layer = Layer.succeed(
    Transport.Transport,
    Transport.make((session) =>
      Effect.sync(() => {
        sent.push({ method: session.method, url: session.url, headers: { ...session.headers }, body: session.body })
        return { ...answer(session.url), headers: { "content-type": "application/json" } }
      })
    )
  )
  return { sent, layer }
}

describe("service-client generate", () => {
  it.effect("the committed modules are what the generator writes today (--check passes)", () =>
    run(Effect.gen(function*() {
      yield* GenerateCommand.generate({ document: petstoreDoc, output: here("./generated/petstore.ts"), check: true })
      yield* GenerateCommand.generate({ document: featuresDoc, output: here("./generated/features.ts"), check: true })
      yield* GenerateCommand.generate({
        document: clashesDoc,
        output: here("./generated/clashes.ts"),
        name: "Model",
        check: true
      })
    })))

  it.effect("writes a module through the command line; --check fails when it is stale or missing", () =>
    run(Effect.gen(function*() {
      const out = Path.join(tmp, "src", "petstore.ts")
      yield* Cli.run(["node", "service-client", "generate", petstoreDoc, "-o", out])
      const text = Fs.readFileSync(out, "utf8")
      assert.include(text, "export interface Pet {")
      assert.include(text, "export const Pet: Schema.Schema<Pet> = S.struct({")
      assert.include(text, "export const Api: Spec.Spec<ApiEndpoints> = S.spec({")
      yield* Cli.run(["node", "service-client", "generate", petstoreDoc, "-o", out, "--check"])
      Fs.writeFileSync(out, text.replace("Swagger Petstore", "Old Petstore"))
      const stale = yield* Effect.flip(
        Cli.run(["node", "service-client", "generate", petstoreDoc, "-o", out, "--check"])
      )
      assert.strictEqual(stale._tag, "StaleFile")
      assert.include(stale._tag === "StaleFile" ? stale.message : "", "is stale: run service-client generate")
      assert.strictEqual(Fs.readFileSync(out, "utf8").includes("Old Petstore"), true, "--check writes nothing")
      const missing = yield* Effect.flip(
        GenerateCommand.generate({ document: petstoreDoc, output: Path.join(tmp, "none.ts"), check: true })
      )
      assert.isTrue(missing._tag === "StaleFile" && missing.missing)
    })))

  it.effect("a document it cannot import fails with the SpecError, and writes nothing", () =>
    run(Effect.gen(function*() {
      const doc = Path.join(tmp, "bad.yaml")
      Fs.writeFileSync(doc, "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: [{ name: s, in: cookie }]\n")
      const out = Path.join(tmp, "bad.ts")
      const e = yield* Effect.flip(GenerateCommand.generate({ document: doc, output: out }))
      assert.strictEqual(e._tag, "SpecError")
      assert.include(e.message, "cookie parameters are not supported")
      assert.isFalse(Fs.existsSync(out))
    })))

  it.effect("a generated module sends the same wire as the runtime import of its document", () =>
    run(Effect.gen(function*() {
      const answer = (url: string) =>
        url.includes("/users/")
          ? { body: JSON.stringify({ id: 1, name: null, manager: { id: 2, name: "m" } }) }
          : { status: 201, body: JSON.stringify({ name: "tom", kind: "cat", lives: 9 }) }
      const calls = (api: typeof Features.Api) =>
        Effect.gen(function*() {
          const client = yield* ServiceClient.make(api, { name: "features", baseUrl: "http://127.0.0.1:1" })
          const user = yield* client.usersGetOne({
            user_id: 1,
            query: { fields: ["a", "b"], ids: [1, 2], filter: { gt: 3 } },
            headers: { "X-Trace": ["t1", "t2"] }
          })
          const pet = yield* client.postPets({ payload: { name: "tom", kind: "cat", lives: 9 } })
          return { user: { ...user }, pet }
        }).pipe(Effect.scoped)
      const generated = recording(answer)
      const fromModule = yield* calls(Features.Api).pipe(Effect.provide(generated.layer))
      const loaded = recording(answer)
      const spec = yield* SpecLoader.openapi(featuresDoc)
      const fromLoader = yield* calls(spec as unknown as typeof Features.Api).pipe(Effect.provide(loaded.layer))
      assert.deepStrictEqual(generated.sent, loaded.sent)
      assert.strictEqual(
        generated.sent[0]!.url,
        "http://127.0.0.1:1/users/1?fields=a%2Cb&ids=1%7C2&filter%5Bgt%5D=3"
      )
      assert.deepStrictEqual(fromModule.pet, fromLoader.pet)
      assert.deepStrictEqual(fromModule.user, { id: 1, name: null, manager: fromModule.user.manager })
      assert.deepStrictEqual(fromModule.user, fromLoader.user, "the module decodes as the loader does")
    })))

  it.effect("a document naming its definitions as the module's own names: renamed, and the module works as the loader", () =>
    run(Effect.gen(function*() {
      // (the module type-checks: tsc -b checks it, and generated.types.ts its types)
      const text = Fs.readFileSync(here("./generated/clashes.ts"), "utf8")
      const exported = [...text.matchAll(/^export (?:const|type|interface) (\w+)/gm)].map((m) => m[1]!)
      assert.strictEqual(
        exported.length,
        2 * new Set(exported).size - 2,
        "each definition's name once as a type and once as a value, the spec's and its type's once"
      )
      for (const own of ["Endpoint", "Errors", "OpenApi", "Spec", "Schema", "RegExp", "ReadonlyArray", "Array"]) {
        assert.notInclude(exported, own)
        assert.include(exported, `${own}_`)
      }
      assert.include(text, "class S_ extends OpenApi.Builders {}", "the builders' class makes way for S")
      assert.include(text, "export const Model: Spec.Spec<ModelEndpoints_> = S_.spec({")
      assert.include(text, "export const Model_: Schema.Schema<Model_> = ", "the definition makes way for the spec")
      assert.include(text, ".annotations({ identifier: \"Model\" })", "its identifier stays the loader's")
      assert.includeMembers(exported, [
        "FooBar",
        "FooBar2",
        "FooBar3",
        "Default",
        "_123",
        "Effect",
        "S",
        "ApiEndpoints"
      ])
      const answer = () => ({
        body: JSON.stringify({ name: "abc", endpoint: { next: { path: "p" } }, array: [1], record: { a: [2] } })
      })
      const calls = (api: typeof Clashes.Model) =>
        Effect.gen(function*() {
          const client = yield* ServiceClient.make(api, { name: "clashes", baseUrl: "http://127.0.0.1:1" })
          const got = yield* client.default({ class: "c", query: { delete: "d" }, headers: { new: "n" } })
          const all = yield* client.api()
          const made = yield* client.class({ class: "c", payload: { class: "k", default: 1 } })
          return { got, all, made }
        }).pipe(Effect.scoped)
      const generated = recording(answer)
      const fromModule = yield* calls(Clashes.Model).pipe(Effect.provide(generated.layer))
      const loaded = recording(answer)
      const spec = yield* SpecLoader.openapi(clashesDoc)
      assert.deepStrictEqual(Object.keys(spec.endpoints), Object.keys(Clashes.Model.endpoints))
      const fromLoader = yield* calls(spec as unknown as typeof Clashes.Model).pipe(Effect.provide(loaded.layer))
      assert.deepStrictEqual(generated.sent, loaded.sent)
      assert.strictEqual(generated.sent[0]!.url, "http://127.0.0.1:1/things/c?delete=d")
      assert.strictEqual(generated.sent[0]!.headers["new"], "n")
      assert.deepStrictEqual(fromModule, fromLoader, "the module decodes as the loader does")
      assert.deepStrictEqual(fromModule.all.array, [1])
      // the pattern of a definition beside one named RegExp still checks
      const bad = recording(() => ({ body: JSON.stringify({ name: "ABC" }) }))
      const failed = yield* Effect.flip(calls(Clashes.Model).pipe(Effect.provide(bad.layer)))
      assert.include(String(failed), "^[a-z]+$")
    })))

  it.effect("a spec's name the module cannot export is a SpecError, and nothing is written", () =>
    run(Effect.gen(function*() {
      const out = Path.join(tmp, "named.ts")
      for (
        const [name, problem] of [
          ["default", "is a reserved word"],
          ["1api", "is not an identifier"],
          ["my-api", "is not an identifier"],
          ["Errors", "is a name the module imports or uses"],
          ["Schema", "is a name the module imports or uses"]
        ]
      ) {
        const e = yield* Effect.flip(GenerateCommand.generate({ document: featuresDoc, output: out, name }))
        assert.strictEqual(e._tag, "SpecError")
        assert.include(e.message, `the spec's name "${name}" ${problem}`)
      }
      assert.isFalse(Fs.existsSync(out))
      yield* Cli.run(["node", "service-client", "generate", featuresDoc, "-o", out, "--name", "User"])
      assert.include(Fs.readFileSync(out, "utf8"), "export const User: Spec.Spec<UserEndpoints> = S.spec({")
      assert.include(Fs.readFileSync(out, "utf8"), "export interface User_ {")
    })))

  it.effect("--operations and --tags keep the operations named or tagged, and the definitions they use", () =>
    run(Effect.gen(function*() {
      const out = Path.join(tmp, "selected.ts")
      yield* Cli.run([
        "node",
        "service-client",
        "generate",
        featuresDoc,
        "-o",
        out,
        "--operations",
        "users/get-one, postPets",
        "--tags",
        "admin"
      ])
      const text = Fs.readFileSync(out, "utf8")
      const names = [...text.matchAll(/^ {2}(\w+): S\.endpoint\(/gm)].map((m) => m[1])
      // by operationId, by endpoint name (postPets has no operationId), by tag
      assert.deepStrictEqual(names, ["usersGetOne", "postPets", "reportsDelete"])
      assert.include(text, "Only the selected operations (3): --operations users/get-one,postPets --tags admin")
      assert.include(text, "export interface User {", "a definition an operation uses is kept")
      assert.notInclude(text, "readonly search:")
      yield* Cli.run(["node", "service-client", "generate", featuresDoc, "-o", out, "--tags", "reports"])
      const reports = [...Fs.readFileSync(out, "utf8").matchAll(/^ {2}(\w+): S\.endpoint\(/gm)].map((m) => m[1])
      assert.deepStrictEqual(reports, ["reportsUpload", "reportsCreate", "reportsDelete"])
      assert.notInclude(Fs.readFileSync(out, "utf8"), "export interface User {", "no definition is used")
      // the loader selects the same way
      const spec = yield* SpecLoader.openapi(featuresDoc, { operations: ["search"], tags: ["admin"] })
      assert.deepStrictEqual(Object.keys(spec.endpoints), ["search", "reportsDelete"])
    })))

  it.effect("an operation or a tag the document does not have is a SpecError naming it, and nothing is written", () =>
    run(Effect.gen(function*() {
      const out = Path.join(tmp, "unknown.ts")
      const op = yield* Effect.flip(
        Cli.run(["node", "service-client", "generate", featuresDoc, "-o", out, "--operations", "search,users/get-all"])
      )
      assert.strictEqual(op._tag, "SpecError")
      const message = op._tag === "SpecError" ? op.message : ""
      assert.include(message, "no operation \"users/get-all\"")
      assert.include(message, "close names: users/get-one")
      const tag = yield* Effect.flip(
        GenerateCommand.generate({ document: featuresDoc, output: out, tags: ["billing"] })
      )
      assert.strictEqual(tag._tag, "SpecError")
      assert.include(tag.message, "the tag \"billing\"; its tags: search, reports, admin")
      assert.isFalse(Fs.existsSync(out))
      const loaded = yield* Effect.flip(SpecLoader.openapi(featuresDoc, { operations: ["nope"] }))
      assert.include(loaded.message, "no operation \"nope\"")
    })))

  it.effect("a GET's request body is left out by the generator and the loader alike, and told", () =>
    run(Effect.gen(function*() {
      const api = yield* SpecLoader.openapiModel(featuresDoc)
      const search = api.operations.find((op) => op.name === "search")!
      assert.strictEqual(search.body, undefined)
      assert.strictEqual(search.ignoredBody, "application/x-www-form-urlencoded")
      assert.strictEqual(
        GenerateCommand.ignoredBodies(api),
        "warning: 1 GET/HEAD operation of the document declares a request body, left out (a GET or HEAD request carries none): search"
      )
      const text = yield* GenerateCommand.render({ document: featuresDoc, output: Path.join(tmp, "f.ts") })
      assert.include(text, "1 GET/HEAD operation of the document declares a request body: left out")
      assert.include(
        text,
        "The document gives this GET operation a request body (\"application/x-www-form-urlencoded\")"
      )
      assert.strictEqual(
        Features.Api.endpoints.search.payload,
        undefined,
        "the module's endpoint has no payload Schema"
      )
      const spec = yield* SpecLoader.openapi(featuresDoc)
      assert.strictEqual(spec.endpoints.search!.payload, undefined, "nor has the loader's")
      // a DELETE's body is kept: the client sends it
      assert.isDefined(spec.endpoints.reportsDelete!.payload)
      assert.isDefined(Features.Api.endpoints.reportsDelete.payload)
    })))

  it.effect("the petstore module's default baseUrl is the document's server", () =>
    Effect.sync(() => {
      assert.strictEqual(Petstore.Api.baseUrl, "http://petstore.swagger.io/v2")
      assert.strictEqual(Object.keys(Petstore.Api.endpoints).length, 20)
    }))
})
