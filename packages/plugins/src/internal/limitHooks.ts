/**
 * Pool's and RateLimit's send hooks: the store in context (`LimiterStore`) gives the
 * permits, `LimiterStore.limiter` the waiting; an adaptive RateLimit reads each response.
 *
 * @internal
 */
import type * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import { Effect, type Scope } from "effect"
import type { LimiterError } from "../LimiterError.js"
import * as LimiterStore from "../LimiterStore.js"
import { askedPause } from "./adaptive.js"

/** @internal */
export interface Hooks {
  readonly enterSend: (session: Session) => Plugin.Entered<LimiterError>
  readonly tryEnter: (session: Session) => Effect.Effect<Plugin.LeaveSend | undefined>
  readonly onResponse?: Plugin.ResponseHook<LimiterError> | undefined
}

/** @internal */
export const make = (options: LimiterStore.Options): Effect.Effect<Hooks, never, Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* LimiterStore.LimiterStore
    const permits = yield* store.make(options)
    const limiter = yield* LimiterStore.limiter(permits, options)
    const adaptive = options.adaptive
    if (adaptive === undefined) return { enterSend: limiter.enter, tryEnter: limiter.tryEnter }
    return {
      enterSend: limiter.enter,
      tryEnter: limiter.tryEnter,
      // each response (its status and headers) of a send that held a permit
      onResponse: (session, response) => {
        const now = session.clock.unsafeCurrentTimeMillis()
        const asked = askedPause(response, now, adaptive.defaultPause)
        if (asked !== undefined && asked > 0) limiter.pause(now + Math.min(asked, adaptive.maxPause), now)
        return Effect.void
      }
    }
  })
