/**
 * Vitest setup file (runs before every test file): puts @effect/vitest's own `it.effect`,
 * `it.scoped`, … back on the shared `it`.
 *
 * @effect/vitest 0.30's `layer(L)(name, (it) => …)` hands its callback the global `it`
 * after `Object.assign`-ing onto it versions of `effect`/`scoped`/… bound to L's runtime,
 * and never restores them. Every `it.effect` registered later in the same module instance
 * then runs in that one runtime: one TestClock (and one of every TestService) shared by all
 * of them. With module isolation on, that is the rest of the declaring file; with
 * `--no-isolate`, it is every later file in the worker (e.g. Retry's scripted transport saw
 * 11000 ms instead of 0 after test/reliability/properties.test.ts). Upstream effect-smol
 * stopped mutating the shared API (Effect-TS/effect-smol#2177); this is the v3 equivalent.
 */
import { effect, flakyTest, it, layer, live, prop, scoped, scopedLive } from "@effect/vitest"

Object.assign(it, { effect, scoped, live, scopedLive, flakyTest, layer, prop })
