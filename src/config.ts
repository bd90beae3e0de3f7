import { Type, type Static } from '@sinclair/typebox'
import { EventsConfigSchema } from './domains/events/config.js'

const DURATION_PATTERN = '^[0-9]+ ?(ms|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours)?$'

/** The environment Switchboard reads, validated at start-up by @fastify/env. */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  MONGODB_URI: Type.Optional(Type.String({ pattern: '^mongodb(\\+srv)?://' })),
  MONGO_ENGINE: Type.Union([Type.Literal('embedded'), Type.Literal('memory-server')], { default: 'embedded' }),
  MONGODB_DB: Type.String({ pattern: '^[A-Za-z0-9_-]{1,63}$', default: 'switchboard' }),
  ADMIN_API_KEY: Type.Optional(Type.String({ minLength: 16 })),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  SEED_DEMO: Type.Optional(Type.Boolean()),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 1000, description: 'Requests per API key (per IP without a key) per window; 0 turns rate limiting off' }),
  RATE_LIMIT_WINDOW: Type.String({ pattern: DURATION_PATTERN, default: '1 minute', description: 'The rate-limit window, e.g. "1 minute", "30s", "60000" (ms)' }),
  TRUST_PROXY: Type.String({
    pattern: '^(true|false|[0-9]{1,2}|[0-9A-Fa-f.:/]+(, *[0-9A-Fa-f.:/]+)*)$',
    default: 'false',
    description: 'Behind a reverse proxy: true (trust X-Forwarded-For), a number of proxy hops, or the proxies\' addresses/CIDRs, comma-separated'
  }),
  RATE_LIMIT_AUTH_FAILURES: Type.Integer({ minimum: 1, default: 30, description: 'Failed authentications per IP per window; beyond, the IP gets 429 before any key is looked up' }),
  RATE_LIMIT_FLUSH_MS: Type.Integer({ minimum: 50, maximum: 10000, default: 250, description: 'How often each instance adds its counts to the shared ones in MongoDB' }),
  RATE_LIMIT_BUCKETS: Type.Integer({ minimum: 1, default: 100000, description: 'Rate-limit buckets of each kind (API keys, addresses) one instance keeps per window' }),
  API_KEY_CACHE_SIZE: Type.Integer({ minimum: 1, default: 10000, description: 'Verified API keys kept in memory per instance (least recently used ones leave first)' }),
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1048576, description: 'Largest accepted request body in bytes (routes may set their own)' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 30000, description: 'Time to receive a whole request' }),
  CONNECTION_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 60000, description: 'An idle socket is closed after this' }),
  HANDLER_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 30000, description: 'A request still unanswered after this gets 503 (routes may set their own)' }),
  MONGODB_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10000, description: 'Longest wait for a database answer or a free pooled connection (503 beyond)' }),
  MONGODB_SELECTION_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 3000, description: 'How long to wait for an unreachable database before answering 503' }),
  CORS_ORIGINS: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated origins allowed by CORS; unset = CORS off' })),
  ...EventsConfigSchema.properties
}, { additionalProperties: true })

export type Config = Static<typeof ConfigSchema>

/** Fastify's `trustProxy` from TRUST_PROXY (read before the configuration is validated, which rejects a bad value). */
export function trustProxy (value: string | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  const text = value?.trim() ?? 'false'
  if (text === 'true') return true
  if (text === 'false' || text === '') return false
  if (/^[0-9]+$/.test(text)) {
    const hops = Number(text)
    return (_address, hop) => hop < hops
  }
  return text.split(',').map((address) => address.trim())
}

export type DatabaseMode = 'uri' | 'memory-server' | 'embedded'

export function databaseMode (config: Pick<Config, 'MONGODB_URI' | 'MONGO_ENGINE'>): DatabaseMode {
  if (config.MONGODB_URI) return 'uri'
  return config.MONGO_ENGINE
}

/** Demo data is loaded by default only where the database is throw-away. */
export function shouldSeedDemo (config: Config): boolean {
  return config.SEED_DEMO ?? databaseMode(config) !== 'uri'
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}
