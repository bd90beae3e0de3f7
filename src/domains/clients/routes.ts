import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { canSeeClient } from '../../plugins/auth.js'
import { decodeCursor, pageOf } from '../../lib/cursor.js'
import { Page, PageQuerySchema, errorResponses } from '../../schemas/common.js'
import {
  ApiKeyParamsSchema, ApiKeySchema, ClientParamsSchema, ClientSchema, CreateApiKeyBodySchema,
  CreateClientBodySchema, CreatedApiKeySchema, ListApiKeysQuerySchema
} from './schemas.js'
import { toClient } from './repository.js'
import { toApiKey } from './api-keys-repository.js'
import { creationId } from '../../plugins/idempotent-writes.js'

const clientsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const notFound = (id: string) => app.httpErrors.notFound(`Client ${id} not found`)

  app.post('/api/v1/clients', {
    config: { auth: { platform: true }, idempotent: true },
    schema: {
      tags: ['clients'],
      summary: 'Create a client (platform key)',
      body: CreateClientBodySchema,
      response: { 201: ClientSchema, ...errorResponses(400, 409) }
    }
  }, async (request, reply) => {
    const doc = await app.clientsRepository.create(request.body, creationId(request))
    return reply.code(201).send(toClient(doc))
  })

  app.get('/api/v1/clients', {
    config: { auth: { role: 'agent', platform: true } },
    schema: {
      tags: ['clients'],
      summary: 'List the clients the key can see (platform key: all; client key: its own)',
      querystring: PageQuerySchema,
      response: { 200: Page(ClientSchema), ...errorResponses(400) }
    }
  }, async (request) => {
    const { limit, cursor } = request.query
    const caller = request.caller
    const afterId = cursor ? decodeCursor<{ id: ObjectId }>(cursor, ['id']).id : undefined
    const onlyId = caller?.kind === 'client' ? caller.clientId : undefined
    const docs = await app.clientsRepository.list({ limit: limit + 1, afterId, onlyId })
    return pageOf(docs, limit, toClient, (last) => ({ id: last._id }))
  })

  app.get('/api/v1/clients/:clientId', {
    config: { auth: { role: 'agent', platform: true } },
    schema: {
      tags: ['clients'],
      summary: 'Get one client',
      params: ClientParamsSchema,
      response: { 200: ClientSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const id = new ObjectId(request.params.clientId)
    const doc = canSeeClient(request, id) ? await app.clientsRepository.findById(id) : null
    if (!doc) throw notFound(request.params.clientId)
    return toClient(doc)
  })

  app.post('/api/v1/clients/:clientId/api-keys', {
    config: { auth: { role: 'admin', platform: true } },
    schema: {
      tags: ['clients'],
      summary: 'Create an API key for a client (platform key, or the client\'s admin key). The key is shown once.',
      description: 'With `userId` the key is bound to that user of the client and acts as that user only (its own direct messages, ' +
        'rooms and chat messages); without it the key is an integration key acting for the client. ' +
        'Takes no Idempotency-Key: the answer holds the key, which Switchboard never stores. Revoke a key created twice.',
      params: ClientParamsSchema,
      body: CreateApiKeyBodySchema,
      response: { 201: CreatedApiKeySchema, ...errorResponses(400, 404, 422) }
    }
  }, async (request, reply) => {
    const clientId = new ObjectId(request.params.clientId)
    const client = canSeeClient(request, clientId) ? await app.clientsRepository.findById(clientId) : null
    if (!client) throw notFound(request.params.clientId)
    const { name, role, userId } = request.body
    if (userId !== undefined && !await app.usersRepository.findById(clientId, userId)) {
      throw app.httpErrors.unprocessableEntity(`userId: client ${request.params.clientId} has no user ${userId} to bind the key to`)
    }
    const { doc, key } = await app.apiKeysRepository.create(clientId, name.trim(), role, { userId })
    return reply.code(201).send({ ...toApiKey(doc), key })
  })

  app.get('/api/v1/clients/:clientId/api-keys', {
    config: { auth: { role: 'admin', platform: true } },
    schema: {
      tags: ['clients'],
      summary: 'List a client\'s API keys (never the secrets), optionally only those bound to one user',
      params: ClientParamsSchema,
      querystring: ListApiKeysQuerySchema,
      response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = new ObjectId(request.params.clientId)
    const client = canSeeClient(request, clientId) ? await app.clientsRepository.findById(clientId) : null
    if (!client) throw notFound(request.params.clientId)
    const keys = await app.apiKeysRepository.list(clientId, { userId: request.query.userId })
    return { data: keys.map(toApiKey) }
  })

  app.delete('/api/v1/clients/:clientId/api-keys/:keyId', {
    config: { auth: { role: 'admin', platform: true } },
    schema: {
      tags: ['clients'],
      summary: 'Revoke an API key; it stops working at once',
      params: ApiKeyParamsSchema,
      response: { 200: ApiKeySchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const clientId = new ObjectId(request.params.clientId)
    const revoked = canSeeClient(request, clientId)
      ? await app.apiKeysRepository.revoke(clientId, new ObjectId(request.params.keyId))
      : null
    if (!revoked) throw app.httpErrors.notFound(`API key ${request.params.keyId} not found`)
    return toApiKey(revoked)
  })

  app.get('/clients', {
    config: { auth: { role: 'agent', platform: true }, legacyErrors: true },
    schema: {
      tags: ['seed contracts'],
      summary: 'The visible clients in legacy extended JSON (engagement-store seed)',
      response: { 200: Type.Array(Type.Object({ _id: Type.Object({ $oid: Type.String() }), name: Type.String(), nickName: Type.String() })) }
    }
  }, async (request) => {
    const caller = request.caller
    const docs = caller?.kind === 'client'
      ? [await app.clientsRepository.findById(caller.clientId)].filter((doc) => doc !== null)
      : await app.clientsRepository.listAll()
    return docs.map((doc) => ({ _id: { $oid: doc._id.toHexString() }, name: doc.name, nickName: doc.nickName }))
  })
}

export default clientsRoutes
