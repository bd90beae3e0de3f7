import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { RouteOptions } from 'fastify'
import { ErrorSchema, LegacyErrorSchema } from '../schemas/common.js'
import { conformToOpenApi30 } from './openapi30.js'

export const apiDescription = [
  'Switchboard is a self-hostable backend for contact centres: customer interactions per channel and topic,',
  'agents and their chats, and messaging between users.',
  '',
  'Authenticate with `Authorization: Bearer <API key>`. A client key sees only its own client\'s data;',
  'another client\'s records answer 404. The platform key (ADMIN_API_KEY) manages clients and keys only.',
  '',
  'Errors use one envelope: `{"statusCode": 404, "code": "NOT_FOUND", "error": "Chat 9 not found"}`;',
  'the seed-compatible routes (`/users/...`, `/chats/...`, `/clients`, `/interactions/...`, `/chatrooms/...`,',
  '`/api/v1/interactions/{customer_id}`, `/api/v1/stats/interactions/{customer_id}`) answer errors as `{"error": "..."}` exactly as',
  'their original contracts.',
  '',
  'Lists are paginated: pass the `nextCursor` of one page as `cursor` to get the next; `limit` is 1–100',
  '(the messenger seed\'s routes name it `next_cursor`, in their snake_case style).',
  'Times are ISO 8601 UTC strings; durations are seconds. Integer ids are 1–2147483647, written in paths and query strings',
  'as plain decimal digits (`0x1`, `1e0`, `01` are a 400). Besides its own errors an operation lists the 429 (rate limit),',
  '503 (database unavailable), 413 (body too large) and 415 (unsupported Content-Type) answers it can give.'
].join('\n')

/** Methods whose requests Fastify reads a body for: any of them can answer 413 (too large) and 415 (unreadable type). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * The answers the app's cross-cutting plugins give on many routes, documented once here as auth.ts does for 401/403:
 * 400, 413 and 415 where a body is read, 429 where the rate limit counts, 503 where the key lookup needs the database.
 */
function documentCommonAnswers (route: RouteOptions) {
  const schema = (route.schema ??= {}) as Record<string, unknown>
  if (schema.hide) return
  const access = route.config?.auth
  if (access === 'public') schema.security ??= []
  const response = (schema.response ??= {}) as Record<string, unknown>
  const errorShape = route.config?.legacyErrors ? LegacyErrorSchema : ErrorSchema
  const answers: number[] = []
  if ([route.method].flat().some((method) => BODY_METHODS.has(method))) answers.push(400, 413, 415)
  if (route.config?.rateLimit !== false) answers.push(429)
  if (access !== 'public') answers.push(503)
  for (const code of answers) response[code] ??= errorShape
}

/** OpenAPI 3 document at /docs/json and the docs page at /docs, with every asset served locally. */
export default fp(async function docsPlugin (app) {
  app.addHook('onRoute', documentCommonAnswers)
  await app.register(swagger, {
    transformObject: (document) => 'openapiObject' in document ? conformToOpenApi30(document.openapiObject) : document.swaggerObject,
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Switchboard API', version: '0.1.0', description: apiDescription, license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' } },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' }
        }
      }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'docs' })
