/** The bench's spec: one GET with a path token, one POST with a JSON payload. */
import { Endpoint, Spec } from "@service-client/core"

export const Api = Spec.make({
  getItem: Endpoint.get("/{version}/items/{id}"),
  createItem: Endpoint.post("/{version}/items")
})

/** A ~1 KB JSON payload. */
export const payload = {
  order: "bench-0001",
  customer: { id: 42, name: "Benchmark Customer", email: "customer@example.com" },
  items: Array.from({ length: 10 }, (_, i) => ({
    sku: `SKU-${1000 + i}`,
    name: `Item number ${i} with a descriptive name`,
    quantity: i + 1,
    price: 9.99 + i
  })),
  note: "deliver to the back door"
}
