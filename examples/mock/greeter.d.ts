/**
 * An example program with a planted bug, found by a property test over generated answers
 * (test/property.test.ts): `initials` assumes every username has a first letter, but the
 * service's Schema allows an empty one.
 */
import { Endpoint, ServiceClient, Spec } from "@service-client/core";
import { Effect, Schema } from "effect";
export declare const User: Schema.Struct<{
    id: typeof Schema.Number;
    username: typeof Schema.String;
    email: typeof Schema.String;
}>;
export declare const UserApi: Spec.Spec<{
    readonly getUser: Endpoint.Endpoint<"/user/{user_id}", {
        readonly user_id: Endpoint.TokenValue;
        readonly payload?: unknown;
        readonly query?: Readonly<Record<string, Endpoint.QueryValue>> | undefined;
        readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined;
        readonly timeout?: import("effect/Duration").DurationInput | null | undefined;
        readonly trackingToken?: string | undefined | undefined;
        readonly trackingTokenPrefix?: string | undefined | undefined;
        readonly elapsed?: Endpoint.ElapsedSwitches | undefined;
        readonly retry?: Endpoint.RetrySetting | undefined;
    }, {
        readonly id: number;
        readonly username: string;
        readonly email: string;
    }, unknown>;
}>;
declare const Users_base: import("effect/Context").TagClass<Users, "examples/mock/Users", ServiceClient.Client<Spec.Spec<{
    readonly getUser: Endpoint.Endpoint<"/user/{user_id}", {
        readonly user_id: Endpoint.TokenValue;
        readonly payload?: unknown;
        readonly query?: Readonly<Record<string, Endpoint.QueryValue>> | undefined;
        readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined;
        readonly timeout?: import("effect/Duration").DurationInput | null | undefined;
        readonly trackingToken?: string | undefined | undefined;
        readonly trackingTokenPrefix?: string | undefined | undefined;
        readonly elapsed?: Endpoint.ElapsedSwitches | undefined;
        readonly retry?: Endpoint.RetrySetting | undefined;
    }, {
        readonly id: number;
        readonly username: string;
        readonly email: string;
    }, unknown>;
}>>> & Effect.Tag.Proxy<Users, ServiceClient.Client<Spec.Spec<{
    readonly getUser: Endpoint.Endpoint<"/user/{user_id}", {
        readonly user_id: Endpoint.TokenValue;
        readonly payload?: unknown;
        readonly query?: Readonly<Record<string, Endpoint.QueryValue>> | undefined;
        readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined;
        readonly timeout?: import("effect/Duration").DurationInput | null | undefined;
        readonly trackingToken?: string | undefined | undefined;
        readonly trackingTokenPrefix?: string | undefined | undefined;
        readonly elapsed?: Endpoint.ElapsedSwitches | undefined;
        readonly retry?: Endpoint.RetrySetting | undefined;
    }, {
        readonly id: number;
        readonly username: string;
        readonly email: string;
    }, unknown>;
}>>> & {
    use: <X>(body: (_: ServiceClient.Client<Spec.Spec<{
        readonly getUser: Endpoint.Endpoint<"/user/{user_id}", {
            readonly user_id: Endpoint.TokenValue;
            readonly payload?: unknown;
            readonly query?: Readonly<Record<string, Endpoint.QueryValue>> | undefined;
            readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined;
            readonly timeout?: import("effect/Duration").DurationInput | null | undefined;
            readonly trackingToken?: string | undefined | undefined;
            readonly trackingTokenPrefix?: string | undefined | undefined;
            readonly elapsed?: Endpoint.ElapsedSwitches | undefined;
            readonly retry?: Endpoint.RetrySetting | undefined;
        }, {
            readonly id: number;
            readonly username: string;
            readonly email: string;
        }, unknown>;
    }>>) => X) => [X] extends [Effect.Effect<infer A, infer E, infer R>] ? Effect.Effect<A, E, Users | R> : [X] extends [PromiseLike<infer A_1>] ? Effect.Effect<A_1, import("effect/Cause").UnknownException, Users> : Effect.Effect<X, never, Users>;
};
export declare class Users extends Users_base {
}
/** The bug: `username[0]` is `undefined` for an empty username. */
export declare const initials: (username: string) => string;
/** The fix. */
export declare const initialsFixed: (username: string) => string;
export declare const greet: (initialsOf: (username: string) => string) => Effect.Effect<string, import("@service-client/core").CallError<unknown>, Users>;
export {};
//# sourceMappingURL=greeter.d.ts.map