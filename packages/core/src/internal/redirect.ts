/**
 * Redirects, followed by the core for every transport (each is configured not to follow
 * on its own): one policy, the same hops over fetch, undici and the mock.
 *
 * @internal
 */
import { Effect } from "effect"
import type * as Endpoint from "../Endpoint.js"
import type { CallError, RequestError } from "../Errors.js"
import * as Redact from "../Redact.js"
import { isStreamBody, type Session } from "../Session.js"
import * as Transport from "../Transport.js"

/** @internal */
export type Policy = "follow" | "manual" | "error"

/** @internal */
export const policies: ReadonlyArray<Policy> = ["follow", "manual", "error"]

/** One redirect of a call, as `response.attributes.redirects` lists them (secret query values redacted). @internal */
export interface Hop {
  readonly status: number
  readonly method: string
  readonly url: string
  readonly location: string
}

const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** Whether the response is a redirect the core acts on (a 3xx with a `Location`). @internal */
export const isRedirect = (raw: Transport.Response): boolean =>
  redirectStatuses.has(raw.status) && raw.headers.location !== undefined

/** Headers that carry the caller's identity: not sent to another origin. */
const credentials = ["authorization", "cookie", "proxy-authorization"]
/** Headers that describe the body: dropped with it. */
const bodyHeaders = ["content-type", "content-length", "content-encoding", "content-language", "content-location"]

/** A value for a message: quoted, escaped, bounded. */
const show = (value: string): string => JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)

const redirectError = (hop: Session, description: string): RequestError =>
  Transport.requestError(hop, undefined, "Redirect", description)

/**
 * The request of one hop: the session as the transport reads it, with its own URL,
 * method, headers and body (the call's session keeps the first request's).
 */
const hopOf = (
  session: Session,
  url: string,
  method: Endpoint.Method,
  headers: Record<string, string | null>,
  body: Session["body"]
): Session => {
  const hop = Object.create(session) as { -readonly [K in keyof Session]: Session[K] }
  hop.url = url
  hop.method = method
  hop.headers = headers
  hop.body = body
  return hop
}

/** Reads (a little of) a redirect's body so that its connection can be reused. */
const drain = (raw: Transport.Response): Effect.Effect<void> => Effect.ignore(raw.read(64 * 1024))

/**
 * Follows the redirects of `raw` (the answer to `session`) by the policy, up to `max`
 * hops: answers the last response and the request it answers. Each hop goes through
 * `send` (the transport), inside the call's wrappers: Timeout, Pool and RateLimit cover
 * the whole chain.
 *
 * @internal
 */
export const follow = (
  session: Session,
  raw: Transport.Response,
  policy: Policy,
  max: number,
  send: (hop: Session) => Effect.Effect<Transport.Response, CallError>
): Effect.Effect<{ readonly raw: Transport.Response; readonly request: Session }, CallError> => {
  const hops: Array<Hop> = []
  const visited = new Set<string>([`${session.method} ${session.url}`])
  const step = (
    request: Session,
    response: Transport.Response
  ): Effect.Effect<{ readonly raw: Transport.Response; readonly request: Session }, CallError> => {
    if (policy === "manual" || !isRedirect(response)) return Effect.succeed({ raw: response, request })
    const location = response.headers.location!
    let target: URL
    try {
      target = new URL(location, request.url)
    } catch {
      return Effect.zipRight(
        drain(response),
        Effect.fail(
          redirectError(
            request,
            `the server redirected to ${show(Redact.url(location, session.redaction))}, which is not a URL`
          )
        )
      )
    }
    const next = target.href.replace(/#.*$/, "")
    // what messages and attributes show: secret query values redacted
    const shown = Redact.url(next, session.redaction)
    const fail = (description: string) =>
      Effect.zipRight(drain(response), Effect.fail(redirectError(request, description)))
    if (policy === "error") {
      return fail(`the server answered ${response.status} to ${show(shown)} and the redirect policy is "error"`)
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      return fail(`the server redirected to ${show(shown)}, which is not http(s)`)
    }
    if (target.username !== "" || target.password !== "") return fail(`the server redirected to a URL with credentials`)
    if (hops.length >= max) return fail(`more than ${max} redirects (the last to ${show(shown)})`)
    // 303, and 301/302 after a POST: a GET without the body (HEAD stays HEAD); 307/308 resend as they were
    const status = response.status
    const toGet = (status === 303 && request.method !== "HEAD" && request.method !== "GET") ||
      ((status === 301 || status === 302) && request.method === "POST")
    const method: Endpoint.Method = toGet ? "GET" : request.method
    const body = toGet ? undefined : request.body
    if (body !== undefined && isStreamBody(body)) {
      return fail(`the server answered ${status} to ${show(shown)}, and a streamed body cannot be sent again`)
    }
    const key = `${method} ${next}`
    if (visited.has(key)) return fail(`a redirect loop: ${show(shown)} was already requested`)
    visited.add(key)
    let headers = request.headers
    const crossOrigin = new URL(request.url).origin !== target.origin
    if (toGet || crossOrigin) {
      headers = { ...headers }
      if (toGet) { for (const name of bodyHeaders) delete headers[name] }
      if (crossOrigin) { for (const name of credentials) delete headers[name] }
    }
    hops.push({ status, method: request.method, url: Redact.url(request.url, session.redaction), location: shown })
    session.attributes.redirects = hops
    const hop = hopOf(session, next, method, headers, body)
    return Effect.zipRight(drain(response), Effect.flatMap(send(hop), (r) => step(hop, r)))
  }
  return step(session, raw)
}
