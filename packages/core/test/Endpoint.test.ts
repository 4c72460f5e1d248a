import { assert, describe, it } from "@effect/vitest"
import { Endpoint, SpecError } from "@service-client/core"
import { Schema } from "effect"

describe("Endpoint", () => {
  it("infers the method and token names", () => {
    const e = Endpoint.get("/user/{user_id}/posts/{post_id}")
    assert.strictEqual(e.method, "GET")
    assert.deepStrictEqual(e.tokens, ["user_id", "post_id"])
    assert.strictEqual(Endpoint.post("/x").method, "POST")
    assert.strictEqual(Endpoint.put("/x").method, "PUT")
    assert.strictEqual(Endpoint.patch("/x").method, "PATCH")
    assert.strictEqual(Endpoint.del("/x").method, "DELETE")
    assert.strictEqual(Endpoint.head("/x").method, "HEAD")
    assert.strictEqual(Endpoint.options("/x").method, "OPTIONS")
    assert.isTrue(Endpoint.isEndpoint(e))
  })

  it("keeps Schemas and settings", () => {
    const User = Schema.Struct({ id: Schema.Number })
    const e = Endpoint.make({
      method: "GET",
      path: "/u/{id}",
      success: User,
      headers: { a: "b" },
      maxResponseBytes: 10
    })
    assert.strictEqual(e.success, User)
    assert.deepStrictEqual(e.headers, { a: "b" })
    assert.strictEqual(e.maxResponseBytes, 10)
  })

  const rejects = (path: string, pattern: RegExp) => {
    try {
      Endpoint.get(path as "/x")
      assert.fail(`accepted ${path}`)
    } catch (e) {
      assert.instanceOf(e, SpecError)
      assert.match((e as SpecError).message, pattern)
    }
  }

  it("rejects malformed templates", () => {
    rejects("/a/{b", /unclosed "\{"/)
    rejects("/a/b}", /unmatched "\}"/)
    rejects("/a/{b c}", /not a valid token name/)
    rejects("/a/{}", /not a valid token name/)
    rejects("/a/{b}/{b}", /appears twice/)
    rejects("/a b", /space/)
    rejects("/a?x=1", /query/)
    rejects("/a#frag", /"#"/)
    rejects("/a/../b", /"\.\." segment/)
  })

  it("rejects templates that reach another host", () => {
    rejects("//evil.example/x", /another host/)
    rejects("http://evil.example/x", /scheme/)
    rejects("https:evil", /scheme/)
    rejects("/a\\b", /"\\"/)
  })

  it("rejects a token named after a reserved input key", () => {
    try {
      // @ts-expect-error "payload" is a reserved input key
      Endpoint.get("/a/{payload}")
      assert.fail("accepted")
    } catch (e) {
      assert.match(String(e), /reserved input key/)
    }
  })

  it("rejects an unknown method", () => {
    // @ts-expect-error not a method
    assert.throws(() => Endpoint.make({ method: "FETCH", path: "/x" }), /unknown method/)
  })
})

describe("types: no payload on GET and HEAD", () => {
  it("a payload Schema or streamRequest on a GET/HEAD endpoint does not compile (a call with a payload is an InputError)", () => {
    // @ts-expect-error a GET endpoint carries no payload
    const get = Endpoint.get("/a", { payload: Schema.String })
    assert.strictEqual(get.method, "GET")
    // @ts-expect-error a HEAD endpoint streams no request body
    const head = Endpoint.head("/a", { streamRequest: true })
    assert.strictEqual(head.method, "HEAD")
    // a POST still takes one
    const post = Endpoint.post("/a", { payload: Schema.String })
    assert.strictEqual(post.method, "POST")
  })
})
