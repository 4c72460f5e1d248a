/**
 * The settings of a call or an endpoint that has none: one frozen object, so a plugin's
 * setting read (`Setting.fromCall`...) answers `undefined` by comparing it, without a
 * property lookup of its key (a lookup site that sees every plugin's key is megamorphic).
 *
 * @internal
 */
export const noSettings: Readonly<Record<string, never>> = Object.freeze({})
