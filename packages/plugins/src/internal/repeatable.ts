/**
 * How a plugin tells Retry that a call is safe to send again although its method is not
 * idempotent: IdempotencyKey marks a POST/PATCH that carries a key (the server answers a
 * repeat with the first outcome). A symbol on the session's attributes: loggers, which
 * print the attributes by name, do not see it.
 *
 * @internal
 */
import type { Session } from "@service-client/core"
import * as Attribute from "@service-client/core/Attribute"

const repeatable: Attribute.Attribute<boolean> = Attribute.make<boolean>("repeatable", { hidden: true })

/** @internal */
export const mark = (session: Session.Session): void => repeatable.set(session, true)

/** @internal */
export const isMarked = (session: Session.Session): boolean => repeatable.get(session) === true
