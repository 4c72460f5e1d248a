/**
 * Spec files that are not spec files: nested far too deep (the parsers and everything
 * that walks the data recurse), endless (`/dev/zero`), not regular files (a FIFO, a
 * directory), too large. Each is a `SpecError` naming the file, quickly, and the process
 * survives loading them again and again; a normal spec still loads.
 */
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ClientConfig, type Errors, SpecLoader } from "@service-client/core"
import { Cause, Effect, Exit } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const specs = fileURLToPath(new URL("../packages/core/test/fixtures/specs/", import.meta.url))
const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "spec-limits-"))
const write = (name: string, text: string) => {
  const file = Path.join(tmp, name)
  Fs.writeFileSync(file, text)
  return file
}

const deepArrays = "[".repeat(200_000) + "]".repeat(200_000)
const deepObjects = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)
const deepBlock = "- ".repeat(100_000) + "x\n"

/** Loads `file` and returns its SpecError (any other outcome fails the test). */
const specError = (load: Effect.Effect<unknown, unknown, any>, file: string) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(load.pipe(Effect.provide(NodeContext.layer)))
    if (Exit.isSuccess(exit) || !Cause.isFailType(exit.cause)) assert.fail(`${file}: ${String(exit)}`)
    const error = exit.cause.error as Errors.SpecError
    assert.strictEqual(error._tag, "SpecError", String(error))
    assert.strictEqual(error.file, Path.resolve(file))
    const message = error.message
    assert.include(message, Path.resolve(file))
    assert.isBelow(message.length, 1000)
    assert.notMatch(message, /[\u0000-\u001f\u007f-\u009f]/)
    return error
  })

const loads = (file: string) => SpecLoader.fromFile(file).pipe(Effect.provide(NodeContext.layer))

describe("spec files nested too deep", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["arrays.json", deepArrays],
    ["objects.json", deepObjects],
    ["arrays.yaml", deepArrays],
    ["objects.yaml", deepObjects],
    ["block.yaml", deepBlock]
  ]
  for (const [name, text] of cases) {
    it.effect(`${name} is a SpecError, again and again, quickly`, () =>
      Effect.gen(function*() {
        const file = write(name, text)
        const started = Date.now()
        for (let i = 0; i < 5; i++) {
          const error = yield* specError(SpecLoader.fromFile(file), file)
          assert.include(error.reason, "nested deeper than")
          assert.isNumber(error.line)
        }
        assert.isBelow(Date.now() - started, 10_000)
      }))
  }

  it.effect("SpecLoader.json and SpecLoader.yaml refuse it too", () =>
    Effect.gen(function*() {
      const file = write("deep.txt", deepArrays)
      yield* specError(SpecLoader.json(file), file)
      yield* specError(SpecLoader.yaml(file), file)
    }))

  it.effect("in a file reached through extends", () =>
    Effect.gen(function*() {
      write("deep-base.json", deepObjects)
      const file = write("extends-deep.yaml", "extends: deep-base.json\nping: /ping\n")
      const error = yield* specError(SpecLoader.fromFile(file), Path.join(tmp, "deep-base.json"))
      assert.include(error.reason, "nested deeper than")
    }))

  it.effect("nesting real specs have (100 levels of mock data) loads as before", () =>
    Effect.gen(function*() {
      const data = JSON.parse("{\"a\":".repeat(100) + "1" + "}".repeat(100))
      const spec = { getUser: { path: "/user", mock: { type: "json", data } } }
      for (const file of [write("nested.json", JSON.stringify(spec)), write("nested.yaml", JSON.stringify(spec))]) {
        const loaded = yield* loads(file)
        assert.deepStrictEqual(Object.keys(loaded.endpoints), ["getUser"])
        assert.deepStrictEqual((loaded.endpoints.getUser!.mock as any).data, data)
      }
      let block = "getUser:\n  path: /user\n  mock:\n    type: json\n    data:\n"
      for (let i = 0; i < 100; i++) block += " ".repeat(6 + 2 * i) + "a:\n"
      block += " ".repeat(206) + "b\n"
      const loaded = yield* loads(write("indented.yaml", block))
      assert.deepStrictEqual(Object.keys(loaded.endpoints), ["getUser"])
    }))
})

describe("spec paths that are not regular files", () => {
  it.effect("/dev/zero is a SpecError", () =>
    Effect.gen(function*() {
      const error = yield* specError(SpecLoader.fromFile("/dev/zero"), "/dev/zero")
      assert.include(error.reason, "not a regular file")
      yield* specError(SpecLoader.json("/dev/zero"), "/dev/zero")
    }), { skip: !Fs.existsSync("/dev/zero") })

  it.effect("extends: /dev/zero is a SpecError naming /dev/zero", () =>
    Effect.gen(function*() {
      const file = write("extends-zero.yaml", "extends: /dev/zero\nping: /ping\n")
      const error = yield* specError(SpecLoader.fromFile(file), "/dev/zero")
      assert.include(error.reason, "not a regular file")
    }), { skip: !Fs.existsSync("/dev/zero") })

  it.effect("a config naming /dev/zero is a SpecError", () =>
    Effect.gen(function*() {
      yield* specError(ClientConfig.fromFile("/dev/zero"), "/dev/zero")
    }), { skip: !Fs.existsSync("/dev/zero") })

  it.effect("a FIFO is a SpecError (no wait for a writer)", () =>
    Effect.gen(function*() {
      const fifo = Path.join(tmp, "pipe.yaml")
      ChildProcess.execFileSync("mkfifo", [fifo])
      const error = yield* specError(SpecLoader.fromFile(fifo), fifo)
      assert.include(error.reason, "FIFO")
      const file = write("extends-fifo.yaml", "extends: pipe.yaml\nping: /ping\n")
      yield* specError(SpecLoader.fromFile(file), fifo)
    }), { skip: process.platform === "win32" })

  it.effect("a directory is a SpecError", () =>
    Effect.gen(function*() {
      const error = yield* specError(SpecLoader.fromFile(tmp), tmp)
      assert.include(error.reason, "directory")
    }))

  it.effect("a file over 64 MiB is a SpecError, refused before it is read", () =>
    Effect.gen(function*() {
      const file = Path.join(tmp, "huge.yaml")
      Fs.writeFileSync(file, "")
      Fs.truncateSync(file, 64 * 1024 * 1024 + 1) // sparse: nothing written
      const error = yield* specError(SpecLoader.fromFile(file), file)
      assert.include(error.reason, "larger than")
      const child = write("extends-huge.yaml", "extends: huge.yaml\nping: /ping\n")
      yield* specError(SpecLoader.fromFile(child), file)
    }))

  it.effect("a normal spec still loads", () =>
    Effect.gen(function*() {
      for (const name of ["users.yaml", "users.json", "child.yaml"]) {
        const spec = yield* loads(Path.join(specs, name))
        assert.include(Object.keys(spec.endpoints), "getUser")
      }
    }))
})

describe("a FileSystem that only reads files", () => {
  it.effect("a spec loads through readFileString alone, and the nesting limit holds there too", () =>
    Effect.gen(function*() {
      const files: Record<string, string> = {
        "/specs/users.yaml": "getUser: /users/{id}\n",
        "/specs/deep.json": deepArrays
      }
      const fs = FileSystem.layerNoop({
        readFileString: (path) =>
          path in files ? Effect.succeed(files[path]!) : Effect.fail(new Error(`no file ${path}`) as any)
      })
      const spec = yield* SpecLoader.yaml("/specs/users.yaml").pipe(Effect.provide(fs))
      assert.deepStrictEqual(Object.keys(spec.endpoints), ["getUser"])
      const deep = yield* Effect.exit(SpecLoader.json("/specs/deep.json").pipe(Effect.provide(fs)))
      assert.isTrue(Exit.isFailure(deep))
      assert.include(String(Cause.squash((deep as Exit.Failure<unknown, unknown>).cause)), "nested deeper than")
    }))
})
