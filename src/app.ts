import Fastify, { type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import fastifyEnv from '@fastify/env'
import sensible from '@fastify/sensible'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ConfigSchema, trustProxy } from './config.js'
import { addDateFormats } from './lib/dates.js'
import mongoPlugin from './db/plugin.js'
import errorsPlugin from './plugins/errors.js'
import docsPlugin from './plugins/docs.js'
import authPlugin from './plugins/auth.js'
import keyCachePlugin from './plugins/key-cache.js'
import demoDataPlugin from './plugins/demo-data.js'
import idempotencyPlugin from './plugins/idempotency.js'
import limitsPlugin from './plugins/limits.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import securityHeadersPlugin from './plugins/security-headers.js'
import shutdownPlugin from './plugins/shutdown.js'
import inputGuardPlugin from './plugins/input-guard.js'
import dashboardPlugin from './plugins/dashboard.js'
import clientsRepository from './domains/clients/repository.js'
import apiKeysRepository from './domains/clients/api-keys-repository.js'
import { domains } from './domains/index.js'
import { requestLogger } from './lib/request-logger.js'

export interface BuildAppOptions {
  /** Environment to configure from; defaults to process.env (plus a .env file). */
  env?: Record<string, string | undefined>
  logger?: FastifyServerOptions['logger']
  /** Apply pending migrations at start; default: yes for the embedded and memory-server modes, no for MONGODB_URI. */
  migrate?: boolean
  /** Emit the driver's command monitoring events on `app.mongo.client` (tests that count database commands). */
  monitorCommands?: boolean
}

const logLevels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/** A client's `x-request-id` is kept when it is 1–128 of these characters; anything else is replaced by a new UUID. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:=+/-]{1,128}$/

function requestId (request: IncomingMessage): string {
  const sent = request.headers['x-request-id']
  return typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID()
}

function createFastify (logger: FastifyServerOptions['logger'], proxies: FastifyServerOptions['trustProxy'] = false) {
  return Fastify({
    logger,
    trustProxy: proxies,
    childLoggerFactory: requestLogger,
    requestIdHeader: false,
    genReqId: requestId,
    return503OnClosing: false,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allowUnionTypes: true },
      onCreate: addDateFormats
    }
  }).withTypeProvider<TypeBoxTypeProvider>()
}

/** Builds the Switchboard app without listening: plugins first, then every domain's routes. */
export async function buildApp (options: BuildAppOptions = {}) {
  const env = options.env ?? process.env
  const level = env.LOG_LEVEL && logLevels.has(env.LOG_LEVEL) ? env.LOG_LEVEL : 'info'
  const app = createFastify(options.logger ?? { level }, trustProxy(env.TRUST_PROXY))

  try {
    await registerEverything(app, options, env)
  } catch (error) {
    await app.close().catch(() => {})
    throw error
  }
  return app
}

async function registerEverything (app: FastifyTypebox, options: BuildAppOptions, env: Record<string, string | undefined>) {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  await app.register(fastifyEnv, { confKey: 'config', schema: ConfigSchema, data: env, dotenv: options.env === undefined })
  await app.register(shutdownPlugin)
  await app.register(limitsPlugin)
  await app.register(sensible)
  await app.register(errorsPlugin)
  await app.register(securityHeadersPlugin)
  await app.register(rateLimitPlugin)
  await app.register(inputGuardPlugin)
  await app.register(docsPlugin)
  await app.register(mongoPlugin, { migrate: options.migrate, monitorCommands: options.monitorCommands })
  await app.register(clientsRepository)
  await app.register(apiKeysRepository)
  await app.register(keyCachePlugin)
  await app.register(authPlugin)
  await app.register(idempotencyPlugin)
  for (const domain of domains) await app.register(domain)
  await app.register(dashboardPlugin)
  await app.register(demoDataPlugin)
}

export type App = Awaited<ReturnType<typeof buildApp>>
type FastifyTypebox = ReturnType<typeof createFastify>
