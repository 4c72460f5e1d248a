export * as RedisLimiter from "./RedisLimiter.js"
export * as RedisStore from "./RedisStore.js"
