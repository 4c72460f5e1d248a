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
import * as Features from "./generated/features.js"
import * as Petstore from "./generated/petstore.js"

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const petstoreDoc = here("../../core/test/fixtures/openapi/petstore-3.0.yaml")
const featuresDoc = here("./fixtures/features.yaml")
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
    })))

  it.effect("writes a module through the command line; --check fails when it is stale or missing", () =>
    run(Effect.gen(function*() {
      const out = Path.join(tmp, "src", "petstore.ts")
      yield* Cli.run(["node", "service-client", "generate", petstoreDoc, "-o", out])
      const text = Fs.readFileSync(out, "utf8")
      assert.include(text, "export interface Pet {")
      assert.include(text, "export const Pet: Schema.Schema<Pet> = OpenApi.struct({")
      assert.include(text, "export const Api = Spec.make({")
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

  it.effect("the petstore module's default baseUrl is the document's server", () =>
    Effect.sync(() => {
      assert.strictEqual(Petstore.Api.baseUrl, "http://petstore.swagger.io/v2")
      assert.strictEqual(Object.keys(Petstore.Api.endpoints).length, 20)
    }))
})
