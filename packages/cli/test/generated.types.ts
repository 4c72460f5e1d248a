/**
 * Type tests on generated modules (checked by `tsc -b`): the endpoints' inputs, results
 * and error bodies come from the document.
 */
import { Endpoint, OpenApi, type ServiceClient } from "@service-client/core"
import { Effect, Schema } from "effect"
import type * as Clashes from "./generated/clashes.js"
import * as Features from "./generated/features.js"
import type * as Petstore from "./generated/petstore.js"

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
// each assignable to the other (for types spelt differently: an interface and an object type)
type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false
const ok = <T extends true>(_?: T) => {}

declare const pets: ServiceClient.Client<typeof Petstore.Api>
declare const features: ServiceClient.Client<typeof Features.Api>

// results are the document's classes
const pet = pets.getPetById({ petId: 1 })
ok<Equals<Effect.Effect.Success<typeof pet>, Petstore.Pet>>()
ok<Equals<Endpoint.Success<typeof Petstore.Api.endpoints.findPetsByStatus>, ReadonlyArray<Petstore.Pet>>>()
// the path token is required, and typed
// @ts-expect-error: petId is missing
pets.getPetById({})
// @ts-expect-error: petId is a string or number
pets.getPetById({ petId: true })
// a required payload, checked against the class's fields
pets.addPet({ payload: { name: "rex", photoUrls: [] } })
// @ts-expect-error: name is required
pets.addPet({ payload: { photoUrls: [] } })
// @ts-expect-error: the status is one of the document's values
pets.findPetsByStatus({ query: { status: ["lost"] } })
pets.findPetsByStatus({ query: { status: ["available", "sold"] } })

// a nullable, a union narrowed by its discriminator, per-status error bodies
const user = features.usersGetOne({ user_id: 1, query: { filter: { gt: 1 } } })
ok<Equals<Effect.Effect.Success<typeof user>["name"], string | null>>()
ok<
  Equals<
    Endpoint.ErrorBody<typeof Features.Api.endpoints.usersGetOne>,
    Features.NotFound | { readonly code: "client" } | Features.Problem
  >
>()
features.postPets({ payload: { name: "tom", kind: "dog", barks: true } })
// @ts-expect-error: a cat has no "bark" in its variant, and the kind is a literal
features.postPets({ payload: { name: "tom", kind: "bird" } })
// @ts-expect-error: the query's ids are integers
features.usersGetOne({ user_id: 1, query: { ids: ["x"] } })

// in a generator: the success is the document's type, a ResponseError's body its error bodies
const program = Effect.gen(function*() {
  const user = yield* features.usersGetOne(1)
  ok<Equals<typeof user, Features.User>>()
  return user.manager?.name
})
type UserResponseError = Extract<Effect.Effect.Error<typeof program>, { readonly _tag: "ResponseError" }>
// (undefined: a status the document gives no body for)
ok<Same<UserResponseError["error"], Features.NotFound | { readonly code: "client" } | Features.Problem | undefined>>()

// the module declares each endpoint's type, written out: the one Endpoint.get/post infer from the same Schemas
type SameEndpoint<A, B> = [
  Equals<Endpoint.Input<A>, Endpoint.Input<B>>,
  Equals<Endpoint.Success<A>, Endpoint.Success<B>>,
  Equals<Endpoint.ErrorBodies<A>, Endpoint.ErrorBodies<B>>
] extends [true, true, true] ? true : false
const usersGetOne = Endpoint.get("/users/{user_id}", {
  success: OpenApi.body(Features.User),
  error: OpenApi.errors({
    "404": OpenApi.body(Features.NotFound),
    "4XX": OpenApi.body(Schema.Struct({ code: Schema.Literal("client") })),
    "default": OpenApi.body(Features.Problem)
  }),
  querySchema: OpenApi.query({
    fields: Schema.optional(Schema.Array(Schema.String)),
    tags: Schema.optional(Schema.Array(Schema.String)),
    ids: Schema.optional(Schema.Array(Schema.Int)),
    filter: Schema.optional(Schema.Struct({ gt: Schema.optional(Schema.Int) }))
  }),
  headersSchema: OpenApi.headers({ "X-Trace": Schema.optional(Schema.Array(Schema.String)) })
})
// (its query and headers types are Schema.Struct's mapped types: the same, but spelt differently)
type LikeEndpoint<A, B> = [
  Same<Endpoint.Input<A>, Endpoint.Input<B>>,
  Equals<Endpoint.Success<A>, Endpoint.Success<B>>,
  Equals<Endpoint.ErrorBodies<A>, Endpoint.ErrorBodies<B>>
] extends [true, true, true] ? true : false
ok<LikeEndpoint<typeof usersGetOne, typeof Features.Api.endpoints.usersGetOne>>()
const postPets = Endpoint.post("/pets", { payload: OpenApi.body(Features.Pet), success: OpenApi.body(Features.Pet) })
ok<SameEndpoint<typeof postPets, typeof Features.Api.endpoints.postPets>>()

// and each definition's type is the one Schema.Struct infers from its fields
const Cat = Schema.Struct({
  name: Schema.String,
  kind: Schema.optional(Schema.String),
  lives: Schema.optional(Schema.Int)
})
ok<Equals<typeof Cat.Type, Features.Cat>>()
ok<Same<typeof Cat.Encoded, Schema.Schema.Encoded<typeof Features.Cat>>>()
const Pet = Schema.Union(
  Schema.Struct({ name: Schema.String, kind: Schema.Literal("cat"), lives: Schema.optional(Schema.Int) }),
  Schema.Struct({ name: Schema.String, kind: Schema.Literal("dog"), barks: Schema.optional(Schema.Boolean) })
)
ok<Same<typeof Pet.Type, Features.Pet>>()

// the other shapes of input, against what Endpoint.Of/BodilessOf compute from the options' types
type Q<A> = Schema.Schema<A, any>
// a GET whose document gives it a body: no payload; a required query and header make the input required
ok<
  SameEndpoint<
    Endpoint.BodilessOf<"/search", {
      readonly success: Schema.Schema<ReadonlyArray<Features.User>>
      readonly querySchema: Q<{ readonly q: string; readonly page?: number | undefined }>
      readonly headersSchema: Q<{ readonly "X-Key": string }>
    }>,
    typeof Features.Api.endpoints.search
  >
>()
// an optional JSON body on a one-token path (the short form), a binary body, a DELETE's body, a multipart body
ok<
  SameEndpoint<
    Endpoint.Of<
      "/reports/{id}",
      { readonly payload: Schema.Schema<{ readonly note?: string | undefined } | undefined> }
    >,
    typeof Features.Api.endpoints.reportsCreate
  >
>()
ok<
  SameEndpoint<
    Endpoint.Of<"/reports/{id}", { readonly streamRequest: true }>,
    typeof Features.Api.endpoints.reportsUpload
  >
>()
ok<
  SameEndpoint<
    Endpoint.Of<
      "/reports/{id}",
      { readonly payload: Schema.Schema<{ readonly reason?: string | undefined } | undefined> }
    >,
    typeof Features.Api.endpoints.reportsDelete
  >
>()
ok<SameEndpoint<Endpoint.Of<"/notes", {}>, typeof Features.Api.endpoints.notesCreate>>()
// and every endpoint of the petstore module, as the earlier generator declared them
ok<
  SameEndpoint<
    Endpoint.BodilessOf<"/pet/findByStatus", {
      readonly success: Schema.Schema<ReadonlyArray<Petstore.Pet>>
      readonly querySchema: Q<{ readonly status: ReadonlyArray<"available" | "pending" | "sold"> }>
    }>,
    typeof Petstore.Api.endpoints.findPetsByStatus
  >
>()
ok<
  SameEndpoint<
    Endpoint.Of<"/pet/{petId}", {
      readonly payload: Schema.Schema<
        { readonly name?: string | undefined; readonly status?: string | undefined } | undefined
      >
    }>,
    typeof Petstore.Api.endpoints.updatePetWithForm
  >
>()
ok<
  SameEndpoint<
    Endpoint.Of<"/pet/{petId}", { readonly headersSchema: Q<{ readonly api_key?: string | undefined }> }>,
    typeof Petstore.Api.endpoints.deletePet
  >
>()
ok<
  SameEndpoint<
    Endpoint.BodilessOf<
      "/user/login",
      {
        readonly success: Schema.Schema<string>
        readonly querySchema: Q<{ readonly username: string; readonly password: string }>
      }
    >,
    typeof Petstore.Api.endpoints.loginUser
  >
>()
ok<SameEndpoint<Endpoint.BodilessOf<"/user/logout", {}>, typeof Petstore.Api.endpoints.logoutUser>>()

// what a call may give: checked against the document
features.search({ query: { q: "effect" }, headers: { "X-Key": "k" } })
// @ts-expect-error: the query's q and the X-Key header are required
features.search({ query: {} })
// @ts-expect-error: a GET sends no body, even one its document declares
features.search({ query: { q: "effect" }, headers: { "X-Key": "k" }, payload: { expand: "all" } })
features.reportsCreate("r1")
features.reportsCreate({ id: "r1", payload: { note: "n" } })
// @ts-expect-error: note is a string
features.reportsCreate({ id: "r1", payload: { note: 1 } })
// @ts-expect-error: an empty path token
features.reportsCreate("")
features.reportsUpload({ id: "r1", payload: new Uint8Array(1) })
// @ts-expect-error: an unknown key
features.reportsDelete({ id: "r1", reasons: "x" })

// a document naming its definitions as the module's own names (generated with --name Model): the
// definitions get a trailing `_`, the module's types are the document's
declare const clashes: ServiceClient.Client<typeof Clashes.Model>
ok<Equals<Endpoint.Success<typeof Clashes.Model.endpoints.default>, Clashes.Schema_>>()
ok<Equals<Endpoint.ErrorBody<typeof Clashes.Model.endpoints.default>, Clashes.Errors_>>()
ok<Equals<Endpoint.Success<typeof Clashes.Model.endpoints.class>, Clashes.Endpoint_>>()
ok<Equals<Clashes.Endpoint_["next"], Clashes.Endpoint_ | undefined>>()
ok<Equals<Clashes.Spec_, ReadonlyArray<Clashes.Schema_>>>()
ok<Equals<Clashes.Record_, { readonly [key: string]: ReadonlyArray<number> }>>()
ok<Equals<Schema.Schema.Type<typeof Clashes.Model_>, Clashes.Model_>>()
clashes.class({ class: "c", payload: { class: "k", default: 1 } })
// @ts-expect-error: the payload's class is required
clashes.class({ class: "c", payload: { default: 1 } })
clashes.default("c")
