/** The part of autocannon's API that the benchmark scripts use (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface RawRequest { method?: string, path?: string, headers?: Record<string, string>, body?: string }
  interface RequestOptions extends RawRequest {
    setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest | null
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void
  }
  interface Histogram { average: number, mean: number, p50: number, p90: number, p99: number, max: number, total: number }
  export interface Result {
    requests: Histogram & { sent: number }
    latency: Histogram
    throughput: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    timeout?: number
    method?: string
    headers?: Record<string, string>
    body?: string
    requests?: RequestOptions[]
  }
  interface Instance extends EventEmitter, PromiseLike<Result> { stop(): void }
  function autocannon (options: Options): Instance
  export default autocannon
}
