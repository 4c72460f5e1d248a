/**
 * The 20-endpoint mix: varied templates (1 to 4 path tokens, GET/POST/PUT/PATCH/DELETE),
 * ids, query strings and headers that change with every request, requests interleaved
 * (request k calls endpoint k mod 20 with inputs drawn from k). Each endpoint is described
 * once: the service client gets it as a Spec, the other clients build the same URL,
 * headers and body from the same description by hand.
 */
import { Endpoint, Spec } from "@service-client/core"

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

export interface Input {
  readonly tokens: Readonly<Record<string, string | number>>
  readonly query?: Readonly<Record<string, string | number | ReadonlyArray<string>>>
  readonly headers?: Readonly<Record<string, string>>
  readonly payload?: unknown
}

interface Def {
  readonly name: string
  readonly method: Method
  readonly path: string
  /** Endpoint-level defaults (the service client declares them; the others send them by hand). */
  readonly headers?: Readonly<Record<string, string>>
  readonly query?: Readonly<Record<string, string>>
  readonly input: (k: number) => Input
}

const words = ["alpha", "beta", "gamma", "delta", "épsilon", "zeta z", "eta/η", "theta"]
const pick = <A>(xs: ReadonlyArray<A>, k: number) => xs[k % xs.length]!

export const defs: ReadonlyArray<Def> = [
  { name: "getUser", method: "GET", path: "/v1/users/{id}", input: (k) => ({ tokens: { id: (k * 7919) % 100_000 } }) },
  {
    name: "listPosts",
    method: "GET",
    path: "/v1/users/{id}/posts",
    input: (k) => ({ tokens: { id: k % 977 }, query: { limit: 20, offset: (k % 10) * 20 } })
  },
  {
    name: "getRepo",
    method: "GET",
    path: "/v1/orgs/{org}/repos/{repo}",
    headers: { accept: "application/vnd.bench+json" },
    input: (k) => ({ tokens: { org: `org-${k % 50}`, repo: pick(words, k) } })
  },
  {
    name: "getIssue",
    method: "GET",
    path: "/v2/orgs/{org}/repos/{repo}/issues/{number}",
    input: (k) => ({
      tokens: { org: `org-${k % 31}`, repo: `repo-${k % 17}`, number: k % 5000 },
      headers: { "x-request-id": `r-${k}` }
    })
  },
  {
    name: "search",
    method: "GET",
    path: "/v1/search",
    query: { sort: "relevance" },
    input: (k) => ({ tokens: {}, query: { q: `${pick(words, k)} ${k % 100}`, page: k % 7 } })
  },
  {
    name: "createUser",
    method: "POST",
    path: "/v1/users",
    input: (k) => ({ tokens: {}, payload: { name: `user ${k}`, email: `u${k}@example.com`, roles: ["reader"] } })
  },
  {
    name: "replaceUser",
    method: "PUT",
    path: "/v1/users/{id}",
    input: (k) => ({ tokens: { id: k % 1000 }, payload: { name: `user ${k}`, active: k % 2 === 0 } })
  },
  {
    name: "patchSettings",
    method: "PATCH",
    path: "/v1/users/{id}/settings",
    input: (k) => ({ tokens: { id: k % 1000 }, payload: { theme: pick(["dark", "light"], k), pageSize: k % 100 } })
  },
  {
    name: "deleteSession",
    method: "DELETE",
    path: "/v1/users/{id}/sessions/{session}",
    input: (k) => ({ tokens: { id: k % 1000, session: `s-${(k * 31) % 9973}` } })
  },
  {
    name: "getProduct",
    method: "GET",
    path: "/v1/products/{sku}",
    input: (k) => ({
      tokens: { sku: `SKU-${10000 + (k % 3000)}` },
      headers: { "accept-language": pick(["en", "fr", "de-CH"], k) }
    })
  },
  {
    name: "listReviews",
    method: "GET",
    path: "/v1/products/{sku}/reviews",
    input: (k) => ({ tokens: { sku: `SKU-${10000 + (k % 3000)}` }, query: { rating: 1 + (k % 5), page: k % 3 } })
  },
  {
    name: "createOrder",
    method: "POST",
    path: "/v1/orders",
    headers: { "x-channel": "web" },
    input: (k) => ({
      tokens: {},
      payload: {
        customer: k % 400,
        lines: Array.from({ length: 1 + (k % 4) }, (_, i) => ({ sku: `SKU-${i}`, qty: i + 1 }))
      }
    })
  },
  {
    name: "getOrderItem",
    method: "GET",
    path: "/v1/orders/{order}/items/{item}",
    input: (k) => ({ tokens: { order: `o-${k % 10_000}`, item: k % 9 } })
  },
  {
    name: "browseCatalog",
    method: "GET",
    path: "/v3/catalog/{category}/{sub}/items",
    input: (k) => ({
      tokens: { category: pick(["shoes", "shirts", "hats"], k), sub: pick(["men", "women", "kids", "all"], k) },
      query: { color: pick(["red", "blue", "green"], k), size: ["s", "m", "l"].slice(0, 1 + (k % 3)), inStock: "true" }
    })
  },
  { name: "health", method: "GET", path: "/v1/health", input: () => ({ tokens: {} }) },
  {
    name: "getFile",
    method: "GET",
    path: "/v1/files/{name}",
    input: (k) => ({ tokens: { name: `${pick(words, k)} report ${k % 12}.pdf` } })
  },
  {
    name: "postEvent",
    method: "POST",
    path: "/v1/events/{stream}",
    input: (k) => ({
      tokens: { stream: pick(["clicks", "views", "orders"], k) },
      headers: { "x-idempotency-key": `idem-${k}` },
      payload: { type: "click", at: 1_700_000_000_000 + k, data: { x: k % 1920, y: k % 1080 } }
    })
  },
  {
    name: "listMembers",
    method: "GET",
    path: "/v1/teams/{team}/members",
    input: (k) => ({ tokens: { team: `team-${k % 40}` }, query: { role: pick(["admin", "member", "guest"], k) } })
  },
  {
    name: "putCartLine",
    method: "PUT",
    path: "/v1/carts/{cart}/lines/{line}",
    input: (k) => ({
      tokens: { cart: `c-${k % 5000}`, line: k % 12 },
      payload: { sku: `SKU-${k % 100}`, qty: 1 + (k % 5) }
    })
  },
  {
    name: "getReport",
    method: "GET",
    path: "/v1/reports/{year}/{month}",
    headers: { accept: "application/json" },
    input: (k) => ({
      tokens: { year: 2020 + (k % 6), month: 1 + (k % 12) },
      query: { format: pick(["summary", "full"], k) }
    })
  }
]

const endpoint = (d: Def) => {
  const options = {
    ...(d.headers === undefined ? {} : { headers: d.headers }),
    ...(d.query === undefined ? {} : { query: d.query })
  }
  switch (d.method) {
    case "GET":
      return Endpoint.get(d.path, options)
    case "POST":
      return Endpoint.post(d.path, options)
    case "PUT":
      return Endpoint.put(d.path, options)
    case "PATCH":
      return Endpoint.patch(d.path, options)
    case "DELETE":
      return Endpoint.del(d.path, options)
  }
}

export const MixApi = Spec.make(
  Object.fromEntries(defs.map((d) => [d.name, endpoint(d)])) as Record<string, ReturnType<typeof endpoint>>
)

/** The input of the service client's method for request k. */
export const callInput = (k: number): { readonly name: string; readonly input: Record<string, unknown> } => {
  const d = defs[k % defs.length]!
  const i = d.input(k)
  const input: Record<string, unknown> = { ...i.tokens }
  if (i.query !== undefined) input.query = i.query
  if (i.headers !== undefined) input.headers = i.headers
  if (i.payload !== undefined) input.payload = i.payload
  return { name: d.name, input }
}

export interface Raw {
  readonly method: Method
  /** Path and query, percent-encoded as the service client does. */
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
}

const appendQuery = (search: URLSearchParams, query: Readonly<Record<string, unknown>>) => {
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) { for (const v of value) search.append(key, String(v)) }
    else search.append(key, String(value))
  }
}

/** The same request built by hand, for the clients that take a URL, headers and a body. */
export const raw = (k: number): Raw => {
  const d = defs[k % defs.length]!
  const i = d.input(k)
  const path = d.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(i.tokens[name])))
  const search = new URLSearchParams()
  if (d.query !== undefined) appendQuery(search, d.query)
  if (i.query !== undefined) appendQuery(search, i.query)
  const qs = search.toString()
  const headers: Record<string, string> = { ...d.headers, ...i.headers }
  let body: string | undefined
  if (i.payload !== undefined) {
    body = JSON.stringify(i.payload)
    headers["content-type"] = "application/json"
  }
  return { method: d.method, path: qs.length === 0 ? path : `${path}?${qs}`, headers, body }
}
