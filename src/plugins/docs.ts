import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

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
  'Times are ISO 8601 UTC strings; durations are seconds.'
].join('\n')

/** OpenAPI 3 document at /docs/json and the docs page at /docs, with every asset served locally. */
export default fp(async function docsPlugin (app) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Switchboard API', version: '0.1.0', description: apiDescription },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' }
        }
      }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'docs' })
