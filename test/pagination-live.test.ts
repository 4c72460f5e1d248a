import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Pagination, ServiceClient, Spec } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Retry } from "@service-client/plugins"
import { Chunk, Effect, Schema, Stream } from "effect"
import * as Clock from "./support/clock.js"
import * as Server from "./support/server.js"

const User = Schema.Struct({ id: Schema.Number })
const Api = Spec.make({
  listUsers: Endpoint.get("/users", { success: Schema.Array(User) }),
  searchUsers: Endpoint.get("/search", {
    success: Schema.Struct({ data: Schema.Array(User), meta: Schema.Struct({ next: Schema.NullOr(Schema.String) }) })
  }),
  listOrgs: Endpoint.get("/orgs/{org}/members")
})

const total = 7
const users = (from: number, to: number) =>
  Array.from({ length: Math.max(0, Math.min(to, total) - from) }, (_, i) => ({ id: from + i + 1 }))

/** Serves 7 users: `/users?page=n&per_page=k` with Link headers, `/search?cursor=`, `/orgs/x/members?offset&limit`. */
const serve = (options: { readonly failPage2Once?: boolean } = {}) => {
  let failed = options.failPage2Once !== true
  return Server.start((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1")
    const q = url.searchParams
    if (!failed && q.get("page") === "2") {
      failed = true
      return Server.json(res, 503, {}, { "retry-after": "0" })
    }
    if (url.pathname === "/users") {
      const page = Number(q.get("page") ?? 1)
      const per = Number(q.get("per_page") ?? 3)
      const pages = Math.ceil(total / per)
      const links = [
        page < pages ? `<${url.pathname}?page=${page + 1}&per_page=${per}>; rel="next"` : undefined,
        `<${url.pathname}?page=${pages}&per_page=${per}>; rel="last"`
      ].filter((l) => l !== undefined)
      if (q.get("broken") === "1") links.unshift(`</elsewhere?page=2>; rel="next"`)
      return Server.json(res, 200, users((page - 1) * per, page * per), { link: links.join(", ") })
    }
    if (url.pathname === "/search") {
      const at = Number(q.get("cursor") ?? 0)
      const next = at + 2 < total ? String(at + 2) : null
      return Server.json(res, 200, { data: users(at, at + 2), meta: { next: q.get("stuck") === "1" ? "0" : next } })
    }
    const offset = Number(q.get("offset"))
    const limit = Number(q.get("limit"))
    return Server.json(res, 200, users(offset, offset + limit))
  })
}

const ids = (items: Chunk.Chunk<{ readonly id: number }>) => Chunk.toArray(items).map((u) => u.id)

describe("Pagination against a real server", () => {
  it.scoped("Link header (RFC 8288): every page through the plugins, items in order", () =>
    Effect.gen(function*() {
      // the second page fails once: Retry (a plugin) sees every page
      const server = yield* serve({ failPage2Once: true })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Retry.make({ baseDelay: "1 millis", jitter: false })]
      })
      const items = yield* Stream.runCollect(
        client.paginate("listUsers", { query: { per_page: 3 } }, Pagination.link())
      ).pipe(Effect.withClock(Clock.live))
      assert.deepStrictEqual(ids(items), [1, 2, 3, 4, 5, 6, 7])
      assert.deepStrictEqual(server.received.map((r) => r.url), [
        "/users?per_page=3",
        "/users?page=2&per_page=3",
        "/users?page=2&per_page=3",
        "/users?page=3&per_page=3"
      ])
      // the pages themselves
      const pages = yield* Stream.runCollect(
        Pagination.pages(
          { service: "users", endpoint: "listUsers" },
          (i) => client.call("listUsers", i),
          {},
          Pagination.link()
        )
      ).pipe(Effect.withClock(Clock.live))
      assert.deepStrictEqual(Chunk.toArray(pages).map((p) => [p.response.status, p.items.length]), [
        [200, 3],
        [200, 3],
        [200, 1]
      ])
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a cursor from the body (typed items), offset/limit, page numbers", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url })
      const byCursor = yield* Stream.runCollect(
        client.paginate("searchUsers", {}, Pagination.cursor({ next: "meta.next", items: (d) => d.data }))
      )
      assert.deepStrictEqual(ids(byCursor), [1, 2, 3, 4, 5, 6, 7])
      assert.deepStrictEqual(server.received.map((r) => r.url), [
        "/search",
        "/search?cursor=2",
        "/search?cursor=4",
        "/search?cursor=6"
      ])

      const byOffset = yield* Stream.runCollect(
        client.paginate("listOrgs", { org: "x" }, Pagination.offset<unknown, { id: number }>({ limit: 3 }))
      )
      assert.deepStrictEqual(ids(byOffset), [1, 2, 3, 4, 5, 6, 7])
      assert.deepStrictEqual(server.received.slice(4).map((r) => r.url), [
        "/orgs/x/members?offset=0&limit=3",
        "/orgs/x/members?offset=3&limit=3",
        "/orgs/x/members?offset=6&limit=3"
      ])

      const byPage = yield* Stream.runCollect(
        client.paginate("listUsers", { query: { per_page: 4 } }, Pagination.page({ size: 4 }))
      )
      assert.deepStrictEqual(ids(byPage), [1, 2, 3, 4, 5, 6, 7])
      assert.deepStrictEqual(server.received.slice(7).map((r) => r.url), [
        "/users?per_page=4&page=1",
        "/users?per_page=4&page=2"
      ])
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("bounded prefetch: taking 2 items fetches at most the first page and one ahead", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url })
      const two = yield* Stream.runCollect(
        Stream.take(client.paginate("listUsers", { query: { per_page: 1 } }, Pagination.link({ prefetch: 1 })), 2)
      )
      assert.deepStrictEqual(ids(two), [1, 2])
      yield* Clock.waitFor(() => server.received.length >= 2)
      assert.isAtMost(server.received.length, 4)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("typed PaginationError: a next link to another path, a cursor that does not move, no items, maxPages", () =>
    Effect.gen(function*() {
      const server = yield* serve()
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url })
      const run = <A, E>(s: Stream.Stream<A, E>) => Effect.flip(Stream.runDrain(s))
      const elsewhere = yield* run(client.paginate("listUsers", { query: { broken: 1 } }, Pagination.link()))
      assert.strictEqual(elsewhere._tag, "PaginationError")
      assert.match(
        elsewhere.message,
        /^users\.listUsers: pagination stopped at page 1: the next link leads to another path/
      )
      const stuck = yield* run(
        client.paginate(
          "searchUsers",
          { query: { stuck: 1, cursor: "0" } },
          Pagination.cursor({ next: "meta.next", items: "data" })
        )
      )
      assert.match(stuck.message, /the cursor did not move/)
      const noItems = yield* run(
        client.paginate("searchUsers", {}, Pagination.cursor({ next: "meta.next", items: "rows" }))
      )
      assert.match(noItems.message, /no array field "rows"/)
      const capped = yield* run(
        client.paginate("listUsers", { query: { per_page: 1 } }, Pagination.link({ maxPages: 2 }))
      )
      assert.match(capped.message, /page 2: more than maxPages \(2\)/)
      // a failing page is the call's own error
      const missing = yield* run(client.paginate("listOrgs", { org: "" }, Pagination.offset({ limit: 2 })))
      assert.strictEqual(missing._tag, "InputError")
    }).pipe(Effect.provide(NodeTransport.layer)))
})
