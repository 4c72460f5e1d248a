import { assert, describe, it } from "@effect/vitest"
import { Redact, Render } from "@service-client/core"
import * as fc from "fast-check"

/** Characters that would end or disguise a log line. */
const lineBreaking =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|(?:[\ud800-\udbff](?![\udc00-\udfff]))|(?:(?<![\ud800-\udbff])[\udc00-\udfff])/

const oneLine = (s: string) => assert.isFalse(lineBreaking.test(s), `not one clean line: ${JSON.stringify(s)}`)

/** Any string, with the troublesome characters made likely. */
const hostileString = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({
    unit: fc.constantFrom(
      "\n",
      "\r",
      "\t",
      "\u0000",
      "\u001b",
      "\u0085",
      "\u009b",
      "\u2028",
      "\u2029",
      "\ud800",
      "\udc00",
      "a",
      "é",
      "😀",
      "\\",
      "\""
    )
  })
)

/** Objects that misbehave when looked at. */
const exotic = fc.constantFrom<() => unknown>(
  () => {
    const o: Record<string, unknown> = { a: 1 }
    o.self = o
    return o
  },
  () => ({
    get boom() {
      throw new Error("getter")
    },
    ok: 1
  }),
  () => ({
    toJSON() {
      throw new Error("toJSON")
    }
  }),
  () => ({
    toJSON() {
      return this
    }
  }),
  () => {
    let n = 0
    const grow = (): unknown => ({ toJSON: () => ({ n: n++, next: grow() }) })
    return grow()
  },
  () => {
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {})
    revoke()
    return proxy
  },
  () =>
    new Proxy({}, {
      ownKeys() {
        throw new Error("ownKeys")
      }
    }),
  () =>
    new Proxy([1, 2], {
      get() {
        throw new Error("get")
      }
    }),
  () => ({ n: 10n ** 30n, s: Symbol("x\ny"), f: function named() {} }),
  () => [Symbol("a"), () => 1, undefined, 1n],
  () => new Map<unknown, unknown>([[{ k: 1 }, "v"], ["a\nb", new Set([1, 2])]]),
  () => new Uint8Array([0, 1, 2, 0x0a]),
  () => new Float64Array(4),
  () => new ArrayBuffer(8),
  () => new Date(NaN),
  () => Object.create(null),
  () => new Error("bad\nline"),
  () => {
    let deep: unknown = "end"
    for (let i = 0; i < 20_000; i++) deep = [deep]
    return deep
  },
  () => {
    let deep: Record<string, unknown> = {}
    const top = deep
    for (let i = 0; i < 20_000; i++) deep = (deep.x = {}) as Record<string, unknown>
    return top
  },
  () => Array.from({ length: 200_000 }, (_, i) => ({ i })),
  () => ({ big: "x\n".repeat(1_000_000) })
)

/** Values to render, made inside the property (fast-check itself cannot hold a revoked Proxy). */
const anyValue = fc.oneof(
  fc.anything({
    withBigInt: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withDate: true,
    withNullPrototype: true,
    withSparseArray: true,
    withObjectString: true
  }).map((u) => () => u),
  exotic,
  hostileString.map((s) => () => s)
)

describe("Render", () => {
  it("escape: the result is one clean line; a clean string comes back as it is", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const out = Render.escape(s)
        oneLine(out)
        assert.strictEqual(Render.needsEscape(s), out !== s)
        if (!lineBreaking.test(s)) assert.strictEqual(out, s)
      }),
      { numRuns: 500 }
    )
    assert.strictEqual(Render.escape("a\r\nb\u001b[31m\u2028\ud800😀"), "a\\r\\nb\\u001b[31m\\u2028\\ud800😀")
  })

  it("value: any value renders bounded, on one line, without throwing", () => {
    fc.assert(
      fc.property(anyValue, fc.integer({ min: 0, max: 2000 }), (make, max) => {
        const out = Render.value(make(), { maxLength: max })
        oneLine(out)
        // at most max characters, escaped (6 per character at worst), plus the cut's mark
        assert.isAtMost(out.length, max * 6 + 40)
      }),
      { numRuns: 300 }
    )
  })

  it("value: plain JSON data renders as JSON.stringify writes it (a string alone as its text)", () => {
    assert.strictEqual(Render.value("a\nb"), "a\\nb")
    fc.assert(
      fc.property(fc.jsonValue().filter((u) => typeof u !== "string"), (u) => {
        const json = JSON.stringify(u)
        assert.strictEqual(Render.value(u, { maxLength: Infinity }), Render.escape(json))
      }),
      { numRuns: 500 }
    )
    // hostile keys and strings: quoted as JSON.stringify quotes them, then escaped
    fc.assert(
      fc.property(hostileString, hostileString, (k, v) => {
        const u = { [k]: v, list: [v, k] }
        assert.strictEqual(Render.value(u, { maxLength: Infinity }), Render.escape(JSON.stringify(u)))
      }),
      { numRuns: 500 }
    )
  })

  it("value: a cut output is the start of the whole one, keys cut at the budget as before", () => {
    const key = fc.string({ unit: fc.constantFrom("a", "b", "_", "\u00e9", "\"", "\n"), minLength: 1, maxLength: 70 })
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.oneof(fc.integer(), fc.string({ maxLength: 20 })), { maxKeys: 40 }),
        fc.integer({ min: 0, max: 400 }),
        (u, max) => {
          const whole = Render.value(u, { maxLength: Infinity })
          const out = Render.value(u, { maxLength: max })
          if (whole.length <= max) assert.strictEqual(out, whole)
          else assert.strictEqual(out.slice(0, out.indexOf("…<CUT")), whole.slice(0, out.indexOf("…<CUT")))
        }
      ),
      { numRuns: 500 }
    )
    // a key past the budget is cut, its quote closed
    const long = "k".repeat(300)
    assert.strictEqual(Render.value({ [long]: 1 }, { maxLength: 10 }), `{"${"k".repeat(10 - 2)}…<CUT>`)
  })

  it("value: markers for what JSON cannot say", () => {
    const cyclic: Record<string, unknown> = { id: 1 }
    cyclic.self = cyclic
    assert.strictEqual(Render.value(cyclic), "{\"id\":1,\"self\":\"[Circular]\"}")
    assert.strictEqual(Render.value({ n: 2n ** 64n }), "{\"n\":18446744073709551616}")
    assert.strictEqual(
      Render.value({
        get x() {
          throw new Error("no")
        },
        y: 1
      }),
      "{\"x\":\"[Threw]\",\"y\":1}"
    )
    assert.strictEqual(Render.value({ b: new Uint8Array(3) }), "{\"b\":\"<3 bytes>\"}")
    assert.strictEqual(Render.value(new Error("a\nb")), "\"Error: a\\nb\"")
    assert.strictEqual(Render.value([[[1]]], { maxDepth: 2 }), "[[[…]]]")
    assert.strictEqual(Render.value("x".repeat(10), { maxLength: 4 }), "xxxx…<CUT 10 chars>")
    assert.match(Render.value(Array.from({ length: 100_000 }, () => 1), { maxLength: 10 }), /^\[1,1,1,1,1…<CUT>$/)
    // secret keys redacted in the same bounded walk (null and undefined say nothing)
    const secret = Redact.make({ query: ["token"], defaults: false }) as Redact.Redaction
    assert.strictEqual(
      Render.value({ a: 1, token: "S3CR", n: { token: [1] }, m: new Map([["token", "x"]]), z: { token: null } }, {
        redact: secret
      }),
      `{"a":1,"token":"<REDACTED>","n":{"token":"<REDACTED>"},"m":{"token":"<REDACTED>"},"z":{"token":null}}`
    )
    // at most 3 characters shown, escapes included: the LF's escape would not fit whole
    assert.strictEqual(Render.text(new TextEncoder().encode("ab\ncd"), 3), "ab…<CUT 5 bytes>")
    assert.strictEqual(Render.text(new TextEncoder().encode("ab\ncd"), 4), "ab\\n…<CUT 5 bytes>")
    assert.strictEqual(Render.text("\u001b".repeat(100), 20), "\\u001b\\u001b\\u001b…<CUT 100 chars>")
  })
})
