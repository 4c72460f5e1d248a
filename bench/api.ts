/**
 * The bench's specs: the item GET and POST of the classic scenarios, the bodies (10 KB and
 * 100 KB JSON, a 100 KB JSON upload, a 10 MB streamed download) and the 20-endpoint mix
 * (`bench/mix.ts`).
 */
import { Endpoint, Spec } from "@service-client/core"

const item = { id: 12345, username: "benchmark-user", active: true }

/** The `mock` descriptions are for the pipeline run (MockTransport); live transports ignore them. */
export const Api = Spec.make({
  getItem: Endpoint.get("/{version}/items/{id}", { mock: { type: "json", data: item } }),
  createItem: Endpoint.post("/{version}/items", { mock: { type: "json", data: item } }),
  getBody: Endpoint.get("/body/{size}"),
  upload: Endpoint.post("/upload"),
  download: Endpoint.get("/body/{size}", { streamResponse: true })
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

/** A ~100 KB JSON payload (the upload scenario). */
export const bigPayload = {
  batch: "bench-upload",
  rows: Array.from({ length: 750 }, (_, i) => ({
    id: i,
    sku: `SKU-${100000 + i}`,
    name: `Row ${i} of the upload, with a name long enough to look real`,
    price: Math.round((i * 1.37 + 0.99) * 100) / 100,
    tags: ["a", "b", "c"]
  }))
}
