/** The bench's spec: one GET with a path token, one POST with a JSON payload. */
import { Endpoint, Spec } from "@service-client/core"

const item = { id: 12345, username: "benchmark-user", active: true }

/** The `mock` descriptions are for the pipeline run (MockTransport); live transports ignore them. */
export const Api = Spec.make({
  getItem: Endpoint.get("/{version}/items/{id}", { mock: { type: "json", data: item } }),
  createItem: Endpoint.post("/{version}/items", { mock: { type: "json", data: item } })
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
