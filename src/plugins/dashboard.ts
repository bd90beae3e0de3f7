import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** The folder holding package.json: the repository in development, /app in the container (dist/ sits below it). */
function packageRoot (): string {
  let folder = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder)
    if (parent === folder) throw new Error('dashboard: package.json not found above ' + fileURLToPath(import.meta.url))
    folder = parent
  }
  return folder
}

const publicDir = join(packageRoot(), 'public')
const chartDir = dirname(createRequire(import.meta.url).resolve('chart.js'))

/** Everything the page loads comes from this server; the API is reached with fetch on the same origin. */
const contentSecurityPolicy = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"
].join('; ')

const publicRoute = { config: { auth: 'public' as const }, schema: { hide: true } }

/**
 * The managers' dashboard: the page at `/`, its scripts and styles under `/dashboard/`, and Chart.js's
 * browser build from node_modules. It reads figures only through the public API with the key the user pastes.
 */
export default async function dashboardPlugin (app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: publicDir, serve: false })

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', contentSecurityPolicy)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
  })

  app.get('/', publicRoute, (_request, reply) => reply.sendFile('index.html'))

  app.get('/dashboard/vendor/chart.umd.min.js', publicRoute, (_request, reply) => reply.sendFile('chart.umd.min.js', chartDir))

  app.get<{ Params: { '*': string } }>('/dashboard/*', publicRoute, (request, reply) => reply.sendFile(request.params['*']))
}
