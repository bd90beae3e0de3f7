import { Type, type Static } from '@sinclair/typebox'

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
  SEED_DEMO: Type.Optional(Type.Boolean())
}, { additionalProperties: true })

export type Config = Static<typeof ConfigSchema>

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
