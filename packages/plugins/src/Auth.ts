/**
 * Puts a token on every request (`Authorization: Bearer <token>` by default), fetched
 * from a token source on the first call and refreshed when the server answers 401: the
 * source runs once for any number of concurrent 401s (a single flight), then each call
 * that failed is replayed once with the new token. Tokens stay `Redacted` everywhere but
 * on the wire.
 *
 * @since 0.1.0
 */
import { Deadline, Header, Plugin, PluginError, Session } from "@service-client/core"
import { safeDisplay } from "@service-client/core/Errors"
import { Data, Deferred, Effect, Exit, FiberId, Redacted, type Scope } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<E, R> {
  /** Fetches a fresh token; runs once per refresh, however many calls wait for it. */
  readonly token: Effect.Effect<string | Redacted.Redacted<string>, E, R>
  /** The header's name. Default `"authorization"`. */
  readonly header?: string | undefined
  /** The scheme before the token (`null`: the token alone). Default `"Bearer"`. */
  readonly scheme?: string | null | undefined
  /** The statuses that mean "the token is no good". Default `[401]`. */
  readonly statuses?: ReadonlyArray<number> | undefined
}

/** A token the source returned that cannot be sent in the header (CR, LF, a control character...). */
class InvalidToken extends Data.TaggedError("InvalidToken")<{ readonly reason: string }> {}
safeDisplay(InvalidToken)

interface Current {
  readonly token: Redacted.Redacted<string>
  readonly generation: number
}

/**
 * The Auth plugin: a scoped Effect (a refresh in flight belongs to the client's scope,
 * so a call interrupted while waiting does not cancel it for the others). The token
 * source's failure fails the calls with `PluginError` (plugin `"Auth"`). A call whose
 * own input sets the header is left alone and never replayed.
 *
 * **Example**
 *
 * ```ts
 * const auth = Auth.make({ token: Effect.map(fetchToken, (t) => Redacted.make(t.access_token)) })
 * const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Retry.make(), auth] })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E, R>(options: Options<E, R>): Effect.Effect<Plugin.Plugin<PluginError>, never, R | Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<R>()
    const scope = yield* Effect.scope
    const header = (options.header ?? "authorization").toLowerCase()
    const scheme = options.scheme === undefined ? "Bearer" : options.scheme
    const statuses: ReadonlySet<number> = new Set(options.statuses ?? [401])
    const headerValue = (token: string) => (scheme === null ? token : `${scheme} ${token}`)
    // checked here, not when the header is set: an invalid token is never kept, the next call asks the source again
    const source = Effect.flatMap(Effect.provide(options.token, context), (t) => {
      const token = Redacted.isRedacted(t) ? t : Redacted.make(t)
      const reason = Header.check(header, headerValue(Redacted.value(token)))
      return reason === undefined ? Effect.succeed(token) : Effect.fail(new InvalidToken({ reason }))
    })
    let current: Current | undefined
    let inflight: Deferred.Deferred<Current, E | InvalidToken> | undefined
    let generation = 0

    /**
     * The token newer than `stale` (any token when `stale` is undefined): the current one,
     * the refresh in flight, or a new refresh.
     */
    const tokenAfter = (stale: number | undefined): Effect.Effect<Current, E | InvalidToken> =>
      Effect.suspend(() => {
        if (current !== undefined && (stale === undefined || current.generation > stale)) {
          return Effect.succeed(current)
        }
        return Effect.flatMap(joinOrStart, Deferred.await)
      })

    // uninterruptible: once `inflight` is set, the refresh that completes it is forked
    const joinOrStart = Effect.uninterruptible(Effect.suspend(() => {
      if (inflight !== undefined) return Effect.succeed(inflight)
      const deferred = Deferred.unsafeMake<Current, E | InvalidToken>(FiberId.none)
      inflight = deferred
      const refresh = source.pipe(
        Effect.map((token): Current => ({ token, generation: ++generation })),
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            inflight = undefined
            if (Exit.isSuccess(exit)) current = exit.value
            return Deferred.done(deferred, exit)
          })
        )
      )
      return Effect.as(Effect.forkIn(refresh, scope), deferred)
    }))

    const pluginError = (session: Session.Session, cause: unknown) =>
      new PluginError({
        service: session.service,
        endpoint: session.endpoint,
        plugin: "Auth",
        reason: cause instanceof InvalidToken
          ? `the token source returned a token that cannot be sent: ${cause.reason}`
          : "the token source failed",
        cause
      })

    const withToken = (session: Session.Session, stale: number | undefined) => {
      const token = Effect.mapBoth(tokenAfter(stale), {
        onFailure: (e) => pluginError(session, e),
        onSuccess: (c) => {
          session.headers[header] = headerValue(Redacted.value(c.token))
          return c.generation
        }
      })
      // waiting for a refresh ends at the call's deadline
      const fresh = current !== undefined && (stale === undefined || current.generation > stale)
      return fresh ? token : Deadline.bound(token, session)
    }

    const callSetsHeader = (session: Session.Session): boolean => {
      const headers = session.input.headers
      if (typeof headers !== "object" || headers === null) return false
      for (const name in headers) {
        if (name.toLowerCase() === header) return true
      }
      return false
    }

    return Plugin.make("Auth", {
      aroundSend: (session, send) =>
        Effect.suspend(() => {
          if (callSetsHeader(session)) return send
          return Effect.flatMap(withToken(session, undefined), (used) =>
            Effect.flatMap(send, (response) => {
              if (!statuses.has(response.status)) return Effect.succeed(response)
              // a streamed body cannot be sent twice: refresh for the next calls, but do not replay
              if (Session.isStreamBody(session.body)) return Effect.as(withToken(session, used), response)
              return Effect.zipRight(withToken(session, used), send)
            }))
        })
    }, { honoursDeadline: true })
  })
