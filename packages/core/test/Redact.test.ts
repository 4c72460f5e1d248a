import { assert, describe, it } from "@effect/vitest"
import { Redact, Render } from "@service-client/core"
import * as fc from "fast-check"

const secretChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const secret = fc.string({ unit: fc.constantFrom(...secretChars), minLength: 6, maxLength: 20 }).map((s) => `S3CR${s}`)
const secretName = fc.constantFrom(
  "password",
  "access_token",
  "accessToken",
  "API-KEY",
  "client_secret",
  "token",
  "Authorization",
  "x-api-key",
  "refresh_token"
)
const plainName = fc.constantFrom("name", "id", "note", "items", "tokenizer", "a b", "déjà", "__proto__x")

/** A JSON value holding secrets under secret names at any depth (also objects and arrays as a secret's value). */
/** Whether no object inside `u` has a secret-named key (fast-check's JSON values draw keys like "key"). */
const noSecretKey = (u: unknown): boolean =>
  typeof u !== "object" || u === null ||
  Object.entries(u).every(([k, v]) => !Redact.isSecretField(Redact.defaults, k) && noSecretKey(v))

const withSecrets = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(plainName, tie("value"), { maxKeys: 3 }),
    tie("secretField")
  ),
  secretField: fc.tuple(
    secretName,
    fc.oneof(secret, secret.map((s) => ({ inner: s })), secret.map((s) => [s, 1]), fc.integer({ min: 1e6 }).map(String))
      .map((v) => (typeof v === "string" && !v.startsWith("S3CR") ? `S3CR${v}` : v)),
    fc.dictionary(plainName, tie("value"), { maxKeys: 2 })
  ).map(([name, value, rest]) => ({ ...rest, [name]: value }))
})).value

describe("Redact", () => {
  it("text: no secret-named field's value shows in a JSON body, however deep, or cut anywhere", () =>
    fc.assert(
      fc.property(withSecrets, fc.nat(), fc.integer({ min: 0, max: 2 }), (value, cut, indent) => {
        const json = JSON.stringify(value, null, indent)
        const prefix = json.slice(0, cut % (json.length + 1))
        assert.notInclude(Redact.text(json), "S3CR")
        assert.notInclude(Redact.text(prefix), "S3CR")
      }),
      { numRuns: 300 }
    ))

  it("text: form, query and header-like text", () => {
    assert.strictEqual(
      Redact.text("a=1&access_token=S3CRx&b=2"),
      "a=1&access_token=<REDACTED>&b=2"
    )
    assert.strictEqual(Redact.text("Authorization: Bearer S3CRx\nx: 1"), "Authorization: <REDACTED>\nx: 1")
    // a secret header's line is secret to its end; bracketed names are read by their last name part
    assert.strictEqual(Redact.text("Cookie: a=1; sid=S3CRx\r\nx: 1"), "Cookie: <REDACTED>\r\nx: 1")
    assert.strictEqual(
      Redact.text("token[]=S3CRa&auth[token][]=S3CRb&api_key[0]=S3CRc&page=2"),
      "token[]=<REDACTED>&auth[token][]=<REDACTED>&api_key[0]=<REDACTED>&page=2"
    )
    assert.strictEqual(Redact.text(`{"a\\":"x","password" : "S3CRx"}`), `{"a\\":"x","password" : "<REDACTED>"}`)
    assert.strictEqual(Redact.text("password: 'S3CR x'"), "password: '<REDACTED>'")
    assert.strictEqual(Redact.text(`{"note":"token=S3CRx","id":1}`), `{"note":"token=<REDACTED>","id":1}`)
    assert.strictEqual(Redact.text(`{"pass\\u0077ord":"S3CRx"}`), `{"pass\\u0077ord":"<REDACTED>"}`)
    assert.strictEqual(Redact.text(`{"secret":{"a":[1,"]"],"b":"S3CR"},"n":1}`), `{"secret":<REDACTED>,"n":1}`)
  })

  it("text: text without a secret-named field comes back as it is", () =>
    fc.assert(
      fc.property(fc.dictionary(plainName, fc.jsonValue({ maxDepth: 2 }).filter(noSecretKey)), (value) => {
        const json = JSON.stringify(value)
        assert.strictEqual(Redact.text(json), json)
      })
    ))

  it("text: the client's own names are redacted too", () => {
    const redaction = Redact.make({ query: ["otp"], headers: ["x-session"] }) as Redact.Redaction
    assert.strictEqual(
      Redact.text(`{"otp":"1","x-session":"2","n":3}`, redaction),
      `{"otp":"<REDACTED>","x-session":"<REDACTED>","n":3}`
    )
  })

  it("fields: a copy without the secrets; objects without any are kept as they are", () =>
    fc.assert(
      fc.property(withSecrets, (value) => {
        const before = JSON.stringify(value)
        const copy = Redact.fields(value)
        assert.notInclude(Render.value(copy, { maxLength: Infinity }), "S3CR")
        assert.strictEqual(JSON.stringify(value), before, "the value itself is not changed")
        if (!before.includes("S3CR")) assert.strictEqual(copy, value)
      }),
      { numRuns: 300 }
    ))

  it("fields: a class instance keeps its prototype; cycles and deep nesting end", () => {
    class User {
      constructor(readonly name: string, readonly password: string) {}
    }
    const copy = Redact.fields({ user: new User("a", "S3CRx") }) as { user: User }
    assert.instanceOf(copy.user, User)
    assert.strictEqual(copy.user.password, Redact.REDACTED)
    const cyclic: Record<string, unknown> = { token: "S3CRx" }
    cyclic.self = cyclic
    assert.strictEqual((Redact.fields(cyclic) as Record<string, unknown>).token, Redact.REDACTED)
    let deep: unknown = { password: "S3CRx" }
    for (let i = 0; i < 10_000; i++) deep = { next: deep }
    assert.notInclude(Render.value(Redact.fields(deep), { maxLength: Infinity, maxDepth: Infinity }), "S3CR")
  })
})
