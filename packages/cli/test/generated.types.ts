/**
 * Type tests on generated modules (checked by `tsc -b`): the endpoints' inputs, results
 * and error bodies come from the document.
 */
import type { Endpoint, ServiceClient } from "@service-client/core"
import type { Effect } from "effect"
import type * as Features from "./generated/features.js"
import type * as Petstore from "./generated/petstore.js"

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
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
